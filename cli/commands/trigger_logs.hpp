#pragma once

#include "cli/context.hpp"

#include <string>

namespace ryax::cli {

// `ryax logs --trigger WORKFLOW [-f]`: print the trigger log of `workflow`
// (TIME ORIGIN LINE); with `follow`, until it is undeployed or the user
// interrupts. The exit code.
int trigger_logs(Context& ctx, const std::string& workflow, bool follow);

} // namespace ryax::cli
