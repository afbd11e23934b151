#pragma once

#include "core/application/run_service.hpp"

#include "ryax/v1/run.pb.h"

namespace ryax::daemon {

// `view` as the Run message: steps in workflow order, then branch order.
void to_proto(const app::RunView& view, v1::Run& out);

// `summary` as one line of ListRuns.
void to_proto(const app::RunSummary& summary, v1::RunSummary& out);

// `record` as one line of a log chunk.
void to_proto(const app::RunLogRecord& record, v1::RunLogLine& out);

// The StartRun request.
app::StartRunRequest from_proto(const v1::StartRunRequest& request);

// The filter of ListRuns. invalid_argument for an unknown state.
Result<app::RunFilter> from_proto(const v1::ListRunsRequest& request);

} // namespace ryax::daemon
