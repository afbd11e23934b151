#pragma once

#include "cli/completion/argument_kinds.hpp"
#include "cli/completion/command_line.hpp"

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ryax::cli::completion {

// One completion: the text to insert and what it is (may be "").
struct Candidate
{
  std::string value;
  std::string description;
};

// What to complete for the word under the cursor of `line`.
struct Plan
{
  // Static candidates: subcommands, options, choices of the option
  // (CLI11 IsMember) and fixed values (run states).
  std::vector<Candidate> candidates;
  // The kind of the argument under the cursor; when from_daemon(kind) the
  // daemon adds its names to `candidates`; for file and directory the shell
  // completes paths.
  ArgumentKind kind = ArgumentKind::none;
};

// The plan for `line`: static candidates from the CLI11 tree and the kind of
// the argument from argument_rules(). Not filtered by the word typed.
Plan plan_for(const CommandLine& line);

// The values of `kind` the daemon holds, for `line` (the workflow typed for
// trigger_input and workflow_version, the run typed for run_step), with a
// one-line description each. Never starts a daemon; uses the --socket,
// --server, --ca-file and --project of `line`; empty when the daemon cannot
// be reached or refuses. Blocks: the caller bounds its time.
std::vector<Candidate> daemon_candidates(ArgumentKind kind,
                                         const CommandLine& line);

} // namespace ryax::cli::completion
