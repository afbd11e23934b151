#include "cli/output/output.hpp"

#include "cli/exit_code.hpp"
#include "cli/output/jq_filter.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/printable.hpp"

#include <yaml-cpp/yaml.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

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

namespace {

TableStyle g_style;

// Characters shown (UTF-8 continuation bytes are not).
std::size_t
display_width(std::string_view text)
{
  return static_cast<std::size_t>(std::count_if(
    text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// `text` cut to `width` characters, the last one "…".
std::string
shorten(const std::string& text, std::size_t width)
{
  if (display_width(text) <= width) {
    return text;
  }
  std::string cut;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] & 0xC0) != 0x80 && ++shown == width) {
      break;
    }
    cut += text[i];
  }
  return cut + "\u2026";
}

} // namespace

void
set_table_style(TableStyle style)
{
  g_style = style;
}

TableStyle
table_style_of(const Context& ctx)
{
  TableStyle style;
  style.headers = !ctx.no_headers;
  if (ctx.format() != OutputFormat::table || ::isatty(STDOUT_FILENO) == 0) {
    return style;
  }
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    style.width = static_cast<std::size_t>(std::max(0L, std::strtol(columns, nullptr, 10)));
  }
  winsize size{};
  if (style.width == 0 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0) {
    style.width = size.ws_col;
  }
  return style;
}

namespace {

std::vector<std::string>
shown_lines(const Table& table, bool color)
{
  constexpr std::size_t k_narrowest = 8;
  const auto columns = table.headers.size();
  std::vector<std::size_t> widths(columns, 0);
  for (std::size_t i = 0; i < columns; ++i) {
    widths[i] = g_style.headers ? display_width(table.headers[i]) : 0;
  }
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size() && i < columns; ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  // Narrow the widest column (never the first, an id) until the line fits.
  auto total = [&] {
    std::size_t sum = columns > 0 ? 2 * (columns - 1) : 0;
    for (const auto w : widths) {
      sum += w;
    }
    return sum;
  };
  while (g_style.width > 0 && total() > g_style.width) {
    auto widest = std::max_element(widths.begin() + (columns > 1 ? 1 : 0), widths.end());
    if (widest == widths.end() || *widest <= k_narrowest) {
      break;
    }
    --*widest;
  }
  std::vector<std::string> lines;
  const auto add = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < columns; ++i) {
      const auto cell = shorten(row[i], widths[i]);
      line += cell;
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - display_width(cell) + 2, ' ');
      }
    }
    lines.push_back(header && color ? "\033[1m" + line + "\033[0m" : line);
  };
  if (g_style.headers) {
    add(table.headers, true);
  }
  for (const auto& row : table.rows) {
    add(row, false);
  }
  return lines;
}

} // namespace

std::vector<std::string>
table_lines(const Table& table, bool color)
{
  // Cells as they show: one line each, no control characters.
  Table shown{ {}, {} };
  for (const auto& header : table.headers) {
    shown.headers.push_back(printable(header));
  }
  for (const auto& row : table.rows) {
    auto& cells = shown.rows.emplace_back();
    for (const auto& cell : row) {
      cells.push_back(printable(cell));
    }
  }
  return shown_lines(shown, color);
}

void
print_table(std::ostream& out, const Table& table, bool color)
{
  for (const auto& line : table_lines(table, color)) {
    out << line << "\n";
  }
}

namespace {

// The bold header's escapes, the only ones a table writes itself.
constexpr std::string_view k_bold = "\033[1m";
constexpr std::string_view k_plain = "\033[0m";

} // namespace

std::string
terminal_safe(std::string_view text)
{
  std::string out;
  while (!text.empty()) {
    const auto bold = text.find(k_bold);
    const auto plain = text.find(k_plain);
    const auto at = std::min(bold, plain);
    out += printable_text(text.substr(0, at));
    if (at == std::string_view::npos) {
      break;
    }
    out += at == bold ? k_bold : k_plain;
    text.remove_prefix(at + (at == bold ? k_bold : k_plain).size());
  }
  return out;
}

void
print_safely(std::ostream& out, const std::function<void(std::ostream&)>& print)
{
  std::ostringstream text;
  print(text);
  out << terminal_safe(text.str());
}

namespace {
int g_failure = 0;
} // namespace

int
output_failure()
{
  return g_failure;
}

void
print_document(const Context& ctx, const nlohmann::json& doc)
{
  switch (ctx.format()) {
  case OutputFormat::yaml:
    std::cout << "---\n" << to_yaml(doc);
    break;
  case OutputFormat::name:
    std::cout << name_of(doc) << "\n";
    break;
  case OutputFormat::jq: {
    const auto lines = run_jq(ctx.jq_expression(), doc);
    if (!lines) {
      std::cout.flush();
      std::cerr << "ryax: error: -o jq=" << printable(ctx.jq_expression())
                << ": " << printable_text(lines.error().message) << std::endl;
      g_failure = k_exit_invalid;
      break;
    }
    for (const auto& line : *lines) {
      std::cout << line << "\n";
    }
    break;
  }
  default:
    std::cout << dump(doc) << "\n";
    break;
  }
  std::cout.flush();
}

std::string
name_of(const nlohmann::json& doc)
{
  if (!doc.is_object()) {
    return {};
  }
  for (const char* key : { "id", "name", "run_id", "key" }) {
    if (const auto found = doc.find(key); found != doc.end() && found->is_string()) {
      return found->get<std::string>();
    }
  }
  return {};
}

void
print_fields(std::ostream& out,
             const std::vector<std::pair<std::string, std::string>>& fields)
{
  std::size_t width = 0;
  for (const auto& field : fields) {
    width = std::max(width, display_width(printable(field.first)));
  }
  for (const auto& [key, value] : fields) {
    const auto shown = printable(key);
    out << shown << ":" << std::string(width - display_width(shown) + 1, ' ')
        << printable(value) << "\n";
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
  case OutputFormat::name:
    for (const auto& item : doc.is_array() ? doc : nlohmann::json::array({ doc })) {
      if (const auto name = name_of(item); !name.empty()) {
        std::cout << name << "\n";
      }
    }
    break;
  case OutputFormat::jq:
    print_document(ctx, doc);
    break;
  case OutputFormat::table:
  case OutputFormat::wide:
    print_safely(std::cout, as_table);
    break;
  }
  std::cout.flush();
}

} // namespace ryax::cli::output
