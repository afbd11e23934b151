#pragma once

#include "core/domain/error.hpp"

#include <string>
#include <vector>

namespace ryax::cli {

// `ryax action init DIR --kind K [--type T] [--id ID]`.
struct ActionInitOptions
{
  std::string directory;
  std::string kind;           // processor, source or publisher (any case)
  std::string type = "python3"; // python3 or nodejs
  std::string id;             // default: the directory's name
};

// Write a valid action (ryax_metadata.yaml, a handler with a docstring, an
// empty requirements.txt or a package.json) into a new or empty directory.
// The paths written. invalid_argument for a bad id or combination (sources
// are python3 only); failed_precondition when the directory is not empty.
Result<std::vector<std::string>> scaffold_action(const ActionInitOptions& options);

} // namespace ryax::cli
