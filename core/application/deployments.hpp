#pragma once

#include "core/application/ports/runtime_pool.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// One deployment (an action of a workflow) and its live replicas.
struct DeploymentView
{
  std::string id; // "WORKFLOW/ACTION"
  std::string project;
  std::string workflow_id;
  std::string action_id;
  std::vector<std::string> steps; // the workflow steps it served
  std::string action;             // "id:version"
  int max_replicas = 1;
  std::int64_t idle_timeout_seconds = 0;
  // "busy" when a replica executes, "draining" when it stops once given
  // back, else "idle".
  std::string state = "idle";
  std::int64_t idle_ms = 0; // the least idle replica's; 0 while busy
  std::int64_t executions = 0;
  std::vector<ReplicaView> replicas;
};

// The deployments made of `replicas`, by id.
std::vector<DeploymentView> deployments_of(
  const std::vector<ReplicaView>& replicas);

// not_found for `what` named `name` among `known`: "site \"x\" not found"
// with the near miss, or the known names.
std::unexpected<Error> unknown(std::string_view what,
                              const std::string& name,
                              const std::vector<std::string>& known);

} // namespace ryax::app
