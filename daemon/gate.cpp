#include "daemon/gate.hpp"

#include <fmt/format.h>

namespace ryax::daemon {

namespace {

std::string_view
metadata(const grpc::ServerContext& context, std::string_view key)
{
  const auto& all = context.client_metadata();
  const auto it = all.find(grpc::string_ref(key.data(), key.size()));
  if (it == all.end()) {
    return {};
  }
  return { it->second.data(), it->second.size() };
}

// The token of "Bearer <token>", or the bare token Ryax clients also send.
std::string_view
bearer(std::string_view value)
{
  constexpr std::string_view k_scheme = "Bearer ";
  if (value.size() > k_scheme.size()
      && value.substr(0, k_scheme.size()) == k_scheme) {
    value.remove_prefix(k_scheme.size());
  }
  return value;
}

// The calls of project scope that act on the project itself rather than
// on what it holds.
bool
is_membership_call(std::string_view method)
{
  return method == "UseProject" || method == "ListMembers"
         || method == "AddMember" || method == "RemoveMember";
}

// The calls on project variables, scoped to their project from the start.
bool
is_variable_call(std::string_view method)
{
  return method == "SetVariable" || method == "ListVariables"
         || method == "GetVariable" || method == "RemoveVariable";
}

} // namespace

Result<Caller>
Gate::admit(const grpc::ServerContext* context, std::string_view method)
{
  if (context == nullptr) {
    return admit(std::string_view(), std::string_view(), method);
  }
  return admit(metadata(*context, "authorization"),
               metadata(*context, "ryax-project"),
               method);
}

Result<Caller>
Gate::admit(std::string_view authorization,
            std::string_view requested,
            std::string_view method)
{
  const auto* rule = domain::call_rule(method);
  Caller caller;
  if (rule != nullptr && rule->scope == domain::Scope::open) {
    // Nobody needs to be known; whoever is, is (an open call may say
    // more to them). A bad token is no refusal here.
    if (!authorization.empty()) {
      if (auto principal = m_identity.authenticate(bearer(authorization))) {
        caller.principal = std::move(*principal);
      }
    }
    return caller;
  }
  caller.token = std::string(bearer(authorization));
  auto principal = m_identity.authenticate(caller.token);
  if (!principal) {
    m_identity.record(app::AuditEntry{ 0,
                                       "",
                                       std::string(method),
                                       std::string(requested),
                                       "denied",
                                       principal.error().message });
    return std::unexpected(principal.error());
  }
  caller.principal = std::move(*principal);
  caller.project = m_identity.project_of(caller.principal, requested);
  if (auto allowed =
        domain::authorize(caller.principal, method, caller.project);
      !allowed) {
    m_identity.record(app::AuditEntry{ 0,
                                       caller.principal.user,
                                       std::string(method),
                                       caller.project,
                                       "denied",
                                       allowed.error().message });
    return std::unexpected(allowed.error());
  }
  // Repositories, actions, workflows, runs and deployments are not yet
  // scoped to projects: they all live in "default". Refuse to act on them
  // in another project rather than show them there.
  if (rule != nullptr && rule->scope == domain::Scope::project
      && caller.project != domain::k_default_project
      && !is_membership_call(method) && !is_variable_call(method)) {
    auto refused = fail(
      ErrorCode::failed_precondition,
      fmt::format("project \"{}\" holds no repositories, workflows or runs: "
                  "in this version they all live in project \"{}\" (use "
                  "--project {})",
                  caller.project, domain::k_default_project,
                  domain::k_default_project));
    m_identity.record(app::AuditEntry{ 0,
                                       caller.principal.user,
                                       std::string(method),
                                       caller.project,
                                       "denied",
                                       refused.error().message });
    return refused;
  }
  return caller;
}

void
Gate::ended(const Caller& caller,
            std::string_view method,
            const Result<void>& outcome)
{
  const auto* rule = domain::call_rule(method);
  if (rule == nullptr || rule->scope == domain::Scope::open
      || !domain::changes_state(method)
      || rule->operation == domain::Operation::run) {
    // Reads leave no trace; runs have their own history (ryax runs list).
    return;
  }
  m_identity.record(app::AuditEntry{
    0,
    caller.principal.user,
    std::string(method),
    rule->scope == domain::Scope::project ? caller.project : "",
    outcome ? "ok" : "error",
    outcome ? "" : outcome.error().message });
}

} // namespace ryax::daemon
