#pragma once

#include "core/domain/error.hpp"
#include "core/domain/scheduling.hpp"
#include "core/infrastructure/config/filestore_config.hpp"
#include "core/infrastructure/config/paths.hpp"
#include "core/infrastructure/config/site_config.hpp" // machine_pool()
#include "core/infrastructure/config/slurm_site_config.hpp"
#include "core/infrastructure/crypto/encryption_key.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ryax::infra::config {

// Where a configuration value came from, for `ryaxd --print-config`.
enum class Origin { default_value, file, environment, flag };

// "default", "file", "environment" or "flag".
std::string_view to_string(Origin origin);

// A configuration value and its origin.
template<typename T> struct Setting
{
  T value{};
  Origin origin = Origin::default_value;
};

// The daemon's configuration, read once at start and passed down by value.
struct DaemonConfig
{
  Setting<std::string> data_dir;    // absolute
  Setting<std::string> config_file; // "" when none was read
  Setting<std::string> socket;      // UNIX socket path
  Setting<std::string> listen;      // "HOST:PORT" or "" for none (TLS)
  // The HTTP server (user API, portals, result links): "HOST:PORT" (port 0
  // for any free port), or "" for none. TLS with the certificate of
  // `listen` when HOST is not a loopback address.
  Setting<std::string> http_listen;
  // The largest HTTP request body accepted, in bytes.
  Setting<std::int64_t> http_max_body_bytes;
  // When set, GET /metrics on http_listen wants "Authorization: Bearer
  // <metrics_token>"; "" serves it to whoever reaches the listener.
  Setting<std::string> metrics_token;
  // Record metrics and serve /metrics (true), or neither.
  Setting<bool> metrics;
  Setting<std::string> tls_cert;    // PEM chain for listen; "" to make one
  Setting<std::string> tls_key;     // its PEM key; "" with tls_cert
  Setting<std::string> log_level;   // trace|debug|info|warn|error|off
  Setting<std::string> log_file;    // "" for stderr
  Setting<std::string> log_format;  // text|json (JSON lines)
  // Rotate the log file past this many bytes (4096 to 1 TiB); 0 never.
  Setting<std::int64_t> log_max_size;
  Setting<int> log_keep; // rotated files kept, 1 to 100
  Setting<int> shutdown_grace_seconds;
  Setting<int> build_concurrency; // builds running at once, >= 1
  Setting<int> run_concurrency;   // step executions at once, >= 1
  // run_retention.days: finished runs older than this are removed; 0 keeps.
  Setting<double> retention_days;
  // run_retention.runs_per_workflow: newest finished runs kept; 0 keeps all.
  Setting<int> retention_runs_per_workflow;
  // How often retention and idle replica reaping run.
  Setting<int> housekeeping_interval_seconds;
  // The local site and its node pools (ryaxd.yaml `site`); by default one
  // pool "default" sized from the machine.
  Setting<domain::Site> site;
  // Further sites hosted by this daemon (ryaxd.yaml `sites`): Slurm
  // clusters over SSH. known_hosts_file is resolved (never "").
  Setting<std::vector<SlurmSiteConfig>> sites;
  // Action replicas (ryax-wrapper processes) alive at once, all
  // deployments together.
  Setting<int> max_live_deployments;
  // Runs accepted and not finished, at most; 0 for no limit.
  Setting<int> max_unfinished_runs;
  // What a workflow file or a ryax_metadata.yaml may hold (yaml::YamlLimits):
  // bytes, YAML nodes with aliases expanded, steps of a workflow.
  Setting<std::int64_t> max_yaml_bytes;
  Setting<std::int64_t> max_yaml_nodes;
  Setting<std::int64_t> max_workflow_steps;
  // Step executions of one run, at most (a fan-out that would pass it
  // fails its step).
  Setting<std::int64_t> max_run_executions;
  // Worker agent mode: the main daemon's TLS address ("HOST:PORT"; an
  // "https://" prefix is dropped), "" for a main daemon.
  Setting<std::string> join;
  // The join token of the first connection (RYAX_JOIN_TOKEN, --join-token).
  Setting<std::string> join_token;
  // A worker silent this long is lost (main daemon).
  Setting<int> worker_timeout_seconds;
  // The key that seals secrets at rest: RYAX_ENCRYPTION_KEY (origin
  // environment; its text is checked here) else the key file
  // "<data dir>/secret.key" (origin default). describe() shows where it
  // comes from, never the key.
  Setting<crypto::KeySource> encryption_key;
  // Where run files are stored (ryaxd.yaml `filestore`): local by default,
  // or local plus an S3 bucket, its secret read at load time.
  Setting<FilestoreConfig> filestore;
};

// What the command line said; an empty optional means "not given".
struct DaemonFlags
{
  std::optional<std::string> data_dir;
  std::optional<std::string> config_file;
  std::optional<std::string> socket;
  std::optional<std::string> listen;
  std::optional<std::string> http_listen;
  std::optional<std::string> log_level;
  std::optional<std::string> log_file;
  std::optional<std::string> log_format;
  std::optional<std::string> join;
  std::optional<std::string> join_token;
  std::optional<std::string> site; // the site's name
};

// Resolve the configuration. Precedence: flag, then RYAX_* variable, then the
// YAML file (--config, $RYAX_CONFIG, else <data dir>/ryaxd.yaml when it
// exists), then default. invalid_argument naming the file, line and key for a
// bad file (unknown key, wrong type) or value (level, a TLS key without its
// certificate).
Result<DaemonConfig> load_daemon_config(const DaemonFlags& flags,
                                        const Environment& env);

// One "key: value  # origin" line per setting, for --print-config; the
// pools on one line, "site.node_pools: NAME (cpu 2, memory 4G, ...), ...";
// encryption_key as "RYAX_ENCRYPTION_KEY" or the key file's path; the
// filestore without its secret.
std::string describe(const DaemonConfig& config);

} // namespace ryax::infra::config
