#include "core/infrastructure/wrapper/line_assembler.hpp"

namespace ryax::infra::wrapper {

namespace {

std::string
strip_cr(std::string line)
{
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

} // namespace

std::vector<std::string>
LineAssembler::feed(std::string_view bytes)
{
  std::vector<std::string> lines;
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const auto take = newline == std::string_view::npos ? bytes.size() : newline;
    m_partial.append(bytes.substr(0, take));
    while (m_partial.size() > k_max_line_bytes) {
      lines.push_back(m_partial.substr(0, k_max_line_bytes));
      m_partial.erase(0, k_max_line_bytes);
    }
    if (newline == std::string_view::npos) {
      break;
    }
    lines.push_back(strip_cr(std::move(m_partial)));
    m_partial.clear();
    bytes.remove_prefix(take + 1);
  }
  return lines;
}

std::optional<std::string>
LineAssembler::flush()
{
  if (m_partial.empty()) {
    return std::nullopt;
  }
  auto rest = strip_cr(std::move(m_partial));
  m_partial.clear();
  return rest;
}

std::string
mask_secrets(std::string line, const std::vector<std::string>& secrets)
{
  for (const auto& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    std::size_t pos = 0;
    while ((pos = line.find(secret, pos)) != std::string::npos) {
      line.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return line;
}

} // namespace ryax::infra::wrapper
