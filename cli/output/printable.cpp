#include "cli/output/printable.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace ryax::cli::output {

namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD"; // U+FFFD

bool
continuation(unsigned char c)
{
  return (c & 0xC0) == 0x80;
}

// The length of the valid UTF-8 sequence at text[i], or 0 when it is not one;
// `bad` is then how many bytes make its maximal invalid subpart (at least 1).
std::size_t
sequence_at(std::string_view text, std::size_t i, std::size_t& bad)
{
  const auto lead = static_cast<unsigned char>(text[i]);
  bad = 1;
  if (lead < 0x80) {
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    high = lead == 0xED ? 0x9F : 0xBF; // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
  } else {
    return 0; // a continuation byte, C0, C1 or F5..FF
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) {
      return 0;
    }
    const auto c = static_cast<unsigned char>(text[i + k]);
    if (k == 1 ? (c < low || c > high) : !continuation(c)) {
      return 0;
    }
    bad = k + 1;
  }
  return length;
}

std::string
escape(std::string_view text, bool keep_lines)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t bad = 1;
    const auto length = sequence_at(text, i, bad);
    if (length == 0) {
      out += k_replacement;
      i += bad;
      continue;
    }
    if (c == '\n' || c == '\t') {
      out += keep_lines ? std::string(1, static_cast<char>(c))
                        : (c == '\n' ? "\\n" : "\\t");
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

} // namespace

std::string
printable(std::string_view text)
{
  return escape(text, false);
}

std::string
printable_text(std::string_view text)
{
  return escape(text, true);
}

} // namespace ryax::cli::output
