#pragma once

#include "core/domain/action.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::domain {

// The state of one build job.
enum class BuildJobState { pending, building, built, error, cancelled };

// "pending", "building", "built", "error", "cancelled".
std::string_view to_string(BuildJobState state);

// Parse the spelling of to_string.
std::optional<BuildJobState> parse_build_job_state(std::string_view text);

// Is `state` final (built, error, cancelled)?
bool is_final(BuildJobState state);

// One request to build an action version, queued in the daemon.
struct BuildJob
{
  std::int64_t id = 0;
  std::string project = "default"; // the action's
  std::string action_id;
  std::string version;
  BuildJobState state = BuildJobState::pending;
  bool force = false;           // ignore the bundle cache
  bool cache_hit = false;       // the bundle existed: nothing was built
  std::int64_t queued_at = 0;   // Unix seconds
  std::int64_t started_at = 0;  // 0 until started
  std::int64_t finished_at = 0; // 0 until final
  int attempts = 0;             // > 1 when retried after a daemon restart
  std::string error;            // why it failed, one line
  std::string bundle_key;       // content key of the result
  std::vector<std::string> warnings;
};

// The content key of a build: the action's git tree id, its type and the
// toolchain that builds it (interpreter path and version, builder
// revision). Equal keys mean equal bundles: a cache hit.
std::string build_content_key(const std::string& tree_id, ActionType type,
                              const std::string& toolchain_fingerprint);

} // namespace ryax::domain
