#include "core/domain/build.hpp"

namespace ryax::domain {

std::string_view
to_string(BuildJobState state)
{
  switch (state) {
  case BuildJobState::pending:
    return "pending";
  case BuildJobState::building:
    return "building";
  case BuildJobState::built:
    return "built";
  case BuildJobState::error:
    return "error";
  case BuildJobState::cancelled:
    return "cancelled";
  }
  return "pending";
}

std::optional<BuildJobState>
parse_build_job_state(std::string_view text)
{
  for (const auto state :
       {BuildJobState::pending, BuildJobState::building, BuildJobState::built,
        BuildJobState::error, BuildJobState::cancelled}) {
    if (to_string(state) == text) {
      return state;
    }
  }
  return std::nullopt;
}

bool
is_final(BuildJobState state)
{
  return state == BuildJobState::built || state == BuildJobState::error
         || state == BuildJobState::cancelled;
}

namespace {

// FNV-1a, 64 bits: stable across builds and platforms (std::hash is not).
std::uint64_t
fnv1a(std::string_view text, std::uint64_t hash = 14695981039346656037ULL)
{
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

} // namespace

std::string
build_content_key(const std::string& tree_id, ActionType type,
                  const std::string& toolchain_fingerprint)
{
  const std::string material = tree_id + "\n" + std::string(to_string(type))
                               + "\n" + toolchain_fingerprint;
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string key = tree_id.substr(0, 16) + "-";
  for (const auto seed : {14695981039346656037ULL, 1099511628211ULL}) {
    auto hash = fnv1a(material, seed);
    for (int i = 0; i < 16; ++i) {
      key += k_hex[(hash >> (60 - 4 * i)) & 0xf];
    }
  }
  return key;
}

} // namespace ryax::domain
