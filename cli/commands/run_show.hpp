#pragma once

#include "ryax/v1/run.pb.h"
#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>

namespace ryax::cli {

// Print `run` for people (`ryax runs show`): its header fields, one row per
// step execution (STEP, BRANCH, ACTION, STATE, ATTEMPT, DURATION,
// PLACEMENT), each reached execution's inputs, outputs and error, the
// run's error with its traceback, then its results. `doc` is run_json(run);
// `now_ms` dates what still runs; headers in bold when `color`.
void print_run(std::ostream& out,
               const v1::Run& run,
               const nlohmann::json& doc,
               std::int64_t now_ms,
               bool color);

} // namespace ryax::cli
