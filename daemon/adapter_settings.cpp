#include "daemon/adapter_settings.hpp"

#include "core/infrastructure/rpc/local_identity.hpp"

namespace ryax::daemon {

infra::wrapper::WrapperPoolSettings
wrapper_pool_settings(const infra::config::DaemonConfig& config)
{
  infra::wrapper::WrapperPoolSettings settings;
  settings.root = config.data_dir.value + "/wrappers";
  settings.max_live = config.max_live_deployments.value;
  settings.sandbox = config.site.value.sandbox;
  settings.network = config.site.value.network;
  settings.writable = config.site.value.sandbox_writable;
  settings.hide = { config.data_dir.value };
  if (!config.socket.value.empty()) {
    settings.hide.push_back(config.socket.value);
    settings.hide.push_back(infra::rpc::identity_socket_path(config.socket.value));
  }
  return settings;
}

infra::yaml::YamlLimits
yaml_limits(const infra::config::DaemonConfig& config)
{
  infra::yaml::YamlLimits limits;
  limits.max_bytes = static_cast<std::size_t>(config.max_yaml_bytes.value);
  limits.max_nodes = static_cast<std::size_t>(config.max_yaml_nodes.value);
  limits.max_workflow_steps =
    static_cast<std::size_t>(config.max_workflow_steps.value);
  return limits;
}

} // namespace ryax::daemon
