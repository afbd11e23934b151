#pragma once

#include "core/domain/error.hpp"

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace ryax::cli {

// table: for people, fitted to a terminal's width; wide: the same, never
// shortened; name: the id (or name) of each object, one per line; jq: the
// JSON document filtered by a jq expression (-o jq=EXPR).
enum class OutputFormat { table, wide, json, yaml, name, jq };

// What every command shares: the global options and the exit code that the
// chosen command leaves.
struct Context
{
  std::string socket;      // --socket PATH
  std::string server;      // --server HOST:PORT
  std::string ca_file;     // --ca-file PATH (TLS for --server and login)
  std::string output;      // --output table|wide|json|yaml|name|jq=EXPR ("" = default)
  bool no_headers = false; // --no-headers
  bool quiet = false;      // --quiet
  bool no_color = false;   // --no-color
  bool no_autostart = false; // --no-autostart
  // Set at parse: the chosen command prints CSV for -o csv (see csv()).
  bool csv_command = false;
  std::string project;     // --project P ("" = $RYAX_PROJECT, else current)
  int exit_code = 0;

  // The chosen output format (table unless -o/--output or $RYAX_OUTPUT).
  OutputFormat format() const;
  // The EXPR of -o jq=EXPR ("" for another format).
  std::string jq_expression() const;
  // -o csv (or $RYAX_OUTPUT=csv) for a command that prints CSV (RFC 4180
  // rows under a header): only `accounting`. Every other command refuses
  // -o csv at parse and takes $RYAX_OUTPUT=csv as table, which is also
  // what format() says for csv.
  bool csv() const;
  // table or wide: printed for people.
  bool for_people() const
  {
    return format() == OutputFormat::table || format() == OutputFormat::wide;
  }

  // Colour on stdout: a terminal, and neither --no-color nor $NO_COLOR.
  bool color() const;

  // Progress and notes on stderr: a terminal and not --quiet.
  bool progress() const;

  // Print "ryax: error: <message>" on stderr and set the exit code for it.
  void fail(const Error& error);
};

// Add the global options to `app`. Every subcommand accepts them too, before
// or after its own arguments.
void register_global_options(CLI::App& app, Context& ctx);

} // namespace ryax::cli
