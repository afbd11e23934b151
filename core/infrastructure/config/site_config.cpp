#include "core/infrastructure/config/site_config.hpp"

#include "core/domain/action.hpp"
#include "core/domain/workflow.hpp"
#include "core/infrastructure/config/yaml_config_support.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <functional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

namespace ryax::infra::config {

namespace {

using namespace detail;

constexpr std::string_view k_site_keys[] = { "name", "node_pools", "sandbox",
                                              "network", "sandbox_writable" };
constexpr std::string_view k_pool_keys[] = {
  "name", "cpu",  "memory",          "gpu",
  "time", "arch", "objectiveScores", "filter_no_gpu_action",
};
constexpr std::string_view k_score_keys[] = { "cost", "energy", "performance" };

// This machine's architecture (uname -m), or "" when unknown.
std::string
machine_arch()
{
  utsname name{};
  if (::uname(&name) != 0) {
    return {};
  }
  return name.machine;
}


Result<domain::ObjectiveScores>
read_scores(const YAML::Node& node,
            const std::string& at,
            const std::string& path)
{
  if (!node.IsMap()) {
    return invalid(where_of(at, node),
                   path,
                   fmt::format("expected a mapping of cost, energy and "
                               "performance, got {}",
                               shown(node)));
  }
  domain::ObjectiveScores scores;
  RYAX_TRY(for_each_key(
    node,
    at,
    path,
    k_score_keys,
    [&](std::string_view key,
        const YAML::Node& value,
        const std::string& key_path) -> Result<void> {
      RYAX_TRY_ASSIGN(
        const auto score,
        read_integer(
          value, at, key_path, 0, 100, "a whole number from 0 to 100"));
      (key == "cost"     ? scores.cost
       : key == "energy" ? scores.energy
                         : scores.performance) = static_cast<int>(score);
      return {};
    }));
  return scores;
}

// One field of a node pool.
Result<void>
read_pool_field(domain::NodePool& pool,
                std::string_view key,
                const YAML::Node& value,
                const std::string& at,
                const std::string& path)
{
  const auto place = where_of(at, value);
  if (key == "name") {
    RYAX_TRY_ASSIGN(pool.name, read_name(value, at, path));
  } else if (key == "cpu") {
    double cpu = 0;
    if (!value.IsScalar() || !YAML::convert<double>::decode(value, cpu) ||
        !std::isfinite(cpu) || cpu <= 0) {
      return invalid(
        place,
        path,
        fmt::format("expected a number of cores > 0, got {}", shown(value)));
    }
    pool.cpu = cpu;
  } else if (key == "memory") {
    RYAX_TRY_ASSIGN(const auto text,
                    scalar(value, at, path, "an amount of memory"));
    auto bytes = domain::parse_memory(text);
    if (!bytes) {
      return invalid(place, path, bytes.error().message);
    }
    if (*bytes <= 0) {
      return invalid(place, path, "expected an amount of memory > 0");
    }
    pool.memory_bytes = *bytes;
  } else if (key == "gpu") {
    RYAX_TRY_ASSIGN(
      pool.gpu,
      read_integer(value, at, path, 0, 1 << 20, "a whole number of GPUs >= 0"));
  } else if (key == "time") {
    RYAX_TRY_ASSIGN(const auto text, scalar(value, at, path, "a duration"));
    auto seconds = domain::parse_duration_seconds(text);
    if (!seconds) {
      return invalid(place, path, seconds.error().message);
    }
    if (*seconds <= 0) {
      return invalid(place, path, "expected a duration > 0");
    }
    pool.time_seconds = *seconds;
  } else if (key == "arch") {
    RYAX_TRY_ASSIGN(pool.arch,
                    scalar(value, at, path, "an architecture (uname -m)"));
  } else if (key == "objectiveScores") {
    RYAX_TRY_ASSIGN(pool.scores, read_scores(value, at, path));
  } else {
    if (!value.IsScalar() ||
        !YAML::convert<bool>::decode(value, pool.filter_no_gpu_action)) {
      return invalid(
        place,
        path,
        fmt::format("expected true or false, got {}", shown(value)));
    }
  }
  return {};
}

Result<domain::NodePool>
read_pool(const YAML::Node& node,
          const std::string& at,
          const std::string& path)
{
  if (!node.IsMap()) {
    return invalid(where_of(at, node),
                   path,
                   fmt::format("expected a mapping with name, cpu and "
                               "memory, got {}",
                               shown(node)));
  }
  domain::NodePool pool;
  pool.arch = machine_arch();
  std::vector<std::string> given;
  RYAX_TRY(for_each_key(node,
                        at,
                        path,
                        k_pool_keys,
                        [&](std::string_view key,
                            const YAML::Node& value,
                            const std::string& key_path) -> Result<void> {
                          given.emplace_back(key);
                          return read_pool_field(
                            pool, key, value, at, key_path);
                        }));
  for (const auto required : { "name", "cpu", "memory" }) {
    if (std::find(given.begin(), given.end(), required) == given.end()) {
      return invalid(
        where_of(at, node), path, fmt::format("missing key \"{}\"", required));
    }
  }
  return pool;
}

Result<void>
read_pools(domain::Site& site,
           const YAML::Node& node,
           const std::string& at,
           const std::string& path)
{
  if (!node.IsSequence() || node.size() == 0) {
    return invalid(where_of(at, node),
                   path,
                   fmt::format("expected a list of at least one node pool, "
                               "got {}",
                               shown(node)));
  }
  site.pools.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto item_path = fmt::format("{}[{}]", path, i);
    RYAX_TRY_ASSIGN(auto pool, read_pool(node[i], at, item_path));
    for (std::size_t j = 0; j < site.pools.size(); ++j) {
      if (site.pools[j].name == pool.name) {
        return invalid(where_of(at, node[i]["name"]),
                       item_path + ".name",
                       fmt::format("duplicate node pool \"{}\" (first at "
                                   "{}[{}])",
                                   pool.name,
                                   path,
                                   j));
      }
    }
    site.pools.push_back(std::move(pool));
  }
  return {};
}

// "4G", "1.5G", "256M": memory for --print-config, 2 decimals at most.
std::string
show_memory(std::int64_t bytes)
{
  constexpr std::string_view k_units = "KMGT";
  auto value = static_cast<double>(bytes);
  std::string unit;
  for (const char u : k_units) {
    if (value < 1024) {
      break;
    }
    value /= 1024;
    unit = std::string(1, u);
  }
  auto text = fmt::format("{:.2f}", value);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.ends_with('.')) {
    text.pop_back();
  }
  return text + unit;
}

