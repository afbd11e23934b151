#pragma once

#include "core/domain/run.hpp"

#include <string_view>

// The daemon's metrics facade. Application code records what happened
// through these functions; the composition root installs a Recorder (the
// Prometheus registry in production, a capture in tests). Without one,
// every call is one atomic load.
namespace ryax::app::metrics {

// One step execution that ended with a result (or was lost with its site).
struct StepSample
{
  std::string_view project;
  std::string_view workflow;
  std::string_view action;   // the action's id
  std::string_view state;    // "done", "error" or "lost"
  double queue_seconds = -1; // ready to started; < 0 when unknown
  double run_seconds = -1;   // started to ended; < 0 when unknown
};

// Where metrics go. Implementations must be thread-safe and must not block
// for long: they are called with the runner's lock held.
class Recorder
{
public:
  virtual ~Recorder() = default;

  // Run `run` of `workflow` in `project` reached `state` (pending when it
  // is accepted).
  virtual void run_state(std::string_view project,
                         std::string_view workflow,
                         domain::RunState state) = 0;

  virtual void step_ended(const StepSample& sample) = 0;

  // A build ended in `state` ("built", "error", "cancelled") after
  // `seconds`.
  virtual void build_ended(std::string_view state, double seconds) = 0;

  // A gRPC call of `method` ended with status `code` ("OK",
  // "NOT_FOUND"...) after `seconds`.
  virtual void call_ended(std::string_view method,
                          std::string_view code,
                          double seconds) = 0;

  // The run journal wrote `writes` run changes in one commit of `seconds`.
  virtual void commit_ended(double seconds, int writes) = 0;

  // A request to a project's HTTP API (`route` is the pattern, not the
  // path) ended with `status` after `seconds`.
  virtual void http_request(std::string_view route,
                            std::string_view method,
                            std::string_view project,
                            int status,
                            double seconds) = 0;
};

// Install `recorder` (not owned; nullptr drops everything).
void set_recorder(Recorder* recorder);

// The recorder installed, or nullptr.
Recorder* recorder();

} // namespace ryax::app::metrics
