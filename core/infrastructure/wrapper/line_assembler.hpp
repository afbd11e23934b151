#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::wrapper {

// Longest log line kept in one piece, in bytes; longer lines are split.
inline constexpr std::size_t k_max_line_bytes = 64u * 1024u;

// Cuts a byte stream (a child's stdout or stderr) into lines.
class LineAssembler
{
public:
  // Append `bytes`; the lines completed by them, without their "\n" (and
  // without a "\r" before it). A line longer than k_max_line_bytes comes out
  // in pieces of that size.
  std::vector<std::string> feed(std::string_view bytes);

  // The unterminated rest, if any, and forget it.
  std::optional<std::string> flush();

private:
  std::string m_partial;
};

// `line` with every occurrence of each non-empty string of `secrets`
// replaced by "***".
std::string mask_secrets(std::string line,
                         const std::vector<std::string>& secrets);

} // namespace ryax::infra::wrapper
