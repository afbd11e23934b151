#include "core/infrastructure/config/daemon_config.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>

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
      std::string known;
      for (const auto& k : keys) {
        known += known.empty() ? "" : ", ";
        known += k.name;
      }
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: unknown key \"{}\" (known keys: {})",
                              where(path, entry.first), key, known));
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
  return out;
}

} // namespace ryax::infra::config
