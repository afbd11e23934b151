#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::cli::help {

// One example of a command's --help and of ryax(1): a comment saying what
// it does, then the command line.
struct Example
{
  std::string_view comment; // "The runs that failed in the last hour"
  std::string_view command; // "ryax runs list --status error --since 1h"
};

// The examples of every command, by its path ("runs list", "run").
const std::map<std::string_view, std::vector<Example>>& examples();

} // namespace ryax::cli::help
