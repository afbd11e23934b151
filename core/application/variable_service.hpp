#pragma once

#include "core/application/ports/clock.hpp"
#include "core/application/ports/variable_store.hpp"
#include "core/domain/variable.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// `ryax variable set`.
struct SetVariableRequest
{
  std::string project; // "" for domain::k_default_project
  std::string name;
  // Unset: the type the variable has, or string for a new one.
  std::optional<domain::IoType> type;
  // Unset: the description it has ("" for a new one).
  std::optional<std::string> description;
  std::string value; // as typed; parsed by the type
};

// The project variables: set, list, show, remove. Every call acts in one
// project; nothing here reaches another project's variables. Messages
// never hold a password value.
class VariableService
{
public:
  // The project of each call exists: the gate checked it.
  VariableService(VariableStore& store, Clock& clock);

  // Create or replace a variable, its value typed by its type
  // (domain::parse_variable_value). invalid_argument naming the variable
  // for a bad name, type, value or description; failed_precondition when
  // the project already holds k_max_variables_per_project variables;
  // internal when the store fails.
  Result<domain::Variable> set(const SetVariableRequest& request);

  // The variables of `project`, by name.
  Result<std::vector<domain::Variable>> list(const std::string& project);

  // Variable `name` of `project`. not_found naming it and the project,
  // with the near miss.
  Result<domain::Variable> get(const std::string& project,
                               const std::string& name);

  // Remove variable `name` of `project`. not_found as get.
  Result<void> remove(const std::string& project, const std::string& name);

private:
  // not_found for variable `name` of `project`, with the near miss.
  std::unexpected<Error> not_found(const std::string& project,
                                   const std::string& name);

  VariableStore& m_store;
  Clock& m_clock;
};

// `project`, or domain::k_default_project when it is empty.
std::string project_or_default(const std::string& project);

} // namespace ryax::app
