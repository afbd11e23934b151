#pragma once

#include "core/infrastructure/config/daemon_config.hpp"
#include "core/infrastructure/wrapper/wrapper_pool.hpp"
#include "core/infrastructure/yaml/yaml_limits.hpp"

// The settings of adapters that ryaxd.yaml gives.

namespace ryax::daemon {

// The settings of the daemon's pool of ryax-wrappers: replicas under
// `<data dir>/wrappers`, the site's sandbox, which hides the data dir and
// the sockets from user code.
infra::wrapper::WrapperPoolSettings wrapper_pool_settings(
  const infra::config::DaemonConfig& config);

// The limits on users' YAML files that ryaxd.yaml sets.
infra::yaml::YamlLimits yaml_limits(const infra::config::DaemonConfig& config);

} // namespace ryax::daemon
