#include "cli/context.hpp"

#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace ryax::cli {

OutputFormat
Context::format() const
{
  std::string name = output;
  if (name.empty()) {
    if (const char* env = std::getenv("RYAX_OUTPUT"); env != nullptr) {
      name = env;
    }
  }
  if (name == "json") {
    return OutputFormat::json;
  }
  if (name == "yaml") {
    return OutputFormat::yaml;
  }
  if (name == "wide") {
    return OutputFormat::wide;
  }
  if (name == "name") {
    return OutputFormat::name;
  }
  return OutputFormat::table;
}

bool
Context::color() const
{
  const char* no_color_env = std::getenv("NO_COLOR");
  return !no_color && (no_color_env == nullptr || *no_color_env == '\0')
         && ::isatty(STDOUT_FILENO) != 0;
}

bool
Context::progress() const
{
  return !quiet && ::isatty(STDERR_FILENO) != 0;
}

void
Context::fail(const Error& error)
{
  std::cerr << "ryax: error: " << error.message << std::endl;
  exit_code = to_exit_code(error.code);
}

void
register_global_options(CLI::App& app, Context& ctx)
{
  // Options of the top level are accepted after a subcommand too.
  app.fallthrough();
  // Before any command runs: how its tables print.
  app.parse_complete_callback(
    [&ctx] { output::set_table_style(output::table_style_of(ctx)); });
  auto* global = "Global options";
  app.add_option("--socket", ctx.socket,
                 "Talk to ryaxd on this UNIX socket (no autostart)")
    ->group(global);
  app.add_option("--server", ctx.server,
                 "Talk to ryaxd over TLS at HOST:PORT (no autostart)")
    ->group(global);
  app.add_option("--ca-file", ctx.ca_file,
                 "Trust the ryaxd of --server (or of ryax login) with this "
                 "CA certificate")
    ->group(global);
  app.add_option("-o,--output", ctx.output,
                 "Output format: table (fitted to the terminal), wide (never "
                 "shortened), json, yaml, or name (ids only)")
    ->check(CLI::IsMember({"table", "wide", "json", "yaml", "name"}))
    ->group(global);
  app.add_flag("--no-headers", ctx.no_headers, "Tables without their header row")
    ->group(global);
  app.add_flag("-q,--quiet", ctx.quiet, "Print nothing but results and errors")
    ->group(global);
  app.add_flag("--no-color", ctx.no_color,
               "No colour (also when NO_COLOR is set)")
    ->group(global);
  app.add_flag("--no-autostart", ctx.no_autostart,
               "Never start ryaxd (also when RYAX_NO_AUTOSTART=1)")
    ->group(global);
  app.add_option("--project", ctx.project,
                 "Act in this project (else RYAX_PROJECT, else your current "
                 "project)")
    ->group(global);
}

} // namespace ryax::cli
