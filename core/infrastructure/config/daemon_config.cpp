#include "core/infrastructure/config/daemon_config.hpp"

#include "core/application/log.hpp"
#include "core/infrastructure/config/yaml_config_support.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>
#include <utility>

namespace fs = std::filesystem;

namespace ryax::infra::config {

namespace {

using namespace detail;

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

// A limit on user files: a whole number from `low` to `high`.
Result<void>
set_limit(Setting<std::int64_t>& setting, const YAML::Node& node,
          const std::string& at, std::string_view key, std::int64_t low,
          std::int64_t high)
{
  RYAX_TRY_ASSIGN(const auto value,
                  read_integer(node, at, std::string(key), low, high,
                               fmt::format("a whole number from {} to {}",
                                           low, high)));
  setting = {value, Origin::file};
  return {};
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
    {"http_listen",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.http_listen, n, at, "http_listen");
     }},
    {"metrics_token",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.metrics_token, n, at, "metrics_token");
     }},
    {"join",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.join, n, at, "join");
     }},
    {"join_token",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.join_token, n, at, "join_token");
     }},
    {"metrics",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       bool on = true;
       if (!n.IsScalar() || !YAML::convert<bool>::decode(n, on)) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: metrics: expected true or false", at));
       }
       c.metrics = {on, Origin::file};
       return {};
     }},
    {"worker_timeout_seconds",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       int seconds = 0;
       if (!n.IsScalar() || !YAML::convert<int>::decode(n, seconds)
           || seconds < 2 || seconds > 3600) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: worker_timeout_seconds: expected a "
                                 "whole number of seconds from 2 to 3600",
                                 at));
       }
       c.worker_timeout_seconds = {seconds, Origin::file};
       return {};
     }},
    {"http_max_body",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(const auto bytes,
                       read_integer(n, at, "http_max_body", 1024,
                                    std::int64_t{1} << 30,
                                    "a number of bytes from 1024 to 1 GiB"));
       c.http_max_body_bytes = {bytes, Origin::file};
       return {};
     }},
    {"tls_cert",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.tls_cert, n, at, "tls_cert");
     }},
    {"tls_key",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.tls_key, n, at, "tls_key");
     }},
    {"log_level",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.log_level, n, at, "log_level");
     }},
    {"log_file",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.log_file, n, at, "log_file");
     }},
    {"log_format",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_string(c.log_format, n, at, "log_format");
     }},
    {"log_max_size",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(const auto bytes,
                       read_integer(n, at, "log_max_size", 0,
                                    std::int64_t{1} << 40,
                                    "0 (no rotation) or a number of bytes "
                                    "from 4096 to 1 TiB"));
       if (bytes > 0 && bytes < 4096) {
         return fail(ErrorCode::invalid_argument,
                     fmt::format("{}: log_max_size: expected 0 (no rotation) "
                                 "or a number of bytes from 4096 to 1 TiB, "
                                 "got {}",
                                 at, bytes));
       }
       c.log_max_size = {bytes, Origin::file};
       return {};
     }},
    {"log_keep",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(const auto count,
                       read_integer(n, at, "log_keep", 1, 100,
                                    "a number of rotated files from 1 to 100"));
       c.log_keep = {static_cast<int>(count), Origin::file};
       return {};
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
         const auto here = where_of(at, entry.first);
         if (!entry.first.IsScalar()) {
           return fail(ErrorCode::invalid_argument,
                       fmt::format("{}: run_retention: keys must be strings", here));
         }
         const auto key = entry.first.Scalar();
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
    {"site",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(auto site, read_site(n, at));
       c.site = {std::move(site), Origin::file};
       return {};
     }},
    {"sites",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(auto sites, read_sites(n, at));
       c.sites = {std::move(sites), Origin::file};
       return {};
     }},
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
    {"filestore",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(auto store, read_filestore(n, at));
       c.filestore = {std::move(store), Origin::file};
       return {};
     }},
    {"max_unfinished_runs",
     [](DaemonConfig& c, const YAML::Node& n,
        const std::string& at) -> Result<void> {
       RYAX_TRY_ASSIGN(const auto count,
                       read_integer(n, at, "max_unfinished_runs", 0,
                                    std::numeric_limits<int>::max(),
                                    "a whole number >= 0 (0: no limit)"));
       c.max_unfinished_runs = {static_cast<int>(count), Origin::file};
       return {};
     }},
    {"max_yaml_bytes",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_limit(c.max_yaml_bytes, n, at, "max_yaml_bytes", 4096,
                        std::int64_t{1} << 30);
     }},
    {"max_yaml_nodes",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_limit(c.max_yaml_nodes, n, at, "max_yaml_nodes", 1000,
                        100'000'000);
     }},
    {"max_workflow_steps",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_limit(c.max_workflow_steps, n, at, "max_workflow_steps", 2,
                        1'000'000);
     }},
    {"max_run_executions",
     [](DaemonConfig& c, const YAML::Node& n, const std::string& at) {
       return set_limit(c.max_run_executions, n, at, "max_run_executions",
                        100, 100'000'000);
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
    if (!entry.first.IsScalar()) { // as<std::string>() would throw
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: keys must be strings", where(path, entry.first)));
    }
    const auto key = entry.first.Scalar();
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
  if (config.log_format.value != "text" && config.log_format.value != "json") {
    return fail(ErrorCode::invalid_argument,
                fmt::format("log_format \"{}\" (from {}) is not one of text, "
                            "json",
                            config.log_format.value,
                            to_string(config.log_format.origin)));
  }
  if (!config.listen.value.empty()) {
    RYAX_TRY(split_host_port(config.listen.value));
  }
  if (!config.http_listen.value.empty()) {
    if (auto http = split_host_port(config.http_listen.value, true); !http) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("http_listen (from {}): {}",
                              to_string(config.http_listen.origin),
                              http.error().message));
    }
  }
  if (!config.join.value.empty()) {
    if (auto main = split_host_port(config.join.value); !main) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("join (from {}): {}",
                              to_string(config.join.origin),
                              main.error().message));
    }
  }
  if (const auto& token = config.metrics_token.value;
      token.size() > 4096
      || std::any_of(token.begin(), token.end(), [](char c) {
           return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
         })) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("metrics_token (from {}): at most 4096 "
                            "characters, no spaces or control characters",
                            to_string(config.metrics_token.origin)));
  }
  if (config.tls_cert.value.empty() != config.tls_key.value.empty()) {
    return fail(ErrorCode::invalid_argument,
                "tls_cert and tls_key go together: give both, or neither "
                "for a certificate made by ryaxd");
  }
  return {};
}

} // namespace

