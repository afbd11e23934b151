#include "cli/commands/action_render.hpp"

#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"

#include <fmt/format.h>

#include <ostream>

namespace ryax::cli {

namespace {

using output::field;
using output::text_field;

std::string
or_dash(const std::string& text)
{
  return text.empty() ? "-" : text;
}

// The strings of the array `values` joined by `separator`; other elements
// as JSON.
std::string
joined(const nlohmann::json& values, const char* separator)
{
  std::string text;
  if (!values.is_array()) {
    return text;
  }
  for (const auto& value : values) {
    text += (text.empty() ? "" : separator) + output::json_text(value);
  }
  return text;
}

void
print_io(std::ostream& out, const char* title, const nlohmann::json& ios)
{
  out << "\n" << title << ":\n";
  if (!ios.is_array() || ios.empty()) {
    out << "  (none)\n";
    return;
  }
  output::Table table{ { "  NAME", "TYPE", "DEFAULT", "OPTIONAL", "HELP" },
                       {} };
  for (const auto& io : ios) {
    auto type = text_field(io, "type", "-");
    if (const auto values = joined(field(io, "enum_values"), "|");
        !values.empty()) {
      type += " (" + values + ")";
    }
    const auto& default_value = field(io, "default_value");
    table.rows.push_back(
      { "  " + text_field(io, "name", "-"),
        type,
        default_value.is_null() ? "-" : output::json_text(default_value),
        output::flag_field(io, "optional") ? "yes" : "no",
        text_field(io, "help") });
  }
  output::print_table(out, table, false);
}

std::string
resources_text(const nlohmann::json& r)
{
  std::string resources;
  const auto add = [&](const std::string& part) {
    resources += (resources.empty() ? "" : ", ") + part;
  };
  if (const auto cpu = output::number_field(r, "cpu")) {
    add(fmt::format("cpu {:g}", *cpu));
  }
  if (const auto memory = output::integer_field(r, "memory_bytes")) {
    add("memory " + format_bytes(*memory));
  }
  if (const auto time = output::integer_field(r, "time_seconds")) {
    add(fmt::format("time {}s", *time));
  }
  if (const auto gpu = output::integer_field(r, "gpu")) {
    add(fmt::format("gpu {}", *gpu));
  }
  return resources;
}

} // namespace

std::string
format_bytes(std::int64_t bytes)
{
  static constexpr const char* k_units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:g} {}", value, k_units[unit]);
}

void
print_action(std::ostream& out, const nlohmann::json& d)
{
  const auto directory = text_field(d, "directory");
  output::print_fields(
    out,
    { { "id", text_field(d, "id", "-") },
      { "version", text_field(d, "version", "-") },
      { "name", text_field(d, "human_name", "-") },
      { "kind", text_field(d, "kind", "-") },
      { "type", text_field(d, "type", "-") },
      { "state", text_field(d, "build_state", "-") },
      { "description", or_dash(text_field(d, "description")) },
      { "categories", or_dash(joined(field(d, "categories"), ", ")) },
      { "resources", or_dash(resources_text(field(d, "resources"))) },
      { "repository",
        text_field(d, "repository", "-") +
          (output::flag_field(d, "gone_from_head") ? " (gone from head)"
                                                   : "") },
      { "commit", text_field(d, "commit", "-") },
      { "directory", directory.empty() ? "." : directory },
      { "tree", text_field(d, "tree_id", "-") } });
  if (const auto error = text_field(d, "build_error"); !error.empty()) {
    out << "build error: " << error << "\n";
  }
  const auto& warnings = field(d, "build_warnings");
  for (std::size_t i = 0; warnings.is_array() && i < warnings.size(); ++i) {
    out << "build warning: " << output::json_text(warnings[i]) << "\n";
  }
  if (const auto& lock = field(d, "lock"); lock.is_object()) {
    out << "\nryax_lock.json:\n" << output::dump(lock, 2) << "\n";
  }
  print_io(out, "inputs", field(d, "inputs"));
  if (output::flag_field(d, "dynamic_outputs")) {
    out << "\noutputs: dynamic (declared by each workflow)\n";
  } else {
    print_io(out, "outputs", field(d, "outputs"));
  }
}

} // namespace ryax::cli
