#pragma once

#include "cli/context.hpp"

#include <string>
#include <vector>

namespace ryax::cli {

// `ryax action test DIR [--input NAME=VALUE]... [--file NAME=PATH]...`.
struct ActionTestOptions
{
  std::string directory;
  std::vector<std::string> inputs; // NAME=VALUE
  std::vector<std::string> files;  // NAME=PATH
  bool keep = false;               // keep the run directory
};

// Run the action in `options.directory` once through ryax-wrapper, without
// the daemon: validate its metadata, build (or reuse from the cache) its
// environment, convert the inputs, execute, print the outputs. The exit
// code: 0 success, 5 bad action or inputs, 6 the action failed.
int run_action_test(Context& ctx, const ActionTestOptions& options);

} // namespace ryax::cli
