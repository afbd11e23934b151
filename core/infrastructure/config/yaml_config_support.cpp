#include "core/infrastructure/config/yaml_config_support.hpp"

#include "core/domain/suggest.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

} // namespace ryax::infra::config::detail
