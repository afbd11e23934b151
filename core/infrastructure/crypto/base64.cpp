#include "core/infrastructure/crypto/base64.hpp"

#include <array>
#include <cstdint>

namespace ryax::infra::crypto {

namespace {

constexpr std::string_view k_alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of each character, -1 outside the alphabet.
constexpr std::array<std::int8_t, 256>
make_values()
{
  std::array<std::int8_t, 256> values{};
  values.fill(-1);
  for (std::size_t i = 0; i < k_alphabet.size(); ++i) {
    values[static_cast<unsigned char>(k_alphabet[i])] =
      static_cast<std::int8_t>(i);
  }
  return values;
}

constexpr auto k_values = make_values();

} // namespace

std::string
base64_encode(std::string_view bytes)
{
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += k_alphabet[n >> 18 & 63];
    out += k_alphabet[n >> 12 & 63];
    out += k_alphabet[n >> 6 & 63];
    out += k_alphabet[n & 63];
  }
  const auto rest = bytes.size() - i;
  if (rest == 1) {
    const auto n = byte(i) << 16;
    out += k_alphabet[n >> 18 & 63];
    out += k_alphabet[n >> 12 & 63];
    out += "==";
  } else if (rest == 2) {
    const auto n = byte(i) << 16 | byte(i + 1) << 8;
    out += k_alphabet[n >> 18 & 63];
    out += k_alphabet[n >> 12 & 63];
    out += k_alphabet[n >> 6 & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string>
base64_decode(std::string_view text)
{
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  }
  const auto data = text.substr(0, text.size() - padding);
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : data) {
    const auto value = k_values[static_cast<unsigned char>(c)];
    if (value < 0) {
      return std::nullopt; // also '=' before the end
    }
    bits = bits << 6 | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>(bits >> count & 0xff);
    }
  }
  // What is left must be the zero bits that complete the last byte.
  if ((bits & ((1u << count) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

} // namespace ryax::infra::crypto
