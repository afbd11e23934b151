#include "cli/completion/argument_kinds.hpp"

#include <algorithm>
#include <array>

namespace ryax::cli::completion {

namespace {

using enum ArgumentKind;

// The arguments that name something. A test reads this table through
// `ryax __complete --rules` and fails when a row names an argument that
// `ryax <command> --help` does not show.
constexpr std::array k_rules = {
  ArgumentRule{ "", "--socket", file },
  ArgumentRule{ "", "--ca-file", file },
  ArgumentRule{ "", "--project", project },
  ArgumentRule{ "daemon start", "--data-dir", directory },
  ArgumentRule{ "daemon start", "--config", file },
  ArgumentRule{ "daemon start", "--log-level", log_level },
  ArgumentRule{ "daemon start", "--log-file", file },
  ArgumentRule{ "repo add", "--ssh-key", file },
  ArgumentRule{ "repo show", "name", repository },
  ArgumentRule{ "repo rm", "name", repository },
  ArgumentRule{ "repo scan", "name", repository },
  ArgumentRule{ "action list", "--repo", repository },
  ArgumentRule{ "action list", "--kind", action_kind },
  ArgumentRule{ "action show", "ref", action },
  ArgumentRule{ "action rm", "ref", action },
  ArgumentRule{ "action init", "dir", directory },
  ArgumentRule{ "action test", "dir", directory },
  ArgumentRule{ "action build", "refs", action },
  ArgumentRule{ "action build", "--repo", repository },
  ArgumentRule{ "action build-log", "ref", action },
  ArgumentRule{ "action build-cancel", "ref", action },
  ArgumentRule{ "workflow validate", "file", file },
  ArgumentRule{ "workflow push", "file", file },
  ArgumentRule{ "workflow show", "id", workflow },
  ArgumentRule{ "workflow show", "--version", workflow_version },
  ArgumentRule{ "workflow export", "id", workflow },
  ArgumentRule{ "workflow export", "--version", workflow_version },
  ArgumentRule{ "workflow diff", "id", workflow },
  ArgumentRule{ "workflow diff", "file", file },
  ArgumentRule{ "workflow graph", "id", workflow },
  ArgumentRule{ "workflow graph", "--version", workflow_version },
  ArgumentRule{ "workflow deploy", "id", workflow },
  ArgumentRule{ "workflow deploy", "--version", workflow_version },
  ArgumentRule{ "workflow undeploy", "id", workflow },
  ArgumentRule{ "workflow rm", "id", workflow },
  ArgumentRule{ "workflow errors", "id", workflow },
  ArgumentRule{ "run", "workflow", workflow },
  ArgumentRule{ "run", "--input", trigger_input },
  ArgumentRule{ "run", "--file", trigger_file_input },
  ArgumentRule{ "runs list", "--workflow", workflow },
  ArgumentRule{ "runs list", "--status", run_status },
  ArgumentRule{ "runs show", "run", run },
  ArgumentRule{ "runs results", "run", run },
  ArgumentRule{ "runs results", "--download", directory },
  ArgumentRule{ "runs cancel", "run", run },
  ArgumentRule{ "runs rm", "run", run },
  ArgumentRule{ "logs", "run", run },
  ArgumentRule{ "logs", "--step", run_step },
  ArgumentRule{ "logs", "--trigger", workflow },
  ArgumentRule{ "site show", "site", site },
  ArgumentRule{ "site rm", "site", site },
  ArgumentRule{ "deployments list", "--workflow", workflow },
  ArgumentRule{ "deployments show", "deployment", deployment },
  ArgumentRule{ "project use", "name", project },
  ArgumentRule{ "variable show", "name", variable },
  ArgumentRule{ "variable rm", "name", variable },
  ArgumentRule{ "variable set", "--from-file", file },
  ArgumentRule{ "apikey revoke", "name", api_key },
  ArgumentRule{ "token revoke", "id", token },
  ArgumentRule{ "audit list", "--user", user },
  ArgumentRule{ "user rm", "name", user },
  ArgumentRule{ "project members add", "user", user },
  ArgumentRule{ "project members rm", "user", user },
  ArgumentRule{ "context use", "name", context },
  ArgumentRule{ "context rm", "name", context },
};

} // namespace

std::span<const ArgumentRule>
argument_rules()
{
  return k_rules;
}

ArgumentKind
kind_of(std::string_view command, std::string_view argument)
{
  const auto* found =
    std::find_if(k_rules.begin(), k_rules.end(), [&](const ArgumentRule& rule) {
      return rule.command == command && rule.argument == argument;
    });
  return found == k_rules.end() ? none : found->kind;
}

bool
from_daemon(ArgumentKind kind)
{
  switch (kind) {
    case none:
    case file:
    case directory:
    case run_status:
    case action_kind:
    case log_level:
    case context:
      return false;
    default:
      return true;
  }
}

std::string_view
kind_name(ArgumentKind kind)
{
  switch (kind) {
    case none:
      return "none";
    case file:
      return "file";
    case directory:
      return "directory";
    case workflow:
      return "workflow";
    case workflow_version:
      return "workflow-version";
    case action:
      return "action";
    case repository:
      return "repository";
    case site:
      return "site";
    case deployment:
      return "deployment";
    case run:
      return "run";
    case run_step:
      return "run-step";
    case trigger_file_input:
      return "trigger-file-input";
    case trigger_input:
      return "trigger-input";
    case run_status:
      return "run-status";
    case action_kind:
      return "action-kind";
    case log_level:
      return "log-level";
    case project:
      return "project";
    case variable:
      return "variable";
    case api_key:
      return "api-key";
    case token:
      return "token";
    case user:
      return "user";
    case context:
      return "context";
  }
  return "none";
}

} // namespace ryax::cli::completion
