#pragma once

#include "core/domain/run.hpp"

#include <string>
#include <variant>

// Small helpers shared by the code that runs step executions (the runner's
// StepExecutor and RunEngine, a worker agent's AgentExecutor).
namespace ryax::app {

// A step error of `kind` ("runtime_unavailable", ...) saying `message`.
inline domain::StepError
step_error(std::string kind, std::string message)
{
  return domain::StepError{ std::move(kind), std::move(message), 0, {} };
}

// Whether `values` hold a file or directory value.
inline bool
has_files(const domain::Values& values)
{
  for (const auto& [name, value] : values) {
    if (std::holds_alternative<domain::FileRef>(value)) {
      return true;
    }
  }
  return false;
}

} // namespace ryax::app
