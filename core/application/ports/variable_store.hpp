#pragma once

#include "core/domain/error.hpp"
#include "core/domain/variable.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// The project variables. A variable is keyed by (project, name): two
// projects may hold variables of the same name. Password values are kept
// encrypted at rest by the adapter; the values read back are plaintext.
class VariableStore
{
public:
  virtual ~VariableStore() = default;

  // Insert `variable`, or replace the one of the same project and name.
  // internal when the storage (or the encryption of a password) fails.
  virtual Result<void> put(const domain::Variable& variable) = 0;

  // The variable `name` of `project`, or nullopt. internal when the
  // storage fails or a sealed value does not open.
  virtual Result<std::optional<domain::Variable>> get(
    const std::string& project,
    const std::string& name) = 0;

  // The variables of `project`, by name. internal as get.
  virtual Result<std::vector<domain::Variable>> list(
    const std::string& project) = 0;

  // How many variables `project` holds (no value is read). internal.
  virtual Result<std::size_t> count(const std::string& project) = 0;

  // Forget variable `name` of `project`: whether there was one. internal.
  virtual Result<bool> remove(const std::string& project,
                              const std::string& name) = 0;
};

} // namespace ryax::app
