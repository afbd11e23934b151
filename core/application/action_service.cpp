#include "core/application/action_service.hpp"

#include "core/application/log.hpp"
#include "core/domain/identity.hpp"
#include "core/domain/suggest.hpp"
#include "core/domain/workflow.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ryax::app {

ActionService::ActionService(ActionCatalogue& catalogue) : m_catalogue(catalogue)
{
}

namespace {

// Built-in triggers as catalogue entries: always built, from no repository.
std::optional<domain::ActionVersion>
builtin_version(std::string_view name, const std::string& project)
{
  auto metadata = domain::builtin_trigger(name);
  if (!metadata) {
    return std::nullopt;
  }
  domain::ActionVersion version;
  version.metadata = std::move(*metadata);
  version.project = project;
  version.repository = std::string(k_builtin_repository);
  version.build_state = domain::BuildState::built;
  return version;
}

bool
matches(const domain::ActionVersion& version, const ActionFilter& filter)
{
  const auto& categories = version.metadata.categories;
  return (filter.repository.empty() || filter.repository == version.repository)
         && (!filter.kind || *filter.kind == version.metadata.kind)
         && (filter.category.empty()
             || std::find(categories.begin(), categories.end(), filter.category)
                  != categories.end());
}

} // namespace

Result<std::optional<domain::ActionVersion>>
find_in_project(ActionCatalogue& catalogue,
                const std::string& project,
                const domain::ActionRef& ref)
{
  std::optional<domain::ActionVersion> found;
  if (ref.version.empty()) {
    RYAX_TRY_ASSIGN(found, catalogue.latest(project, ref.id));
  } else {
    RYAX_TRY_ASSIGN(found, catalogue.find(project, ref.id, ref.version));
  }
  if (!found) {
    if (auto builtin = builtin_version(ref.id, project);
        builtin && (ref.version.empty() || ref.version == builtin->version())) {
      found = std::move(*builtin);
    }
  }
  return found;
}

Result<std::vector<domain::ActionVersion>>
ActionService::list(const ActionFilter& filter)
{
  RYAX_TRY_ASSIGN(auto versions, m_catalogue.list(filter));
  for (const auto name : domain::builtin_trigger_names()) {
    auto builtin = builtin_version(name, filter.project);
    if (!builtin || !matches(*builtin, filter)) {
      continue;
    }
    const auto at = std::find_if(versions.begin(), versions.end(), [&](const auto& v) {
      return v.id() > builtin->id();
    });
    versions.insert(at, std::move(*builtin));
  }
  return versions;
}

Error
ActionService::not_found(const std::string& project,
                         const domain::ActionRef& ref)
{
  std::string message =
    ref.version.empty()
      ? fmt::format("action \"{}\" not found{}", ref.id,
                    domain::in_project(project))
      : fmt::format("action \"{}\" version \"{}\" not found{}", ref.id,
                    ref.version, domain::in_project(project));
  ActionFilter every;
  every.project = project;
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
    message += domain::did_you_mean(ref.id, ids);
  }
  return Error{ErrorCode::not_found, message};
}

Result<domain::ActionVersion>
ActionService::show(const std::string& project, const std::string& text)
{
  RYAX_TRY_ASSIGN(const auto ref, domain::parse_action_ref(text));
  RYAX_TRY_ASSIGN(auto found, find_in_project(m_catalogue, project, ref));
  if (!found) {
    return std::unexpected(not_found(project, ref));
  }
  return std::move(*found);
}

Result<int>
ActionService::remove(const std::string& project, const std::string& text)
{
  RYAX_TRY_ASSIGN(const auto ref, domain::parse_action_ref(text));
  RYAX_TRY_ASSIGN(const int removed,
                  m_catalogue.remove(project, ref.id, ref.version));
  if (removed == 0) {
    return std::unexpected(not_found(project, ref));
  }
  log::info("action {}{}{} removed ({} version{})", ref.id,
            ref.version.empty() ? "" : ":" + ref.version,
            domain::in_project(project), removed,
            removed == 1 ? "" : "s");
  return removed;
}

} // namespace ryax::app
