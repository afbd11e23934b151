#pragma once

#include "core/domain/error.hpp"
#include "core/domain/scheduling.hpp"

#include <string>

namespace YAML {
class Node;
} // namespace YAML

// The `site` key of ryaxd.yaml: the local site and its node pools.
namespace ryax::infra::config {

// Read the value of the `site` key, found at `at` ("file:line:column"): a
// mapping with an optional `name` and `node_pools`, a non-empty list of
// pools, each with name, cpu and memory and optionally gpu, time, arch,
// objectiveScores and filter_no_gpu_action (man/ryaxd.8). invalid_argument
// naming the file, line, column and key path ("site.node_pools[1].cpu") for
// an unknown or duplicate key, a missing one, a bad value or a pool name
// given twice.
Result<domain::Site> read_site(const YAML::Node& node, const std::string& at);

// One pool for --print-config: "NAME (cpu 2, memory 4G, gpu 0, time none,
// arch x86_64, cost 0, energy 0, performance 0, filter_no_gpu_action
// false)".
std::string describe_pool(const domain::NodePool& pool);

// The node pool of the site when ryaxd.yaml sets no `node_pools`: "default",
// with this machine's cores (at least 1), physical memory (0 when unknown)
// and architecture (uname -m), no GPU, no time limit, scores 0.
domain::NodePool machine_pool();

} // namespace ryax::infra::config
