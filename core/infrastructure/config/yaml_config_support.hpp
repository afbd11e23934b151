#pragma once

// Private to core/infrastructure/config/: positions and messages shared by
// the readers of ryaxd.yaml (daemon_config.cpp, site_config.cpp).

#include "core/domain/error.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ryax::infra::config::detail {

// "file:line:column" of `node` in `file`.
std::string where(const std::string& file, const YAML::Node& node);

// "file:line:column" of `node`, given `at`: the "file:line:column" of a
// node of the same file.
std::string where_of(const std::string& at, const YAML::Node& node);

// invalid_argument "place: path: message"; `place` is a "file:line:column".
std::unexpected<Error> invalid(const std::string& place,
                               std::string_view path,
                               std::string_view message);

// A value as messages show it: the quoted scalar, or its kind ("a list",
// "a mapping", "nothing").
std::string shown(const YAML::Node& node);

// "unknown key "KEY"" with the near miss among `known` when there is one,
// else the list of `known` keys.
std::string unknown_key(const std::string& key,
                        std::span<const std::string_view> known);

// The integer from `low` to `high` that `node` (at `path`, in the file of
// `at`) holds; invalid_argument "expected WHAT, got ..." otherwise.
Result<std::int64_t> read_integer(const YAML::Node& node,
                                  const std::string& at,
                                  const std::string& path,
                                  std::int64_t low,
                                  std::int64_t high,
                                  std::string_view what);

} // namespace ryax::infra::config::detail
