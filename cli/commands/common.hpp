#pragma once

#include "cli/client/client.hpp"
#include "cli/context.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace ryax::cli {

// The most one file read to be sent to the daemon may hold (a workflow
// file, a static file, an uploaded file): ryaxd takes messages up to
// 512 MiB.
inline constexpr std::uint64_t k_max_upload_bytes = std::uint64_t{ 512 } << 20;

// Connect to the daemon (autostarting it when allowed) and run `body`, which
// returns the exit code or an error; an error is printed as one line and
// becomes its exit code.
int with_client(Context& ctx,
                const std::function<Result<int>(const Client& client)>& body);

// "2026-11-27 22:57" in local time for Unix seconds; "never" for 0.
std::string format_time(std::int64_t unix_seconds);

// Print `error` and return its exit code: for checks made before the
// daemon is reached, so that a bad flag never autostarts it.
int fail_early(Context& ctx, const Error& error);

// Now, in milliseconds since the Unix epoch.
std::int64_t now_ms();

// Whether to go on with a destructive change of many objects: yes with
// `yes` (--yes) or when standard input or error is not a terminal (scripts
// are never asked); otherwise `question` is asked on the terminal
// ("... [y/N] ") and only y or yes goes on.
bool confirmed(const std::string& question, bool yes);

// A secret given on standard input for `flag` (--password-stdin): what was
// read, without its final newline. invalid_argument naming the flag when
// nothing (or more than 64 KiB) was read.
Result<std::string> read_secret_stdin(const std::string& flag);

} // namespace ryax::cli