Result<void>
read_sandbox(domain::Site& site,
             const YAML::Node& value,
             const std::string& at,
             const std::string& path)
{
  const auto text = value.IsScalar() ? value.Scalar() : std::string();
  if (text != "bwrap" && text != "none") {
    return invalid(where_of(at, value), path,
                   fmt::format("expected bwrap or none, got {}", shown(value)));
  }
  site.sandbox = text;
  return {};
}

// `sandbox_writable`: a list of existing absolute directories.
Result<void>
read_writable(domain::Site& site,
              const YAML::Node& value,
              const std::string& at,
              const std::string& path)
{
  if (!value.IsSequence()) {
    return invalid(where_of(at, value), path,
                   fmt::format("expected a list of absolute directory paths, "
                               "got {}",
                               shown(value)));
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto item_path = fmt::format("{}[{}]", path, i);
    const auto& item = value[i];
    const auto text = item.IsScalar() ? item.Scalar() : std::string();
    if (!text.starts_with('/')) {
      return invalid(where_of(at, item), item_path,
                     fmt::format("expected an absolute directory path, got {}",
                                 shown(item)));
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(text, ec)) {
      return invalid(where_of(at, item), item_path,
                     fmt::format("\"{}\" is not a directory", text));
    }
    site.sandbox_writable.push_back(text);
  }
  return {};
}

} // namespace

Result<void>
detail::read_node_pools(domain::Site& site,
                        const YAML::Node& node,
                        const std::string& at,
                        const std::string& path)
{
  return read_pools(site, node, at, path);
}

Result<domain::Site>
read_site(const YAML::Node& node, const std::string& at)
{
  if (!node.IsMap()) {
    return invalid(at,
                   "site",
                   fmt::format("expected a mapping with name and node_pools, "
                               "got {}",
                               shown(node)));
  }
  domain::Site site;
  RYAX_TRY(for_each_key(node,
                        at,
                        "site",
                        k_site_keys,
                        [&](std::string_view key,
                            const YAML::Node& value,
                            const std::string& path) -> Result<void> {
                          if (key == "name") {
                            RYAX_TRY_ASSIGN(site.name,
                                            read_name(value, at, path));
                            return {};
                          }
                          if (key == "sandbox") {
                            return read_sandbox(site, value, at, path);
                          }
                          if (key == "sandbox_writable") {
                            return read_writable(site, value, at, path);
                          }
                          if (key == "network") {
                            if (!value.IsScalar()
                                || !YAML::convert<bool>::decode(value,
                                                                site.network)) {
                              return invalid(
                                where_of(at, value), path,
                                fmt::format("expected true or false, got {}",
                                            shown(value)));
                            }
                            return {};
                          }
                          return read_pools(site, value, at, path);
                        }));
  return site;
}

std::string
describe_pool(const domain::NodePool& pool)
{
  std::string time = "none";
  if (pool.time_seconds) {
    time = fmt::format("{}s", *pool.time_seconds);
    constexpr std::pair<const char*, int> k_units[] = { { "d", 86400 },
                                                        { "h", 3600 },
                                                        { "m", 60 } };
    for (const auto& [unit, seconds] : k_units) {
      if (*pool.time_seconds % seconds == 0) {
        time = fmt::format("{}{}", *pool.time_seconds / seconds, unit);
        break;
      }
    }
  }
  return fmt::format("{} (cpu {:g}, memory {}, gpu {}, time {}, arch {}, "
                     "cost {}, energy {}, performance {}, "
                     "filter_no_gpu_action {})",
                     pool.name,
                     pool.cpu,
                     show_memory(pool.memory_bytes),
                     pool.gpu,
                     time,
                     pool.arch,
                     pool.scores.cost,
                     pool.scores.energy,
                     pool.scores.performance,
                     pool.filter_no_gpu_action);
}

domain::NodePool
machine_pool()
{
  domain::NodePool pool;
  pool.name = "default";
  pool.cpu = std::max(1U, std::thread::hardware_concurrency());
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) {
    pool.memory_bytes = static_cast<std::int64_t>(pages) * page_size;
  }
  pool.arch = machine_arch();
  return pool;
}

} // namespace ryax::infra::config
