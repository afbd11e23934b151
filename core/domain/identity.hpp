#pragma once

#include "core/domain/error.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Who may call what: users, roles, projects and the one permission table of
// the daemon. Pure: the daemon's dispatcher asks authorize() before any
// handler runs.
namespace ryax::domain {

// What a user may do, everywhere it is a member (see role_allows).
enum class Role
{
  admin,     // everything, in every project
  developer, // code, deployments and runs of its projects
  user,      // runs and reading
  operator_, // deployments, sites and runs; no code
};

// Every role, in declaration order.
inline constexpr Role k_all_roles[] = { Role::admin,
                                        Role::developer,
                                        Role::user,
                                        Role::operator_ };

// "admin", "developer", "user", "operator".
std::string_view to_string(Role role);

// The role spelled `text`, or nullopt.
std::optional<Role> parse_role(std::string_view text);

// What a call does, for the permission table.
enum class Operation
{
  read,       // see a project's repositories, actions, builds, workflows,
              // runs, logs, files and deployments; the sites
  run,        // start, cancel and remove runs
  code,       // repositories, scans, builds, action removal, workflow push
              // and removal
  deploy,     // deploy and undeploy workflows
  own_tokens, // make and revoke one's own tokens; log out
  projects,   // create projects, add and remove their members
  users,      // add, change and remove users
  audit,      // read the audit log
  daemon,     // stop the daemon; test calls
};

// Every operation, in declaration order.
inline constexpr Operation k_all_operations[] = {
  Operation::read,     Operation::run,   Operation::code,
  Operation::deploy,   Operation::own_tokens, Operation::projects,
  Operation::users,    Operation::audit, Operation::daemon
};

// "read", "run", "code", "deploy", "own tokens", "projects", "users",
// "audit", "daemon".
std::string_view to_string(Operation operation);

// Where a call acts.
enum class Scope
{
  project, // in one project: members only (admins everywhere)
  daemon,  // on the daemon itself: the role alone decides
  open,    // before anyone is known (health, login): no check
};

// One RPC method of the gRPC API and what it is.
struct CallRule
{
  std::string_view method; // the method's name, unique across services
  Operation operation;
  Scope scope;
};

// The permission table: every RPC method. The dispatcher refuses a method
// missing from it.
std::span<const CallRule> call_rules();

// The rule of `method`, or nullptr.
const CallRule* call_rule(std::string_view method);

// The matrix: whether `role` may do `operation` (in projects it is a member
// of).
bool role_allows(Role role, Operation operation);

// A user as the daemon knows it.
struct User
{
  std::string name; // see is_valid_name
  Role role = Role::user;
  std::optional<std::uint32_t> local_uid; // the local account it is
  std::string current_project;            // "" for the default
  std::int64_t created_at = 0;            // Unix seconds

  bool operator==(const User&) const = default;
};

// A project: everything else belongs to one.
struct Project
{
  std::string name; // see is_valid_name
  std::int64_t created_at = 0;

  bool operator==(const Project&) const = default;
};

// Who is calling, once authenticated.
struct Principal
{
  std::string user;
  Role role = Role::user;
  // The projects it is a member of, sorted.
  std::vector<std::string> projects;
  // Its current project ("" for the default).
  std::string current_project;

  // Whether it is a member of `project` (admins are of every one).
  bool member_of(std::string_view project) const;
};

// Whether `principal` may call `method` in `project` (the project of the
// call: --project, else its current one). permission_denied naming the
// role and the operation ("role user may not code (workflow push)"), or
// the project it is not a member of; permission_denied too for a method
// the table lacks.
Result<void> authorize(const Principal& principal,
                       std::string_view method,
                       std::string_view project);

// Whether a call of `method` may change something (all but Get*, List*,
// Watch*, Stream*, Read*, Validate*, WhoAmI and Health): the audit log
// keeps those, and every refusal.
bool changes_state(std::string_view method);

// Whether `name` may name a user or a project: 1 to 64 ASCII letters,
// digits, '_', '-' or '.', starting with a letter or a digit.
bool is_valid_name(std::string_view name);

// The project of a fresh data dir, and of everything made before projects.
inline constexpr std::string_view k_default_project = "default";

// " in project \"P\"", to end a message about something of project P; ""
// for the default project, where most people never name one.
std::string in_project(std::string_view project);

// The admin a fresh data dir has: the local account that owns it.
inline constexpr std::string_view k_first_admin = "admin";

} // namespace ryax::domain
