#include "core/infrastructure/yaml/yaml_support.hpp"

#include "core/domain/suggest.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ryax::infra::yaml {

namespace {

constexpr std::int64_t k_min_memory_number = 1'000'000;
constexpr std::int64_t k_min_memory_exclusive = 32LL * 1024 * 1024;
// Numbers above this are clamped before converting to 64-bit integers.
constexpr double k_max_number = 1e18;
constexpr std::string_view k_resource_keys[] = { "cpu",
                                                 "memory",
                                                 "time",
                                                 "gpu" };

bool
is_quoted_or_str(const YAML::Node& node)
{
  return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

} // namespace

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

std::string
describe(const YAML::Node& node)
{
  if (node.IsMap()) {
    return "a mapping";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (!node.IsDefined() || node.IsNull()) {
    return "nothing";
  }
  return quote(node.Scalar());
}

std::optional<domain::Scalar>
resolve_scalar(const YAML::Node& node)
{
  if (!node.IsScalar()) {
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (is_quoted_or_str(node)) {
    return text;
  }
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  std::string_view digits = text;
  if (digits.starts_with('+')) {
    digits.remove_prefix(1);
  }
  const auto* const end = digits.data() + digits.size();
  std::int64_t integer = 0;
  if (auto [ptr, ec] = std::from_chars(digits.data(), end, integer);
      !digits.empty() && ec == std::errc() && ptr == end) {
    return integer;
  }
  const bool numeric_chars =
    std::all_of(digits.begin(),
                digits.end(),
                [](char c) {
                  return (c >= '0' && c <= '9') || c == '.' || c == 'e' ||
                         c == 'E' || c == '-' || c == '+';
                }) &&
    std::any_of(digits.begin(), digits.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
  double floating = 0;
  if (auto [ptr, ec] = std::from_chars(digits.data(), end, floating);
      numeric_chars && ec == std::errc() && ptr == end) {
    return floating;
  }
  return text;
}

std::optional<double>
as_number(const domain::Scalar& value)
{
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    return static_cast<double>(*integer);
  }
  if (const auto* floating = std::get_if<double>(&value)) {
    return *floating;
  }
  return std::nullopt;
}

YAML::Mark
where(const Entry& entry)
{
  return entry.value.IsNull() ? entry.key.Mark() : entry.value.Mark();
}

DiagnosticCollector::DiagnosticCollector(std::string file)
  : m_file(std::move(file))
{
}

void
DiagnosticCollector::report(const YAML::Mark& mark,
                            std::string field,
                            std::string message)
{
  domain::Diagnostic diagnostic;
  diagnostic.file = m_file;
  if (mark.line >= 0) {
    diagnostic.line = mark.line + 1;
    diagnostic.column = mark.column + 1;
  }
  diagnostic.field = std::move(field);
  diagnostic.message = std::move(message);
  m_diagnostics.push_back(std::move(diagnostic));
}

std::map<std::string, Entry>
DiagnosticCollector::entries(const YAML::Node& map,
                             const std::string& path,
                             std::span<const std::string_view> known,
                             const SpecialKey& special)
{
  std::map<std::string, Entry> result;
  const std::string prefix = path.empty() ? "" : path + ".";
  for (const auto& pair : map) {
    const Entry entry{ pair.first, pair.second };
    if (!entry.key.IsScalar()) {
      report(entry.key.Mark(),
             path,
             "keys must be strings, got " + describe(entry.key));
      continue;
    }
    const std::string name = entry.key.Scalar();
    if (const auto message = special ? special(name) : std::nullopt) {
      report(entry.key.Mark(), prefix + name, *message);
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      report(entry.key.Mark(),
             prefix + name,
             "unknown key " + quote(name) + domain::did_you_mean(name, known));
      continue;
    }
    if (const auto previous = result.find(name); previous != result.end()) {
      report(entry.key.Mark(),
             prefix + name,
             "duplicate key " + quote(name) + " (first at line " +
               std::to_string(previous->second.key.Mark().line + 1) + ")");
      continue;
    }
    result.emplace(name, entry);
  }
  return result;
}

std::optional<std::string>
DiagnosticCollector::read_string(const Entry& entry,
                                 const std::string& field,
                                 bool null_is_empty)
{
  if (entry.value.IsNull() && null_is_empty) {
    return std::string();
  }
  if (!entry.value.IsScalar()) {
    report(
      where(entry), field, "expected a string, got " + describe(entry.value));
    return std::nullopt;
  }
  return entry.value.Scalar();
}

std::optional<std::string>
DiagnosticCollector::read_text(const Entry& entry,
                               const std::string& field,
                               TextKind kind)
{
  auto text = read_string(entry, field, true);
  if (!text) {
    return text;
  }
  std::size_t shown = 0; // characters before the one at i
  for (std::size_t i = 0; i < text->size(); ++i) {
    const auto c = static_cast<unsigned char>((*text)[i]);
    const auto next =
      i + 1 < text->size() ? static_cast<unsigned char>((*text)[i + 1]) : 0;
    unsigned code = 0x100; // none
    if (c < 0x20 || c == 0x7F) {
      code = c;
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      code = next;
    }
    const bool allowed =
      kind == TextKind::free_text && (code == '\n' || code == '\t');
    if (code != 0x100 && !allowed) {
      constexpr const char* k_hex = "0123456789ABCDEF";
      const std::string name = code == 0 ? "a NUL byte (U+0000)"
                                         : std::string("control character U+00") +
                                             k_hex[code >> 4] + k_hex[code & 0xF];
      report(where(entry),
             field,
             name + " at character " + std::to_string(shown + 1) +
               (kind == TextKind::name
                  ? ": a name is one line of printable text"
                  : ": only newlines and tabs are allowed in this text"));
      return std::nullopt;
    }
    if ((c & 0xC0) != 0x80) {
      ++shown;
    }
  }
  return text;
}

bool
DiagnosticCollector::expect_mapping(const Entry& entry, const std::string& field)
{
  if (entry.value.IsNull()) {
    return false;
  }
  if (!entry.value.IsMap()) {
    report(
      where(entry), field, "expected a mapping, got " + describe(entry.value));
    return false;
  }
  return true;
}

std::optional<bool>
DiagnosticCollector::read_bool(const Entry& entry, const std::string& field)
{
  const auto value = resolve_scalar(entry.value);
  if (value && std::holds_alternative<bool>(*value)) {
    return std::get<bool>(*value);
  }
  report(where(entry),
         field,
         "expected true or false, got " + describe(entry.value));
  return std::nullopt;
}

domain::Resources
DiagnosticCollector::read_resources(const Entry& entry, const std::string& path)
{
  domain::Resources resources;
  if (!expect_mapping(entry, path)) {
    return resources;
  }
  for (const auto& [name, item] : entries(entry.value, path, k_resource_keys)) {
    const std::string field = path + "." + name;
    const auto mark = where(item);
    const auto value = resolve_scalar(item.value);
    const auto number = value ? as_number(*value) : std::nullopt;
    const auto* text = value ? std::get_if<std::string>(&*value) : nullptr;
    const std::string shown = describe(item.value);
    if (name == "cpu") {
      if (!number) {
        report(
          mark, field, "expected a number of cores (e.g. 0.5), got " + shown);
      } else if (*number < 0.1) {
        report(mark,
               field,
               "cpu " + shown + " is too small: expected at least 0.1 cores");
      } else {
        resources.cpu = *number;
      }
    } else if (name == "gpu") {
      const auto* count = value ? std::get_if<std::int64_t>(&*value) : nullptr;
      if (!count) {
        report(mark, field, "expected an integer number of GPUs, got " + shown);
      } else if (*count < 1) {
        report(
          mark, field, "gpu " + shown + " is too small: expected at least 1");
      } else {
        resources.gpu = *count;
      }
    } else if (name == "memory") {
      std::optional<std::int64_t> bytes;
      if (number && *number < static_cast<double>(k_min_memory_number)) {
        report(mark,
               field,
               "memory " + shown +
                 " is too small: expected at least 1000000 bytes, or a string "
                 "with unit K, M, G or T (e.g. \"4G\")");
      } else if (number) {
        bytes = static_cast<std::int64_t>(std::min(*number, k_max_number));
      } else if (text) {
        const auto parsed = domain::parse_memory(*text);
        if (parsed) {
          bytes = *parsed;
        } else {
          report(mark, field, parsed.error().message);
        }
      } else {
        report(mark,
               field,
               "expected a number of bytes or a string with unit K, M, G or "
               "T (e.g. \"4G\"), got " +
                 shown);
      }
      if (bytes && *bytes <= k_min_memory_exclusive) {
        report(mark,
               field,
               "memory " + shown +
                 " is too small: it must exceed 32 MiB (33554432 bytes)");
      } else if (bytes) {
        resources.memory_bytes = *bytes;
      }
    } else if (name == "time") {
      if (number && *number < 1) {
        report(mark,
               field,
               "time " + shown +
                 " is too small: expected at least 1 second, or a string "
                 "with unit s, m, h or d (e.g. \"30m\")");
      } else if (number) {
        resources.time_seconds =
          static_cast<std::int64_t>(std::ceil(std::min(*number, k_max_number)));
      } else if (text) {
        const auto parsed = domain::parse_duration_seconds(*text);
        if (!parsed) {
          report(mark, field, parsed.error().message);
        } else if (*parsed <= 0) {
          report(mark, field, "time " + shown + " must be greater than 0");
        } else {
          resources.time_seconds = *parsed;
        }
      } else {
        report(mark,
               field,
               "expected a number of seconds or a string with unit s, m, h "
               "or d (e.g. \"30m\"), got " +
                 shown);
      }
    }
  }
  return resources;
}

std::vector<domain::Diagnostic>
DiagnosticCollector::take_sorted()
{
  std::stable_sort(m_diagnostics.begin(),
                   m_diagnostics.end(),
                   [](const auto& a, const auto& b) {
                     return std::pair(a.line, a.column) <
                            std::pair(b.line, b.column);
                   });
  auto diagnostics = std::move(m_diagnostics);
  m_diagnostics.clear();
  return diagnostics;
}

} // namespace ryax::infra::yaml
