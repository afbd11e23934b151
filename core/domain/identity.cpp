#include "core/domain/identity.hpp"

#include <algorithm>
#include <cctype>

namespace ryax::domain {

namespace {

using O = Operation;
using S = Scope;

// The permission table. Every RPC of proto/ryax/v1/ (but the wrapper's,
// which is not the daemon's API) has one line; tests check that none is
// missing and that names are unique.
constexpr CallRule k_rules[] = {
  // daemon.proto
  { "Health", O::read, S::open },
  { "Shutdown", O::daemon, S::daemon },
  { "RaiseError", O::daemon, S::daemon },
  // action.proto
  { "AddRepository", O::code, S::project },
  { "ListRepositories", O::read, S::project },
  { "GetRepository", O::read, S::project },
  { "RemoveRepository", O::code, S::project },
  { "ScanRepository", O::code, S::project },
  { "ListActions", O::read, S::project },
  { "GetAction", O::read, S::project },
  { "RemoveAction", O::code, S::project },
  // build.proto
  { "BuildActions", O::code, S::project },
  { "GetBuild", O::read, S::project },
  { "CancelBuild", O::code, S::project },
  { "StreamBuildLog", O::read, S::project },
  // workflow.proto
  { "ValidateWorkflow", O::read, S::project },
  { "PushWorkflow", O::code, S::project },
  { "ListWorkflows", O::read, S::project },
  { "GetWorkflow", O::read, S::project },
  { "DeployWorkflow", O::deploy, S::project },
  { "UndeployWorkflow", O::deploy, S::project },
  { "RemoveWorkflow", O::code, S::project },
  { "ListWorkflowErrors", O::read, S::project },
  { "StreamTriggerLogs", O::read, S::project },
  // run.proto
  { "StartRun", O::run, S::project },
  { "GetRun", O::read, S::project },
  { "WatchRun", O::read, S::project },
  { "ListRuns", O::read, S::project },
  { "CancelRun", O::run, S::project },
  { "RemoveRun", O::run, S::project },
  { "StreamRunLogs", O::read, S::project },
  // event.proto: the caller's project's events and those of no project
  { "WatchEvents", O::read, S::project },
  { "ReadRunFile", O::read, S::project },
  // site.proto
  { "ListSites", O::read, S::daemon },
  { "GetSite", O::read, S::daemon },
  { "ListDeployments", O::read, S::project },
  { "GetDeployment", O::read, S::project },
  { "CreateJoinToken", O::daemon, S::daemon },
  { "RemoveSite", O::daemon, S::daemon },
  // agent.proto: authenticated by the worker's token or credential
  { "Connect", O::read, S::open },
  { "FetchBundle", O::read, S::open },
  // identity.proto
  { "WhoAmI", O::read, S::daemon },
  { "ListProjects", O::read, S::daemon },
  { "CreateProject", O::projects, S::daemon },
  { "UseProject", O::read, S::project },
  { "ListMembers", O::read, S::project },
  { "AddMember", O::projects, S::project },
  { "RemoveMember", O::projects, S::project },
  { "ListUsers", O::users, S::daemon },
  { "AddUser", O::users, S::daemon },
  { "RemoveUser", O::users, S::daemon },
  { "CreateToken", O::own_tokens, S::daemon },
  { "ListTokens", O::read, S::daemon },
  { "RevokeToken", O::own_tokens, S::daemon },
  { "Login", O::own_tokens, S::open },
  { "Logout", O::own_tokens, S::daemon },
  { "ListAudit", O::audit, S::daemon },
  // variable.proto
  { "SetVariable", O::code, S::project },
  { "ListVariables", O::read, S::project },
  { "GetVariable", O::read, S::project },
  { "RemoveVariable", O::code, S::project },
  // apikey.proto
  { "CreateApiKey", O::code, S::project },
  { "ListApiKeys", O::read, S::project },
  { "RevokeApiKey", O::code, S::project },
  { "SetApiKeysRequired", O::code, S::project },
  // accounting.proto: the service shows the caller's projects (all for an
  // admin), whatever the project of the call
  { "GetAccountingSummary", O::read, S::daemon },
};

constexpr std::string_view k_role_names[] = { "admin",
                                              "developer",
                                              "user",
                                              "operator" };

constexpr std::string_view k_operation_names[] = {
  "read",     "run",   "code",  "deploy", "own tokens",
  "projects", "users", "audit", "daemon"
};

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

} // namespace

std::string_view
to_string(Role role)
{
  return k_role_names[static_cast<std::size_t>(role)];
}

std::optional<Role>
parse_role(std::string_view text)
{
  for (const auto role : k_all_roles) {
    if (to_string(role) == text) {
      return role;
    }
  }
  return std::nullopt;
}

std::string_view
to_string(Operation operation)
{
  return k_operation_names[static_cast<std::size_t>(operation)];
}

std::span<const CallRule>
call_rules()
{
  return k_rules;
}

const CallRule*
call_rule(std::string_view method)
{
  for (const auto& rule : k_rules) {
    if (rule.method == method) {
      return &rule;
    }
  }
  return nullptr;
}

bool
role_allows(Role role, Operation operation)
{
  switch (operation) {
    case O::read:
    case O::run:
    case O::own_tokens:
      return true;
    case O::code:
      return role == Role::admin || role == Role::developer;
    case O::deploy:
      return role != Role::user;
    case O::projects:
    case O::users:
    case O::audit:
    case O::daemon:
      return role == Role::admin;
  }
  return false;
}

bool
Principal::member_of(std::string_view project) const
{
  return role == Role::admin
         || std::binary_search(projects.begin(), projects.end(), project);
}

Result<void>
authorize(const Principal& principal,
          std::string_view method,
          std::string_view project)
{
  const auto* rule = call_rule(method);
  if (rule == nullptr) {
    return fail(ErrorCode::permission_denied,
                "call " + quote(method) + " is not in the permission table");
  }
  if (rule->scope == S::open) {
    return {};
  }
  if (!role_allows(principal.role, rule->operation)) {
    return fail(ErrorCode::permission_denied,
                "user " + quote(principal.user) + " (role "
                  + std::string(to_string(principal.role)) + ") may not "
                  + std::string(to_string(rule->operation)) + " ("
                  + std::string(method) + ")");
  }
  if (rule->scope == S::project && !principal.member_of(project)) {
    return fail(ErrorCode::permission_denied,
                "user " + quote(principal.user) + " is not a member of project "
                  + quote(project));
  }
  return {};
}

std::string
in_project(std::string_view project)
{
  return project == k_default_project ? std::string()
                                      : " in project " + quote(project);
}

bool
changes_state(std::string_view method)
{
  for (const std::string_view prefix :
       { "Get", "List", "Watch", "Stream", "Read", "Validate", "WhoAmI",
         "Health" }) {
    if (method.starts_with(prefix)) {
      return false;
    }
  }
  return true;
}

bool
is_valid_name(std::string_view name)
{
  if (name.empty() || name.size() > 64
      || !std::isalnum(static_cast<unsigned char>(name.front()))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'
           || c == '.';
  });
}

} // namespace ryax::domain
