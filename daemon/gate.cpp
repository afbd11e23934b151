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
  if (rule != nullptr && rule->scope == domain::Scope::project) {
    // An admin may act in any project, but only in one that exists.
    RYAX_TRY(m_identity.check_project(caller.project));
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
