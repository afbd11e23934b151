#pragma once

#include "cli/context.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace ryax::cli::output {

// Rows under headers, aligned in columns, for people.
struct Table
{
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

// `doc` as YAML, with the same structure and field names as its JSON.
std::string to_yaml(const nlohmann::json& doc);

// Print `table` with columns padded to their widest cell; headers in bold
// when `color`.
void print_table(std::ostream& out, const Table& table, bool color);

// Print "key: value" lines aligned on the colon, for `show` commands.
void print_fields(std::ostream& out,
                  const std::vector<std::pair<std::string, std::string>>& fields);

// Print `doc` on stdout as JSON or YAML when asked for; otherwise call
// `as_table` to print it for people.
void emit(const Context& ctx, const nlohmann::json& doc,
          const std::function<void(std::ostream&)>& as_table);

} // namespace ryax::cli::output
