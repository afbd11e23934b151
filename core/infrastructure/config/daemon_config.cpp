#include "core/infrastructure/config/daemon_config.hpp"

#include "core/application/log.hpp"
#include "core/domain/action.hpp"
#include "core/domain/workflow.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <span>
#include <thread>

namespace fs = std::filesystem;

namespace ryax::infra::config {

std::string_view
to_string(Origin origin)
{
  switch (origin) {
  case Origin::default_value:
    return "default";
  case Origin::file:
    return "file";
  case Origin::environment:
    return "environment";
  case Origin::flag:
    return "flag";
  }
  return "default";
}

namespace {

template<typename T>
void
apply(Setting<T>& setting, const std::optional<T>& value, Origin origin)
{
  if (value) {
    setting.value = *value;
    setting.origin = origin;
  }
}

std::optional<std::string>
env_value(const Environment& env, const std::string& name)
{
  auto value = get(env, name);
  if (value.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string
where(const std::string& file, const YAML::Node& node)
{
  const auto mark = node.Mark();
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

// "file:line:column" of `node`, given `at`: the "file:line:column" of a
// node of the same file.
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

// The keys of ryaxd.yaml; each documented in man/ryaxd.8.
struct FileKey
{
  std::string_view name;
  std::function<Result<void>(DaemonConfig&, const YAML::Node&,
                             const std::string& at)>
    apply;
};

Result<void>
set_string(Setting<std::string>& setting, const YAML::Node& node,
           const std::string& at, std::string_view key)
{
  if (!node.IsScalar()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: {}: expected a string", at, key));
  }
  setting.value = node.Scalar();
  setting.origin = Origin::file;
  return {};
}

// --- The `site` key ---------------------------------------------------------

constexpr std::string_view k_site_keys[] = { "name", "node_pools" };
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

// "file:line:column: path: message".
std::unexpected<Error>
invalid(const std::string& place,
        std::string_view path,
        std::string_view message)
{
  return fail(ErrorCode::invalid_argument,
              fmt::format("{}: {}: {}", place, path, message));
}

// A value as messages show it: the quoted scalar, or its kind.
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
  if (const auto near = domain::closest_match(key, known)) {
    return fmt::format("unknown key \"{}\" (did you mean \"{}\"?)", key, *near);
  }
  return fmt::format(
    "unknown key \"{}\" (known keys: {})", key, fmt::join(known, ", "));
}

using ReadEntry = std::function<Result<void>(std::string_view key,
                                             const YAML::Node& value,
                                             const std::string& path)>;

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

// An integer from `low` to `high`.
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

Result<void>
read_site(DaemonConfig& config, const YAML::Node& node, const std::string& at)
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
                          return read_pools(site, value, at, path);
                        }));
  config.site = { std::move(site), Origin::file };
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

std::string
show_pool(const domain::NodePool& pool)
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

const std::vector<FileKey>&
file_keys()
{
  static const std::vector<FileKey> keys = {
    {"socket",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.socket, n, at, "socket");
     }},
    {"listen",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.listen, n, at, "listen");
     }},
    {"log_level",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.log_level, n, at, "log_level");
     }},
    {"log_file",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.log_file, n, at, "log_file");
     }},
    {"shutdown_grace_seconds",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       int seconds = -1;
       if (!n.IsScalar() || !YAML::convert<int>::decode(n, seconds)
           || seconds < 0) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: shutdown_grace_seconds: expected a "
                                 "whole number of seconds >= 0",
                                 at));
       }
       c.shutdown_grace_seconds = {seconds, Origin::file};
       return {};
     }},
    {"build_concurrency",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       int count = 0;
       if (!n.IsScalar() || !YAML::convert<int>::decode(n, count) || count < 1
           || count > 64) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: build_concurrency: expected a whole "
                                 "number from 1 to 64",
                                 at));
       }
       c.build_concurrency = {count, Origin::file};
       return {};
     }},
    {"run_concurrency",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       int count = 0;
       if (!n.IsScalar() || !YAML::convert<int>::decode(n, count) || count < 1
           || count > 256) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: run_concurrency: expected a whole "
                                 "number from 1 to 256",
                                 at));
       }
       c.run_concurrency = {count, Origin::file};
       return {};
     }},
    {"housekeeping_interval_seconds",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       int seconds = 0;
       if (!n.IsScalar() || !YAML::convert<int>::decode(n, seconds)
           || seconds < 1) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: housekeeping_interval_seconds: expected "
                                 "a whole number of seconds >= 1",
                                 at));
       }
       c.housekeeping_interval_seconds = {seconds, Origin::file};
       return {};
     }},
    {"run_retention",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       if (!n.IsMap()) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: run_retention: expected a mapping with "
                                 "days and/or runs_per_workflow",
                                 at));
       }
       for (const auto& entry : n) {
         const auto key = entry.first.as<std::string>();
         const auto here = where_of(at, entry.first);
         if (key == "days") {
           double days = -1;
           if (!entry.second.IsScalar()
               || !YAML::convert<double>::decode(entry.second, days)
               || days < 0) {
             return fail(ErrorCode::invalid_argument,
                         fmt::format("{}: run_retention.days: expected a "
                                     "number of days >= 0 (0 keeps runs "
                                     "whatever their age)",
                                     here));
           }
           c.retention_days = {days, Origin::file};
         } else if (key == "runs_per_workflow") {
           int count = -1;
           if (!entry.second.IsScalar()
               || !YAML::convert<int>::decode(entry.second, count)
               || count < 0) {
             return fail(ErrorCode::invalid_argument,
                         fmt::format("{}: run_retention.runs_per_workflow: "
                                     "expected a whole number >= 0 (0 keeps "
                                     "them all)",
                                     here));
           }
           c.retention_runs_per_workflow = {count, Origin::file};
         } else {
           return fail(ErrorCode::invalid_argument,
                       fmt::format("{}: run_retention: unknown key \"{}\" "
                                   "(known keys: days, runs_per_workflow)",
                                   here,
                                   key));
         }
       }
       return {};
     }},
    {"site", read_site},
    {"max_live_deployments",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(const auto count,
                       read_integer(n, at, "max_live_deployments", 1,
                                    std::numeric_limits<int>::max(),
                                    "a whole number >= 1"));
       c.max_live_deployments = {static_cast<int>(count), Origin::file};
       return {};
     }},
  };
  return keys;
}

