#pragma once

#include "cli/client/client.hpp"
#include "core/domain/error.hpp"

#include "ryax/v1/run.pb.h"

#include <chrono>
#include <optional>
#include <string>

// Following a run to its end: `ryax run --wait`.
namespace ryax::cli {

// How to wait for a run.
struct WaitOptions
{
  // A line on stderr with the state and the steps done/total (a terminal
  // and not --quiet).
  bool progress = false;
  // When to give up; none waits for ever.
  std::optional<std::chrono::system_clock::time_point> deadline;
  // The --timeout text, for the message.
  std::string timeout_text;
  // Print the run's log lines on stderr while waiting (`--logs`); the
  // progress line is then left out.
  bool logs = false;
};

// Follow `run` with WatchRun until it is final and return it as it ended.
// Ctrl-C (or SIGTERM) meanwhile ends ryax with exit 130 and one line on
// stderr saying the run goes on and how to follow it.
// deadline_exceeded `run ID did not finish within TIMEOUT: it keeps
// running...` when the deadline passes first (the run is not cancelled);
// the errors of the call otherwise (unavailable when ryaxd goes away).
Result<v1::Run> wait_for_run(const Client& client,
                             const v1::Run& run,
                             const WaitOptions& options);

} // namespace ryax::cli
