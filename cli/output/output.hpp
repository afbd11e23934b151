#pragma once

#include "cli/context.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
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

// How tables print, set once from the global options.
struct TableStyle
{
  bool headers = true;   // not --no-headers
  std::size_t width = 0; // columns to fit in (a terminal's); 0: no limit
};
void set_table_style(TableStyle style);
// The style `ctx` asks for: its width is the terminal's (or $COLUMNS) when
// stdout is a terminal and the format is table, not wide.
TableStyle table_style_of(const Context& ctx);

// The lines of `table`, its cells through printable(): columns padded to their widest cell (in
// characters), shortened with "…" to fit the style's width when it has one
// (the widest columns first, the first column never, none below 8); the
// header line first (bold when `color`), unless the style leaves it out.
std::vector<std::string> table_lines(const Table& table, bool color);

// Print table_lines(table, color).
void print_table(std::ostream& out, const Table& table, bool color);

// Text for people made safe for a terminal: printable_text() of it (control
// characters escaped, newlines and tabs kept, invalid UTF-8 replaced) but
// for the bold and plain escapes of table headers ("\033[1m", "\033[0m").
std::string terminal_safe(std::string_view text);

// Call `print` on a buffer, then print terminal_safe() of what it wrote on
// `out`: what a command prints for people (emit does it for its tables).
void print_safely(std::ostream& out, const std::function<void(std::ostream&)>& print);

// -o jq=EXPR failed on a document (its error printed): the exit code ryax
// ends with, 0 when nothing failed.
int output_failure();

// One document of a stream (or of emit): a JSON line, a YAML document after
// "---", its name (-o name) or its jq results; not for tables.
void print_document(const Context& ctx, const nlohmann::json& doc);

// The id of `doc` for -o name: its "id", else "name", else "run_id", else
// "key"; "" when it has none.
std::string name_of(const nlohmann::json& doc);

// Print "key: value" lines aligned on the colon, for `show` commands; keys
// and values through printable() (one line each).
void print_fields(std::ostream& out,
                  const std::vector<std::pair<std::string, std::string>>& fields);

// Print `doc` on stdout as JSON or YAML when asked for, as the names of its
// objects for -o name (one per line; an array gives one per element);
// otherwise call `as_table` to print it for people.
void emit(const Context& ctx, const nlohmann::json& doc,
          const std::function<void(std::ostream&)>& as_table);

} // namespace ryax::cli::output