Result<void>
read_file(DaemonConfig& config, const std::string& path)
{
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("cannot read config file \"{}\"", path));
  } catch (const YAML::ParserException& e) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}:{}:{}: {}", path, e.mark.line + 1,
                            e.mark.column + 1, e.msg));
  }
  if (root.IsNull()) {
    return {}; // An empty file configures nothing.
  }
  if (!root.IsMap()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: expected a mapping of settings", where(path, root)));
  }
  for (const auto& entry : root) {
    const auto key = entry.first.as<std::string>();
    const auto& keys = file_keys();
    const auto it = std::find_if(keys.begin(), keys.end(),
                                 [&](const FileKey& k) { return k.name == key; });
    if (it == keys.end()) {
      std::vector<std::string_view> known;
      for (const auto& k : keys) {
        known.push_back(k.name);
      }
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: {}", where(path, entry.first),
                              unknown_key(key, known)));
    }
    RYAX_TRY(it->apply(config, entry.second, where(path, entry.second)));
  }
  return {};
}

Result<void>
check(const DaemonConfig& config)
{
  app::log::Level level{};
  if (!app::log::parse_level(config.log_level.value, level)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("log level \"{}\" (from {}) is not one of trace, "
                            "debug, info, warn, error, off",
                            config.log_level.value,
                            to_string(config.log_level.origin)));
  }
  if (!config.listen.value.empty()) {
    RYAX_TRY_ASSIGN(const auto host_port, split_host_port(config.listen.value));
    if (!is_loopback_host(host_port.first)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("refusing to listen on \"{}\": TCP is limited to "
                              "loopback addresses (127.0.0.1, ::1, localhost) "
                              "until authentication is configured",
                              config.listen.value));
    }
  }
  return {};
}

} // namespace

