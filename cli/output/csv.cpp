#include "cli/output/csv.hpp"

#include <ostream>

namespace ryax::cli::output {

namespace {

void
print_record(std::ostream& out, const std::vector<std::string>& fields)
{
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out << (i == 0 ? "" : ",") << csv_field(fields[i]);
  }
  out << "\r\n";
}

} // namespace

std::string
csv_field(std::string_view field)
{
  const bool quoted =
    field.find_first_of(",\"\r\n") != std::string_view::npos
    || (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quoted) {
    return std::string(field);
  }
  std::string text = "\"";
  for (const char c : field) {
    text += c;
    if (c == '"') {
      text += '"';
    }
  }
  text += '"';
  return text;
}

void
print_csv(std::ostream& out, const Table& table, bool headers)
{
  if (headers) {
    print_record(out, table.headers);
  }
  for (const auto& row : table.rows) {
    print_record(out, row);
  }
}

} // namespace ryax::cli::output