Result<DaemonConfig>
load_daemon_config(const DaemonFlags& flags, const Environment& env)
{
  DaemonConfig config;
  config.log_level.value = "info";
  config.log_format.value = "text";
  config.log_keep.value = 5;
  config.shutdown_grace_seconds.value = 10;
  config.build_concurrency.value = 1;
  config.run_concurrency.value = 8;
  config.housekeeping_interval_seconds.value = 60;
  config.max_live_deployments.value = 32;
  config.max_unfinished_runs.value = 10000;
  config.http_listen.value = "127.0.0.1:8080";
  config.http_max_body_bytes.value = 16 << 20;
  config.max_yaml_bytes.value = 1 << 20;
  config.max_yaml_nodes.value = 100'000;
  config.max_workflow_steps.value = 1000;
  config.max_run_executions.value = 200'000;
  config.worker_timeout_seconds.value = 30;
  config.metrics.value = true;

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
  if (env.count("RYAX_HTTP_LISTEN") > 0) {
    // Set and empty: no HTTP server.
    config.http_listen = {get(env, "RYAX_HTTP_LISTEN"), Origin::environment};
  }
  apply(config.tls_cert, env_value(env, "RYAX_TLS_CERT"), Origin::environment);
  apply(config.tls_key, env_value(env, "RYAX_TLS_KEY"), Origin::environment);
  apply(config.metrics_token, env_value(env, "RYAX_METRICS_TOKEN"),
        Origin::environment);
  apply(config.log_level, env_value(env, "RYAX_LOG_LEVEL"), Origin::environment);
  apply(config.log_file, env_value(env, "RYAX_LOG_FILE"), Origin::environment);
  apply(config.log_format, env_value(env, "RYAX_LOG_FORMAT"), Origin::environment);
  apply(config.join, env_value(env, "RYAX_JOIN"), Origin::environment);
  apply(config.join_token, env_value(env, "RYAX_JOIN_TOKEN"), Origin::environment);

  config.encryption_key.value.file =
    config.data_dir.value + "/" + std::string(crypto::k_key_file_name);
  if (auto key = env_value(env, "RYAX_ENCRYPTION_KEY")) {
    // Refused here, before anything starts, when it is not a key.
    RYAX_TRY(crypto::parse_encryption_key(*key, "RYAX_ENCRYPTION_KEY"));
    config.encryption_key = {
      crypto::KeySource{ std::move(key), config.encryption_key.value.file },
      Origin::environment
    };
  }

  apply(config.socket, flags.socket, Origin::flag);
  apply(config.listen, flags.listen, Origin::flag);
  apply(config.http_listen, flags.http_listen, Origin::flag);
  apply(config.log_level, flags.log_level, Origin::flag);
  apply(config.log_file, flags.log_file, Origin::flag);
  apply(config.log_format, flags.log_format, Origin::flag);
  apply(config.join, flags.join, Origin::flag);
  apply(config.join_token, flags.join_token, Origin::flag);
  if (flags.site) {
    config.site.value.name = *flags.site;
    config.site.origin = Origin::flag;
  }
  for (const std::string_view scheme : { "https://", "grpcs://" }) {
    if (config.join.value.starts_with(scheme)) {
      config.join.value.erase(0, scheme.size());
    }
  }
  while (config.join.value.ends_with('/')) {
    config.join.value.pop_back();
  }

  RYAX_TRY(resolve_filestore(
    config.filestore.value, env,
    fs::path(config.config_file.value).parent_path().string()));

  for (auto& site : config.sites.value) {
    if (site.site.name == config.site.value.name) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: sites: \"{}\" is the name of this "
                              "daemon's own site (site.name): name it "
                              "differently",
                              config.config_file.value, site.site.name));
    }
    if (site.known_hosts_file.empty()) {
      site.known_hosts_file = config.data_dir.value + "/ssh/known_hosts";
    }
  }

  RYAX_TRY(check(config));
  return config;
}

} // namespace ryax::infra::config
