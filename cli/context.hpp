#pragma once

#include "core/domain/error.hpp"

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace ryax::cli {

enum class OutputFormat { table, json, yaml };

// What every command shares: the global options and the exit code that the
// chosen command leaves.
struct Context
{
  std::string socket;      // --socket PATH
  std::string server;      // --server HOST:PORT
  std::string ca_file;     // --ca-file PATH (TLS for --server and login)
  std::string output;      // --output table|json|yaml ("" = default)
  bool quiet = false;      // --quiet
  bool no_color = false;   // --no-color
  bool no_autostart = false; // --no-autostart
  std::string project;     // --project P ("" = $RYAX_PROJECT, else current)
  int exit_code = 0;

  // The chosen output format (table unless -o/--output or $RYAX_OUTPUT).
  OutputFormat format() const;

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
