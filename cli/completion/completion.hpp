#pragma once

#include "cli/context.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace ryax::cli::completion {

// The hidden command the completion scripts call:
//   ryax __complete bash|zsh|fish -- WORD... CURRENT
// WORD... are the words after `ryax` before the cursor, CURRENT the word
// under it ("" for a new one). It prints one candidate a line, starting with
// CURRENT: "VALUE" for bash, "VALUE<TAB>DESCRIPTION" for zsh and fish (no
// tab when there is no description). When the argument is a path it prints
// "::file" or "::dir" first, and the script completes paths. Any failure
// prints fewer candidates, never an error: it always exits 0.
// `ryax __complete --rules` prints the table of arguments that name
// something: "COMMAND<TAB>ARGUMENT<TAB>KIND" ("-" for the top level).
inline constexpr std::string_view k_complete_command = "__complete";

// How long the daemon may take to give names, counted from the start of
// complete(): past it the names are left out, so that with the start of the
// process a Tab never waits more than 200 ms.
inline constexpr int k_daemon_budget_ms = 120;

// `ryax completion bash|zsh|fish`: print the script of that shell.
void register_completion_command(CLI::App& app, Context& ctx);

// Run `ryax __complete ARGS...` against the commands of `root`; its exit
// code (0). Ends the process itself (std::_Exit after flushing stdout) when a
// daemon call was started, so that one still blocked cannot hold it.
int complete(CLI::App& root, const std::vector<std::string>& args);

// The completion script of `shell` ("bash", "zsh" or "fish"); "" for
// another name. The files in completions/ are these, written by
// `cmake --build build --target completions`.
std::string script(std::string_view shell);

} // namespace ryax::cli::completion
