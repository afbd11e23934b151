#pragma once

#include "cli/context.hpp"
#include "core/domain/error.hpp"

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ryax::v1 {
class WorkflowSource;
}

namespace ryax::cli {

// `ryax action lint [DIR...]`, added to the `action` noun: validate the
// actions of working trees with the parser and messages of `ryax repo
// scan`, without a daemon.
void register_lint_command(CLI::App& action, Context& ctx);

// `ryax workflow validate --offline FILE [--actions DIR]...`: validate
// `source` (FILE as read for the daemon) against the valid actions of the
// working trees `action_dirs` ("." when empty) with the daemon's workflow
// validation, the build of actions aside. The exit code: 0 when valid, 5
// with every problem printed otherwise.
int validate_offline(Context& ctx, const std::string& file,
                     const v1::WorkflowSource& source,
                     const std::vector<std::string>& action_dirs);

} // namespace ryax::cli
