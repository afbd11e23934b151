#pragma once

// Private to core/infrastructure/config/: positions and messages shared by
// the readers of ryaxd.yaml (daemon_config.cpp, site_config.cpp).

#include "core/domain/error.hpp"
#include "core/domain/scheduling.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
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

// Reads the value of one key of a mapping: the key, its value and its path
// ("site.node_pools").
using ReadEntry = std::function<Result<void>(std::string_view key,
                                             const YAML::Node& value,
                                             const std::string& path)>;

// Call `read` for each entry of the mapping `node` at `path`, refusing a key
// not in `known` or given twice.
Result<void> for_each_key(const YAML::Node& node,
                          const std::string& at,
                          const std::string& path,
                          std::span<const std::string_view> known,
                          const ReadEntry& read);

// The non-empty scalar text of `node`, or invalid_argument expecting `what`.
Result<std::string> scalar(const YAML::Node& node,
                           const std::string& at,
                           const std::string& path,
                           std::string_view what);

// A name of a site or pool, as a step's constraints may give it.
Result<std::string> read_name(const YAML::Node& node,
                              const std::string& at,
                              const std::string& path);

// The node pools of `site` from the list `node` at `path` (site_config.cpp).
Result<void> read_node_pools(domain::Site& site,
                             const YAML::Node& node,
                             const std::string& at,
                             const std::string& path);

} // namespace ryax::infra::config::detail