Result<DaemonConfig>
load_daemon_config(const DaemonFlags& flags, const Environment& env)
{
  DaemonConfig config;
  config.log_level.value = "info";
  config.shutdown_grace_seconds.value = 10;
  config.build_concurrency.value = 1;
  config.run_concurrency.value = 8;
  config.housekeeping_interval_seconds.value = 60;
  config.max_live_deployments.value = 32;

  // The data dir comes first: it holds the default config file.
  RYAX_TRY_ASSIGN(config.data_dir.value, default_data_dir(env));
  if (!get(env, "RYAX_HOME").empty()) {
    config.data_dir.origin = Origin::environment;
  }
  apply(config.data_dir, flags.data_dir, Origin::flag);
  std::error_code ec;
  const auto absolute = fs::absolute(config.data_dir.value, ec);
  if (!ec) {
    config.data_dir.value = absolute.lexically_normal().string();
    if (config.data_dir.value.size() > 1 && config.data_dir.value.ends_with('/')) {
      config.data_dir.value.pop_back();
    }
  }

  apply(config.config_file, env_value(env, "RYAX_CONFIG"), Origin::environment);
  apply(config.config_file, flags.config_file, Origin::flag);
  if (config.config_file.value.empty()) {
    const auto implicit = config.data_dir.value + "/ryaxd.yaml";
    if (fs::exists(implicit)) {
      config.config_file = {implicit, Origin::default_value};
    }
  }
  if (!config.config_file.value.empty()) {
    RYAX_TRY(read_file(config, config.config_file.value));
  }
  if (config.site.value.pools.empty()) {
    config.site.value.pools.push_back(machine_pool());
    if (config.site.value.pools.back().memory_bytes <= 0) {
      return fail(ErrorCode::invalid_argument,
                  "cannot read the size of this machine's memory: set "
                  "site.node_pools in ryaxd.yaml");
    }
  }

  // The default socket depends on the data dir, unless the file set one.
  if (config.socket.origin == Origin::default_value) {
    config.socket.value = default_socket_path({{"XDG_RUNTIME_DIR", get(env, "XDG_RUNTIME_DIR")}},
                                              config.data_dir.value);
  }
  apply(config.socket, env_value(env, "RYAX_SOCKET"), Origin::environment);
  apply(config.listen, env_value(env, "RYAX_LISTEN"), Origin::environment);
  apply(config.log_level, env_value(env, "RYAX_LOG_LEVEL"), Origin::environment);
  apply(config.log_file, env_value(env, "RYAX_LOG_FILE"), Origin::environment);

  apply(config.socket, flags.socket, Origin::flag);
  apply(config.listen, flags.listen, Origin::flag);
  apply(config.log_level, flags.log_level, Origin::flag);
  apply(config.log_file, flags.log_file, Origin::flag);

  RYAX_TRY(check(config));
  return config;
}

std::string
describe(const DaemonConfig& config)
{
  std::string out;
  const auto line = [&](std::string_view key, const auto& setting) {
    out += fmt::format("{}: {}  # {}\n", key, setting.value,
                       to_string(setting.origin));
  };
  line("data_dir", config.data_dir);
  line("config_file", config.config_file);
  line("socket", config.socket);
  line("listen", config.listen);
  line("log_level", config.log_level);
  line("log_file", config.log_file);
  line("shutdown_grace_seconds", config.shutdown_grace_seconds);
  line("build_concurrency", config.build_concurrency);
  line("run_concurrency", config.run_concurrency);
  line("run_retention.days", config.retention_days);
  line("run_retention.runs_per_workflow", config.retention_runs_per_workflow);
  line("housekeeping_interval_seconds", config.housekeeping_interval_seconds);
  const auto& site = config.site;
  out += fmt::format("site: {}  # {}\n", site.value.name,
                     to_string(site.origin));
  std::vector<std::string> pools;
  for (const auto& pool : site.value.pools) {
    pools.push_back(show_pool(pool));
  }
  out += fmt::format("site.node_pools: {}  # {}\n", fmt::join(pools, ", "),
                     to_string(site.origin));
  line("max_live_deployments", config.max_live_deployments);
  return out;
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
