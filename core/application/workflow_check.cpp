#include "core/application/workflow_check.hpp"

#include <algorithm>
#include <tuple>

namespace ryax::app {

VersionsLookup::VersionsLookup(std::vector<domain::ActionVersion> versions)
{
  for (auto& version : versions) {
    m_by_id[version.id()].push_back(std::move(version));
  }
}

std::optional<domain::ActionVersion>
VersionsLookup::find(const std::string& id, const std::string& version) const
{
  const auto it = m_by_id.find(id);
  if (it == m_by_id.end()) {
    return std::nullopt;
  }
  for (const auto& candidate : it->second) {
    if (version.empty() ? candidate.build_state == domain::BuildState::built
                        : candidate.version() == version) {
      return candidate;
    }
  }
  if (version.empty()) {
    return it->second.front(); // none built: the latest, to say so
  }
  return std::nullopt;
}

std::vector<std::string>
VersionsLookup::versions(const std::string& id) const
{
  std::vector<std::string> result;
  const auto it = m_by_id.find(id);
  if (it != m_by_id.end()) {
    for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
      result.push_back(v->version());
    }
  }
  return result;
}

std::vector<std::string>
VersionsLookup::ids() const
{
  std::vector<std::string> result;
  for (const auto& [id, versions] : m_by_id) {
    result.push_back(id);
  }
  return result;
}

WorkflowValidation
check_workflow_source(WorkflowFormat& format,
                      const WorkflowSource& source,
                      const domain::ActionLookup& lookup)
{
  auto parsed = format.parse(source.text, source.display_path);
  WorkflowValidation validation;
  validation.diagnostics = std::move(parsed.diagnostics);
  if (!parsed.workflow) {
    return validation;
  }
  if (validation.diagnostics.empty()) {
    validation.normalised = format.write(*parsed.workflow);
  }
  const domain::FileProbe probe = [&](const std::string& path) {
    if (source.files.contains(path)) {
      return domain::FileKind::file;
    }
    return source.directories.contains(path) ? domain::FileKind::directory
                                             : domain::FileKind::none;
  };
  // The parser already ran the graph checks that validate_workflow repeats.
  for (auto& diagnostic :
       domain::validate_workflow(*parsed.workflow, lookup, probe)) {
    const auto same = [&](const domain::Diagnostic& d) {
      return std::tie(d.line, d.column, d.field, d.message) ==
             std::tie(diagnostic.line,
                      diagnostic.column,
                      diagnostic.field,
                      diagnostic.message);
    };
    if (std::none_of(
          validation.diagnostics.begin(), validation.diagnostics.end(), same)) {
      validation.diagnostics.push_back(std::move(diagnostic));
    }
  }
  std::stable_sort(validation.diagnostics.begin(),
                   validation.diagnostics.end(),
                   [](const auto& a, const auto& b) {
                     return std::pair(a.line, a.column) <
                            std::pair(b.line, b.column);
                   });
  validation.workflow = std::move(parsed.workflow);
  return validation;
}

} // namespace ryax::app
