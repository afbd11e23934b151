#pragma once

#include "cli/context.hpp"

namespace CLI {
class App;
}

namespace ryax::cli {

// Add `ryax runs list|show|results|cancel|rm` and `ryax logs` to `app`.
void register_runs_commands(CLI::App& app, Context& ctx);

} // namespace ryax::cli
