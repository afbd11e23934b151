#include "daemon/services/catalogue_convert.hpp"

#include "core/infrastructure/json/action_json.hpp"

namespace ryax::daemon {

void
to_proto(const domain::Repository& r, v1::Repository& out)
{
  out.set_name(r.name);
  out.set_url(r.url);
  out.set_branch(r.branch);
  out.set_username(r.username);
  out.set_has_password(r.has_password);
  out.set_has_ssh_key(r.has_ssh_key);
  out.set_created_at(r.created_at);
  out.set_last_scan_at(r.last_scan_at.value_or(0));
  out.set_last_scan_ref(r.last_scan_ref);
  out.set_last_scan_commit(r.last_scan_commit);
}

void
to_proto(const domain::ActionVersion& v, v1::ActionVersion& out)
{
  out.set_id(v.id());
  out.set_version(v.version());
  out.set_kind(std::string(domain::to_string(v.metadata.kind)));
  out.set_type(std::string(domain::to_string(v.metadata.type)));
  out.set_human_name(v.metadata.human_name);
  out.set_repository(v.repository);
  out.set_build_state(std::string(domain::to_string(v.build_state)));
  out.set_gone_from_head(v.gone_from_head);
  out.set_document_json(infra::json::to_json(v).dump());
}

void
to_proto(const domain::ScanReport& report, v1::ScanReport& out)
{
  out.set_repository(report.repository);
  out.set_ref(report.ref);
  out.set_commit(report.commit);
  out.set_cloned(report.cloned);
  for (const auto& a : report.actions) {
    auto* item = out.add_actions();
    item->set_directory(a.directory);
    item->set_id(a.id);
    item->set_version(a.version);
    item->set_kind(a.kind ? std::string(domain::to_string(*a.kind)) : "");
    item->set_type(a.type ? std::string(domain::to_string(*a.type)) : "");
    item->set_tree_id(a.tree_id);
    item->set_status(std::string(domain::to_string(a.status)));
    for (const auto& e : a.errors) {
      item->add_errors(e);
    }
  }
  for (const auto& g : report.gone) {
    out.add_gone(g);
  }
}

} // namespace ryax::daemon
