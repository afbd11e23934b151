#include "core/infrastructure/config/yaml_config_support.hpp"

#include "core/domain/suggest.hpp"
#include "core/domain/workflow.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

namespace ryax::infra::config::detail {

std::string
where(const std::string& file, const YAML::Node& node)
{
  const auto mark = node.Mark();
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

std::string
where_of(const std::string& at, const YAML::Node& node)
{
  auto file = at;
  for (int i = 0; i < 2; ++i) {
    if (const auto colon = file.rfind(':'); colon != std::string::npos) {
      file.resize(colon);
    }
  }
  return where(file, node);
}

std::unexpected<Error>
invalid(const std::string& place,
        std::string_view path,
        std::string_view message)
{
  return fail(ErrorCode::invalid_argument,
              fmt::format("{}: {}: {}", place, path, message));
}

std::string
shown(const YAML::Node& node)
{
  if (node.IsScalar()) {
    return fmt::format("\"{}\"", node.Scalar());
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (node.IsMap()) {
    return "a mapping";
  }
  return "nothing";
}

std::string
unknown_key(const std::string& key, std::span<const std::string_view> known)
{
  if (auto hint = domain::did_you_mean(key, known); !hint.empty()) {
    return fmt::format("unknown key \"{}\"{}", key, hint);
  }
  return fmt::format(
    "unknown key \"{}\" (known keys: {})", key, fmt::join(known, ", "));
}

Result<std::int64_t>
read_integer(const YAML::Node& node,
             const std::string& at,
             const std::string& path,
             std::int64_t low,
             std::int64_t high,
             std::string_view what)
{
  long long value = 0;
  if (!node.IsScalar() || !YAML::convert<long long>::decode(node, value) ||
      value < low || value > high) {
    return invalid(where_of(at, node),
                   path,
                   fmt::format("expected {}, got {}", what, shown(node)));
  }
  return value;
}

// Call `read` for each entry of the mapping `node` at `path`, refusing a key
// not in `known` or given twice.
Result<void>
for_each_key(const YAML::Node& node,
             const std::string& at,
             const std::string& path,
             std::span<const std::string_view> known,
             const ReadEntry& read)
{
  std::vector<std::string> seen;
  for (const auto& entry : node) {
    const auto here = where_of(at, entry.first);
    if (!entry.first.IsScalar()) {
      return invalid(here, path, "keys must be strings");
    }
    const auto key = entry.first.Scalar();
    const auto key_path = path + "." + key;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return invalid(here, key_path, unknown_key(key, known));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return invalid(here, key_path, "duplicate key");
    }
    seen.push_back(key);
    RYAX_TRY(read(key, entry.second, key_path));
  }
  return {};
}

// The scalar text of `node`, or invalid_argument expecting `what`.
Result<std::string>
scalar(const YAML::Node& node,
       const std::string& at,
       const std::string& path,
       std::string_view what)
{
  if (!node.IsScalar() || node.Scalar().empty()) {
    return invalid(where_of(at, node),
                   path,
                   fmt::format("expected {}, got {}", what, shown(node)));
  }
  return node.Scalar();
}

// A name of a site or pool, as a step's constraints may give it.
Result<std::string>
read_name(const YAML::Node& node,
          const std::string& at,
          const std::string& path)
{
  constexpr std::string_view k_what =
    "a name of 1 to 64 letters, digits, '_' or '-', starting with a letter "
    "or '_'";
  RYAX_TRY_ASSIGN(auto name, scalar(node, at, path, k_what));
  if (!domain::is_valid_step_id(name)) {
    return invalid(where_of(at, node),
                   path,
                   fmt::format("expected {}, got {}", k_what, shown(node)));
  }
  return name;
}

} // namespace ryax::infra::config::detail
