#include "core/application/deployments.hpp"

#include "core/domain/action.hpp"
#include "core/domain/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace ryax::app {

std::vector<DeploymentView>
deployments_of(const std::vector<ReplicaView>& replicas)
{
  std::map<std::pair<std::string, std::string>, DeploymentView> by_id;
  for (const auto& replica : replicas) {
    auto& d = by_id[{ replica.project, replica.deployment_id }];
    if (d.id.empty()) {
      d.id = replica.deployment_id;
      d.project = replica.project;
      const auto slash = d.id.find('/');
      d.workflow_id = d.id.substr(0, slash);
      d.action_id = slash == std::string::npos ? "" : d.id.substr(slash + 1);
      d.steps = replica.steps;
      d.action = replica.action;
      d.max_replicas = replica.max_replicas;
      d.idle_timeout_seconds = replica.idle_timeout_seconds;
      d.idle_ms = replica.idle_ms;
    }
    d.executions += replica.executions;
    if (replica.busy) {
      d.state = "busy";
      d.idle_ms = 0;
    } else if (d.state == "idle") {
      d.idle_ms = std::min(d.idle_ms, replica.idle_ms);
    }
    if (replica.draining) {
      d.state = "draining";
    }
    d.replicas.push_back(replica);
  }
  std::vector<DeploymentView> result;
  result.reserve(by_id.size());
  for (auto& [id, deployment] : by_id) {
    result.push_back(std::move(deployment));
  }
  return result;
}

std::unexpected<Error>
unknown(std::string_view what,
        const std::string& name,
        const std::vector<std::string>& known)
{
  std::vector<std::string_view> names(known.begin(), known.end());
  auto message = fmt::format("{} \"{}\" not found", what, name);
  if (auto near = domain::did_you_mean(name, names); !near.empty()) {
    message += near;
  } else if (!names.empty()) {
    message += fmt::format(" (known: {})", fmt::join(names, ", "));
  }
  return fail(ErrorCode::not_found, message);
}

} // namespace ryax::app
