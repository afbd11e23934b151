#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ryax::cli::completion {

// What an argument names, for completing its value.
enum class ArgumentKind
{
  none,               // nothing to offer beyond the option's own choices
  file,               // a path: the shell completes it
  directory,          // a directory: the shell completes it
  workflow,           // a workflow id (daemon)
  workflow_version,   // a version number of the workflow typed (daemon)
  action,             // ID or ID:VERSION of an action version (daemon)
  repository,         // a repository name (daemon)
  site,               // a site name (daemon)
  deployment,         // a deployment id WORKFLOW/ACTION (daemon)
  run,                // a run id, newest first (daemon)
  run_step,           // a step id of the run typed (daemon)
  trigger_input,      // NAME= of an input of the trigger of the workflow typed
  trigger_file_input, // NAME= of a file or directory input of that trigger
                      // (daemon) (daemon)
  run_status,         // a run state: pending, running, done, error, cancelled
  action_kind,        // processor, source or publisher
  log_level,          // trace, debug, info, warn, error, off
  project,            // a project name (daemon)
  variable,           // a variable name of the project (daemon)
  api_key,            // an API key name of the project (daemon)
  token,              // a token id of yours (daemon)
  user,               // a user name (daemon; admins only)
  context,            // a context name (the local contexts file)
};

// One row of the table of arguments that name something.
struct ArgumentRule
{
  std::string_view
    command; // path after `ryax`: "runs show"; "" for global options
  std::string_view
    argument; // positional name ("run") or long option ("--workflow")
  ArgumentKind kind;
};

// Every argument of `ryax` that names something, and what it names.
std::span<const ArgumentRule> argument_rules();

// The kind of `argument` of the command at `command` (see ArgumentRule);
// none when the table does not list it.
ArgumentKind kind_of(std::string_view command, std::string_view argument);

// Whether values of `kind` come from the daemon.
bool from_daemon(ArgumentKind kind);

// The name of `kind` as `ryax __complete --kinds` prints it ("workflow").
std::string_view kind_name(ArgumentKind kind);

} // namespace ryax::cli::completion
