#pragma once

#include "cli/client/client.hpp"
#include "cli/context.hpp"

#include <functional>
#include <string>

namespace ryax::cli {

// Connect to the daemon (autostarting it when allowed) and run `body`, which
// returns the exit code or an error; an error is printed as one line and
// becomes its exit code.
int with_client(Context& ctx,
                const std::function<Result<int>(const Client& client)>& body);

// "2026-11-27 22:57" in local time for Unix seconds; "never" for 0.
std::string format_time(std::int64_t unix_seconds);

} // namespace ryax::cli
