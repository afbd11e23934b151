#include "core/application/action_service.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

namespace ryax::app {

ActionService::ActionService(ActionCatalogue& catalogue) : m_catalogue(catalogue)
{
}

Result<std::vector<domain::ActionVersion>>
ActionService::list(const ActionFilter& filter)
{
  return m_catalogue.list(filter);
}

Error
ActionService::not_found(const domain::ActionRef& ref)
{
  std::string message =
    ref.version.empty()
      ? fmt::format("action \"{}\" not found", ref.id)
      : fmt::format("action \"{}\" version \"{}\" not found", ref.id, ref.version);
  ActionFilter every;
  every.all_versions = true;
  auto all = m_catalogue.list(every);
  if (!all) {
    return Error{ErrorCode::not_found, message};
  }
  std::vector<std::string> ids;
  std::vector<std::string> versions;
  for (const auto& version : *all) {
    ids.push_back(version.id());
    if (version.id() == ref.id) {
      versions.push_back(version.version());
    }
  }
  if (!versions.empty()) {
    message += fmt::format(" (versions: {})", fmt::join(versions, ", "));
  } else {
    std::vector<std::string_view> candidates(ids.begin(), ids.end());
    if (auto near = domain::closest_match(ref.id, candidates)) {
      message += fmt::format(" (did you mean \"{}\"?)", *near);
    }
  }
  return Error{ErrorCode::not_found, message};
}

Result<domain::ActionVersion>
ActionService::show(const std::string& text)
{
  RYAX_TRY_ASSIGN(const auto ref, domain::parse_action_ref(text));
  std::optional<domain::ActionVersion> found;
  if (ref.version.empty()) {
    RYAX_TRY_ASSIGN(found, m_catalogue.latest(ref.id));
  } else {
    RYAX_TRY_ASSIGN(found, m_catalogue.find(ref.id, ref.version));
  }
  if (!found) {
    return std::unexpected(not_found(ref));
  }
  return *found;
}

Result<int>
ActionService::remove(const std::string& text)
{
  RYAX_TRY_ASSIGN(const auto ref, domain::parse_action_ref(text));
  RYAX_TRY_ASSIGN(const int removed, m_catalogue.remove(ref.id, ref.version));
  if (removed == 0) {
    return std::unexpected(not_found(ref));
  }
  log::info("action {}{} removed ({} version{})", ref.id,
            ref.version.empty() ? "" : ":" + ref.version, removed,
            removed == 1 ? "" : "s");
  return removed;
}

} // namespace ryax::app
