#include "cli/context.hpp"

#include "cli/exit_code.hpp"
#include "cli/output/jq_filter.hpp"
#include "cli/output/output.hpp"
#include "cli/output/printable.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace ryax::cli {

namespace {

// -o, else $RYAX_OUTPUT.
std::string
output_of(const Context& ctx)
{
  if (ctx.output.empty()) {
    if (const char* env = std::getenv("RYAX_OUTPUT"); env != nullptr) {
      return env;
    }
  }
  return ctx.output;
}

constexpr std::string_view k_jq_prefix = "jq=";

// The commands whose output is text of another kind, and what it is.
constexpr std::pair<std::string_view, std::string_view> k_text_only[] = {
  { "workflow export", "the workflow file (YAML)" },
  { "workflow diff", "a unified diff" },
  { "workflow graph", "a graph (dot, mermaid, svg or png)" },
  { "completion", "a shell script" },
  { "action build-log", "the build log" },
  { "help", "help" },
};

// The commands that print CSV for -o csv.
constexpr std::string_view k_csv_commands[] = { "accounting" };

} // namespace

std::string
Context::jq_expression() const
{
  const auto name = output_of(*this);
  return name.starts_with(k_jq_prefix) ? name.substr(k_jq_prefix.size()) : std::string();
}

OutputFormat
Context::format() const
{
  const std::string name = output_of(*this);
  if (name.starts_with(k_jq_prefix)) {
    return OutputFormat::jq;
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
Context::csv() const
{
  return csv_command && output_of(*this) == "csv";
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
  std::cerr << "ryax: error: " << output::printable_text(error.message) << std::endl;
  exit_code = to_exit_code(error.code);
}

void
register_global_options(CLI::App& app, Context& ctx)
{
  // Options of the top level are accepted after a subcommand too.
  app.fallthrough();
  // Before any command runs: how its tables print, and -o refused by the
  // commands that print text rather than documents.
  app.parse_complete_callback([&app, &ctx] {
    output::set_table_style(output::table_style_of(ctx));
    const CLI::App* command = &app;
    std::string path;
    while (!command->get_subcommands().empty()) {
      command = command->get_subcommands().front();
      path += (path.empty() ? "" : " ") + command->get_name();
    }
    ctx.csv_command =
      std::find(std::begin(k_csv_commands), std::end(k_csv_commands), path)
      != std::end(k_csv_commands);
    if (ctx.output == "csv" && !ctx.csv_command) {
      throw CLI::ValidationError("--output",
                                 "csv is taken only by: accounting");
    }
    for (const auto& [text_only, prints] : k_text_only) {
      if (path == text_only && !ctx.output.empty() && !ctx.for_people()) {
        throw CLI::ValidationError(
          "--output", fmt::format("{} is not taken: it prints {}", ctx.output, prints));
      }
    }
  });
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
  // The choices in braces, as IsMember shows them (completion reads them).
  const CLI::Validator formats(
    [](std::string& value) -> std::string {
      for (const char* name :
           { "table", "wide", "json", "yaml", "name", "csv" }) {
        if (value == name) {
          return {};
        }
      }
      if (value.starts_with(k_jq_prefix)) {
        const auto error = output::check_jq(value.substr(k_jq_prefix.size()));
        return error.empty() ? std::string() : value + ": " + error;
      }
      return value + " not in {table,wide,json,yaml,name,csv,jq=EXPR}";
    },
    "{table,wide,json,yaml,name,csv,jq=}");
  app.add_option("-o,--output", ctx.output,
                 "Output format: table (fitted to the terminal), wide (never "
                 "shortened), json, yaml, name (ids only), csv (accounting "
                 "only), or jq=EXPR (the JSON filtered by a jq expression)")
    ->check(formats)
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
