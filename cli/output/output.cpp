#include "cli/output/output.hpp"

#include "cli/output/json_fields.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iostream>

namespace ryax::cli::output {

namespace {

void
emit_yaml(YAML::Emitter& out, const nlohmann::json& value)
{
  switch (value.type()) {
  case nlohmann::json::value_t::object:
    out << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      emit_yaml(out, item);
    }
    out << YAML::EndMap;
    break;
  case nlohmann::json::value_t::array:
    out << YAML::BeginSeq;
    for (const auto& item : value) {
      emit_yaml(out, item);
    }
    out << YAML::EndSeq;
    break;
  case nlohmann::json::value_t::string:
    // Double-quoted: exact for every string, newlines and ": " included.
    out << YAML::DoubleQuoted << value.get_ref<const std::string&>();
    break;
  case nlohmann::json::value_t::boolean:
    out << (value.get<bool>() ? "true" : "false");
    break;
  case nlohmann::json::value_t::null:
    out << YAML::Null;
    break;
  default: // numbers
    out << value.dump();
    break;
  }
}

} // namespace

std::string
to_yaml(const nlohmann::json& doc)
{
  YAML::Emitter out;
  emit_yaml(out, doc);
  return std::string(out.c_str()) + "\n";
}

void
print_table(std::ostream& out, const Table& table, bool color)
{
  std::vector<std::size_t> widths(table.headers.size(), 0);
  for (std::size_t i = 0; i < table.headers.size(); ++i) {
    widths[i] = table.headers[i].size();
  }
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  const auto print_row = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - row[i].size() + 2, ' ');
      }
    }
    if (header && color) {
      out << "\033[1m" << line << "\033[0m\n";
    } else {
      out << line << "\n";
    }
  };
  print_row(table.headers, true);
  for (const auto& row : table.rows) {
    print_row(row, false);
  }
}

void
print_fields(std::ostream& out,
             const std::vector<std::pair<std::string, std::string>>& fields)
{
  std::size_t width = 0;
  for (const auto& field : fields) {
    width = std::max(width, field.first.size());
  }
  for (const auto& [key, value] : fields) {
    out << key << ":" << std::string(width - key.size() + 1, ' ') << value
        << "\n";
  }
}

void
emit(const Context& ctx, const nlohmann::json& doc,
     const std::function<void(std::ostream&)>& as_table)
{
  switch (ctx.format()) {
  case OutputFormat::json:
    std::cout << dump(doc, 2) << "\n";
    break;
  case OutputFormat::yaml:
    std::cout << to_yaml(doc);
    break;
  case OutputFormat::table:
    as_table(std::cout);
    break;
  }
  std::cout.flush();
}

} // namespace ryax::cli::output
