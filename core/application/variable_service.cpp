#include "core/application/variable_service.hpp"

#include "core/application/log.hpp"
#include "core/domain/identity.hpp"
#include "core/domain/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ryax::app {

std::string
project_or_default(const std::string& project)
{
  return project.empty() ? std::string(domain::k_default_project) : project;
}

VariableService::VariableService(VariableStore& store, Clock& clock)
  : m_store(store)
  , m_clock(clock)
{
}

std::unexpected<Error>
VariableService::not_found(const std::string& project, const std::string& name)
{
  auto message =
    fmt::format("variable \"{}\" not found in project \"{}\"", name, project);
  if (auto all = m_store.list(project)) {
    std::vector<std::string> names;
    for (const auto& variable : *all) {
      names.push_back(variable.name);
    }
    message += domain::did_you_mean(name, names);
  }
  return fail(ErrorCode::not_found, message);
}

Result<domain::Variable>
VariableService::set(const SetVariableRequest& request)
{
  const auto project = project_or_default(request.project);
  RYAX_TRY(domain::check_variable_name(request.name));
  RYAX_TRY_ASSIGN(const auto existing, m_store.get(project, request.name));
  domain::Variable variable;
  variable.project = project;
  variable.name = request.name;
  variable.type = request.type ? *request.type
                  : existing   ? existing->type
                               : domain::IoType::string;
  variable.description = request.description ? *request.description
                         : existing          ? existing->description
                                             : std::string();
  RYAX_TRY(
    domain::check_variable_description(request.name, variable.description));
  RYAX_TRY_ASSIGN(
    variable.value,
    domain::parse_variable_value(request.name, variable.type, request.value));
  if (!existing) {
    RYAX_TRY_ASSIGN(const auto count, m_store.count(project));
    if (count >= domain::k_max_variables_per_project) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("project \"{}\" holds {} variables, the most a "
                              "project may hold: remove some (ryax variable "
                              "rm NAME)",
                              project,
                              count));
    }
  }
  variable.updated_at = m_clock.now_unix();
  RYAX_TRY(m_store.put(variable));
  // The name and type only: never the value.
  log::info("variable {} of project {} set ({})",
            variable.name,
            project,
            domain::to_string(variable.type));
  return variable;
}

Result<std::vector<domain::Variable>>
VariableService::list(const std::string& project)
{
  return m_store.list(project_or_default(project));
}

Result<domain::Variable>
VariableService::get(const std::string& project, const std::string& name)
{
  const auto in = project_or_default(project);
  RYAX_TRY_ASSIGN(auto found, m_store.get(in, name));
  if (!found) {
    return not_found(in, name);
  }
  return std::move(*found);
}

Result<void>
VariableService::remove(const std::string& project, const std::string& name)
{
  const auto in = project_or_default(project);
  RYAX_TRY_ASSIGN(const bool removed, m_store.remove(in, name));
  if (!removed) {
    return not_found(in, name);
  }
  log::info("variable {} of project {} removed", name, in);
  return {};
}

} // namespace ryax::app
