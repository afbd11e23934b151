#pragma once

#include "cli/output/output.hpp"
#include "core/domain/error.hpp"

#include "ryax/v1/site.pb.h"
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// The documents (-o json|yaml) and the tables of `ryax site list|show` and
// `ryax deployments list|show`. Pure: no I/O, no clock.
namespace ryax::cli {

// The fields of the proto NodePool, with their proto names.
nlohmann::json node_pool_json(const v1::NodePool& pool);

// The fields of the proto Site, with `pools` as node_pool_json objects.
nlohmann::json site_json(const v1::Site& site);

// The fields of the proto Replica, with their proto names.
nlohmann::json replica_json(const v1::Replica& replica);

// The fields of the proto Deployment, with `replica_list` as replica_json
// objects.
nlohmann::json deployment_json(const v1::Deployment& deployment);

// A memory size in base 1024 with at most one decimal, as `parse_memory`
// reads it back: "512", "100K", "256M", "23.4G", "1.5T". "-" when negative.
std::string format_memory(std::int64_t bytes);

// Cores with at most two decimals: "0.5", "16", "1.25".
std::string format_cpu(double cores);

// `ryax site list`: SITE, KIND, POOLS, CPU and MEMORY (in use/total over
// every pool), QUEUED.
output::Table sites_table(const v1::ListSitesReply& reply);

// The header of `ryax site show`: name, kind, pools, cpu, memory, gpu (in
// use/total over every pool), running, queued.
std::vector<std::pair<std::string, std::string>> site_fields(
  const v1::Site& site);

// The pools of `ryax site show`, one row each: POOL, CPU, MEMORY, GPU (in
// use/total), TIME (the limit, "-" for none), ARCH, SCORES
// (cost/energy/performance), RUNNING, QUEUED, GPU FILTER ("yes" when a GPU
// pool refuses executions without GPU, "no" when it takes them, "-" on a
// pool without GPU). The first column is indented by `indent`.
output::Table pools_table(const v1::Site& site, const std::string& indent);

// A Slurm site's partitions as sinfo shows them: PARTITION, AVAIL, NODES,
// STATE, CPUS (A/I/O/T).
output::Table slurm_partitions_table(const v1::Site& site,
                                     const std::string& indent);

// How long a deployment or a replica has been idle: a duration, "-" while
// busy (`idle_ms` 0).
std::string idle_text(std::int64_t idle_ms);

// `ryax deployments list`: DEPLOYMENT, ACTION, REPLICAS (live/max), STATE,
// EXECUTIONS, IDLE, IDLE TIMEOUT.
output::Table deployments_table(const v1::ListDeploymentsReply& reply);

// The header of `ryax deployments show`.
std::vector<std::pair<std::string, std::string>> deployment_fields(
  const v1::Deployment& deployment);

// The replicas of `ryax deployments show`, one row each: ID, PID, BUSY,
// EXECUTIONS, IDLE. The first column is indented by `indent`.
output::Table replicas_table(const v1::Deployment& deployment,
                             const std::string& indent);

// Check the argument of `ryax deployments show`: "WORKFLOW/STEP", both
// parts non-empty. invalid_argument naming it otherwise.
Result<void> check_deployment_id(const std::string& id);

} // namespace ryax::cli
