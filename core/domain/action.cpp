#include "core/domain/action.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

namespace ryax::domain {

namespace {

template<typename Enum, std::size_t N>
std::optional<Enum>
parse_enum(std::string_view text, const Enum (&values)[N])
{
  for (const auto value : values) {
    if (to_string(value) == text) {
      return value;
    }
  }
  return std::nullopt;
}

bool
is_ascii_alpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
is_ascii_digit(char c)
{
  return c >= '0' && c <= '9';
}

// A non-negative decimal number ("12", "1.5", ".5"); nullopt otherwise.
std::optional<double>
parse_unsigned_decimal(std::string_view text)
{
  if (text.empty() || text.front() == '-' || text.front() == '+') {
    return std::nullopt;
  }
  const bool only_number_chars =
    std::all_of(text.begin(), text.end(), [](char c) {
      return is_ascii_digit(c) || c == '.';
    });
  if (!only_number_chars) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] =
    std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// `value * factor` as an integer, rounded up, or nullopt when it overflows.
std::optional<std::int64_t>
scale(double value, double factor)
{
  const double result = std::ceil(value * factor);
  if (!std::isfinite(result) ||
      result >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(result);
}

// A number with an optional one-character unit from `units` (factors in
// `factors`), as an integer count of the base unit.
std::optional<std::int64_t>
parse_with_unit(std::string_view text,
                std::string_view units,
                std::span<const double> factors)
{
  double factor = 1;
  if (!text.empty()) {
    const auto unit = units.find(text.back());
    if (unit != std::string_view::npos) {
      factor = factors[unit];
      text.remove_suffix(1);
    }
  }
  const auto number = parse_unsigned_decimal(text);
  if (!number) {
    return std::nullopt;
  }
  return scale(*number, factor);
}

std::uint32_t
read_be(std::string_view bytes, std::size_t offset, std::size_t size)
{
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < size; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

// Walk the JPEG segments to the first start-of-frame, which holds the size.
void
read_jpeg_size(std::string_view bytes, ImageInfo& info)
{
  std::size_t pos = 2;
  while (pos + 4 <= bytes.size()) {
    if (static_cast<unsigned char>(bytes[pos]) != 0xFF) {
      return;
    }
    const auto marker = static_cast<unsigned char>(bytes[pos + 1]);
    if (marker == 0xFF) { // fill byte
      ++pos;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2; // standalone markers have no length
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) { // end of image, start of scan
      return;
    }
    const auto length = read_be(bytes, pos + 2, 2);
    const bool is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
                        marker != 0xC8 && marker != 0xCC;
    if (is_sof) {
      if (pos + 9 > bytes.size()) {
        return;
      }
      info.height = static_cast<int>(read_be(bytes, pos + 5, 2));
      info.width = static_cast<int>(read_be(bytes, pos + 7, 2));
      return;
    }
    pos += 2 + length;
  }
}

} // namespace

std::string_view
to_string(ActionKind kind)
{
  switch (kind) {
    case ActionKind::processor:
      return "Processor";
    case ActionKind::source:
      return "Source";
    case ActionKind::publisher:
      return "Publisher";
  }
  return "unknown";
}

std::string_view
to_string(ActionType type)
{
  switch (type) {
    case ActionType::python3:
      return "python3";
    case ActionType::python3_cuda:
      return "python3-cuda";
    case ActionType::nodejs:
      return "nodejs";
    case ActionType::csharp_dotnet6:
      return "csharp-dotnet6";
    case ActionType::internal:
      return "internal";
  }
  return "unknown";
}

std::string_view
to_string(IoType type)
{
  switch (type) {
    case IoType::string:
      return "string";
    case IoType::longstring:
      return "longstring";
    case IoType::password:
      return "password";
    case IoType::integer:
      return "integer";
    case IoType::float_:
      return "float";
    case IoType::boolean:
      return "boolean";
    case IoType::enum_:
      return "enum";
    case IoType::file:
      return "file";
    case IoType::directory:
      return "directory";
    case IoType::bytes:
      return "bytes";
    case IoType::table:
      return "table";
  }
  return "unknown";
}

std::optional<ActionKind>
parse_action_kind(std::string_view text)
{
  return parse_enum(text, k_all_action_kinds);
}

std::optional<ActionType>
parse_action_type(std::string_view text)
{
  return parse_enum(text, k_all_action_types);
}

std::optional<IoType>
parse_io_type(std::string_view text)
{
  return parse_enum(text, k_all_io_types);
}

std::optional<std::string_view>
required_code_file(ActionKind kind, ActionType type)
{
  switch (type) {
    case ActionType::python3:
    case ActionType::python3_cuda:
      return kind == ActionKind::source ? "ryax_run.py" : "ryax_handler.py";
    case ActionType::nodejs:
      return "ryax_handler.js";
    case ActionType::csharp_dotnet6:
    case ActionType::internal:
      return std::nullopt;
  }
  return std::nullopt;
}

bool
is_valid_action_id(std::string_view id)
{
  return id.size() >= 3 && id.size() <= 24 &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-';
         });
}

bool
is_valid_io_name(std::string_view name)
{
  if (name.empty() || name.size() > 64 || is_ascii_digit(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_';
  });
}

Result<std::int64_t>
parse_memory(std::string_view text)
{
  static constexpr double k_factors[] = {
    1024.0, 1024.0 * 1024, 1024.0 * 1024 * 1024, 1024.0 * 1024 * 1024 * 1024
  };
  const auto bytes = parse_with_unit(text, "KMGT", k_factors);
  if (!bytes) {
    return fail(ErrorCode::invalid_argument,
                "invalid memory \"" + std::string(text) +
                  "\": expected a number of bytes or a number with unit K, "
                  "M, G or T (base 1024), e.g. \"4G\"");
  }
  return *bytes;
}

Result<std::int64_t>
parse_duration_seconds(std::string_view text)
{
  static constexpr double k_factors[] = { 1, 60, 3600, 86400 };
  const auto seconds = parse_with_unit(text, "smhd", k_factors);
  if (!seconds) {
    return fail(ErrorCode::invalid_argument,
                "invalid duration \"" + std::string(text) +
                  "\": expected a number of seconds or a number with unit "
                  "s, m, h or d, e.g. \"30m\"");
  }
  return *seconds;
}

std::optional<ImageInfo>
sniff_image(std::string_view bytes)
{
  static constexpr std::string_view k_png_magic = "\x89PNG\r\n\x1a\n";
  static constexpr std::string_view k_jpeg_magic = "\xFF\xD8\xFF";
  ImageInfo info;
  if (bytes.starts_with(k_png_magic)) {
    info.format = ImageInfo::Format::png;
    // The IHDR chunk comes first: length(4) "IHDR"(4) width(4) height(4).
    if (bytes.size() >= 24 && bytes.substr(12, 4) == "IHDR") {
      info.width = static_cast<int>(read_be(bytes, 16, 4));
      info.height = static_cast<int>(read_be(bytes, 20, 4));
    }
    return info;
  }
  if (bytes.starts_with(k_jpeg_magic)) {
    info.format = ImageInfo::Format::jpeg;
    read_jpeg_size(bytes, info);
    return info;
  }
  return std::nullopt;
}

std::size_t
edit_distance(std::string_view a, std::string_view b)
{
  // Optimal string alignment: insertions, deletions, substitutions and
  // transpositions of two neighbours ("reop" -> "repo") each cost 1.
  std::vector<std::vector<std::size_t>> d(a.size() + 1,
                                          std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({ d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost });
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string_view>
closest_match(std::string_view word,
              std::span<const std::string_view> candidates)
{
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (const auto candidate : candidates) {
    const auto distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (!best && word.size() >= 3) {
    // An abbreviation ("int" for "integer") is a near miss too.
    for (const auto candidate : candidates) {
      if (candidate.starts_with(word)) {
        return candidate;
      }
    }
  }
  return best;
}

std::string
format_diagnostic(const Diagnostic& diagnostic)
{
  std::string text = diagnostic.file;
  if (diagnostic.line > 0) {
    text += ':' + std::to_string(diagnostic.line);
    if (diagnostic.column > 0) {
      text += ':' + std::to_string(diagnostic.column);
    }
  }
  text += ": ";
  if (!diagnostic.field.empty()) {
    text += diagnostic.field + ": ";
  }
  text += diagnostic.message;
  return text;
}

} // namespace ryax::domain
