#pragma once

#include "core/application/ports/run_store.hpp"
#include "core/domain/error.hpp"

#include <string>

namespace ryax::app {

// How a user names a run (`runs show`, `logs`, `runs cancel`...), like git
// names a commit: its id, `@latest` (the newest run of `workflow_id`, or of
// the project when it is ""), or the start of its id, with or without
// "run-", when only one run of the project starts so. Returns the run's
// id. invalid_argument for a selector that cannot be an id or a prefix of
// several runs (naming a few); not_found for none, with a did-you-mean
// among the project's recent runs.
Result<std::string> resolve_run(RunStore& runs,
                                const std::string& project,
                                const std::string& selector,
                                const std::string& workflow_id = {});

} // namespace ryax::app
