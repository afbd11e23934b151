#pragma once

#include "cli/client/client.hpp"
#include "cli/context.hpp"

#include "ryax/v1/run.pb.h"
#include <nlohmann/json.hpp>

#include <string>

// `ryax runs list [-w]` and `ryax runs show --watch`.
namespace ryax::cli {

struct RunListOptions
{
  std::string workflow;
  std::string status;
  std::string since;
  int limit = 0;
  bool limit_given = false;
  bool watch = false; // -w
};

// At most this many runs per list (ryaxd takes one more).
inline constexpr int k_max_run_limit = 10'000;

// `runs list`: the table (or documents), a note on stderr when the limit
// cut it; with `watch`, then a line per run that starts or changes, until
// Ctrl-C. Returns the exit code.
int run_list(Context& ctx, const RunListOptions& o);

// `runs show RUN --watch`: the run at each change (at most 5 a second)
// until it is final; on a terminal the screen is redrawn, otherwise each
// document follows the last (JSON: one per line).
Result<int> watch_run(Context& ctx, const Client& client, const v1::GetRunRequest& request);

} // namespace ryax::cli
