// `ryax site list|show`.

#include "cli/commands/commands.hpp"
#include "cli/commands/common.hpp"
#include "cli/commands/site_render.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"

#include "ryax/v1/site.grpc.pb.h"
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

int
run_list(Context& ctx)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListSitesReply>([&](auto* c, auto* r) {
                      return stub->ListSites(c, {}, r);
                    }));
    auto doc = nlohmann::json::array();
    for (const auto& site : reply.sites()) {
      doc.push_back(site_json(site));
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (reply.sites().empty()) {
        if (!ctx.quiet) {
          out << "no sites\n";
        }
        return;
      }
      output::print_table(out, sites_table(reply), ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_show(Context& ctx, const std::string& name)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    v1::GetSiteRequest request;
    request.set_name(name);
    RYAX_TRY_ASSIGN(const auto site,
                    client.call<v1::Site>([&](auto* c, auto* r) {
                      return stub->GetSite(c, request, r);
                    }));
    output::emit(ctx, site_json(site), [&](std::ostream& out) {
      output::print_fields(out, site_fields(site));
      out << "\npools:\n";
      if (site.pools().empty()) {
        out << "  (none)\n";
        return;
      }
      output::print_table(out, pools_table(site, "  "), false);
    });
    return k_exit_ok;
  });
}

} // namespace

void
register_site_commands(CLI::App& app, Context& ctx)
{
  auto name = std::make_shared<std::string>();

  auto* site = app.add_subcommand(
    "site", "Inspect the sites and node pools steps are placed on");
  site->require_subcommand(1);

  auto* list = site->add_subcommand(
    "list", "List sites with their CPU and memory in use and their queue");
  list->callback([&ctx] { ctx.exit_code = run_list(ctx); });

  auto* show = site->add_subcommand(
    "show", "Show a site and each of its pools: capacity, use, queue");
  show->add_option("site", *name, "Site name (\"local\")")->required();
  show->callback([&ctx, name] { ctx.exit_code = run_show(ctx, *name); });
}

} // namespace ryax::cli
