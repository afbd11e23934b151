#include "daemon/services/identity_service_impl.hpp"

#include "daemon/guarded.hpp"

#include <fmt/format.h>

#include <chrono>

namespace ryax::daemon {

namespace {

constexpr auto k_session_lifetime = std::chrono::hours(24 * 30);

void
to_proto(const app::StoredToken& token, v1::Token& out)
{
  out.set_id(token.id);
  out.set_user(token.user);
  out.set_name(token.name);
  out.set_kind(std::string(app::to_string(token.kind)));
  out.set_created_at(token.created_at);
  out.set_expires_at(token.expires_at);
  out.set_revoked(token.revoked);
}

void
to_proto(const app::NewToken& token, v1::CreatedToken& out)
{
  out.set_token(token.token);
  to_proto(token.stored, *out.mutable_info());
}

void
to_proto(const Caller& caller, v1::WhoAmIReply& out)
{
  const auto& p = caller.principal;
  out.set_user(p.user);
  out.set_role(std::string(domain::to_string(p.role)));
  for (const auto& project : p.projects) {
    out.add_projects(project);
  }
  out.set_current_project(p.current_project);
  out.set_project(caller.project);
}

Result<void>
members_to_proto(app::IdentityService& identity,
                 const std::string& project,
                 v1::ListMembersReply& out)
{
  RYAX_TRY_ASSIGN(const auto users, identity.members(project));
  out.set_project(project);
  for (const auto& user : users) {
    out.add_users(user);
  }
  return {};
}

Result<std::chrono::seconds>
lifetime(std::int64_t seconds)
{
  if (seconds < 0 || seconds > 10LL * 365 * 24 * 3600) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("a token lifetime of {} s is out of range (0 for "
                            "never, at most 10 years)",
                            seconds));
  }
  return std::chrono::seconds(seconds);
}

} // namespace

IdentityServiceImpl::IdentityServiceImpl(Gate& gate,
                                         app::IdentityService& identity)
  : m_gate(gate)
  , m_identity(identity)
{
}

grpc::Status
IdentityServiceImpl::WhoAmI(grpc::ServerContext* context,
                            const v1::WhoAmIRequest*,
                            v1::WhoAmIReply* reply)
{
  return guarded(m_gate, context, "WhoAmI", [&](const Caller& caller) -> Result<void> {
    to_proto(caller, *reply);
    return {};
  });
}

grpc::Status
IdentityServiceImpl::ListProjects(grpc::ServerContext* context,
                                  const v1::ListProjectsRequest*,
                                  v1::ListProjectsReply* reply)
{
  return guarded(m_gate, context, "ListProjects", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto projects, m_identity.projects(caller.principal));
    for (const auto& project : projects) {
      auto& p = *reply->add_projects();
      p.set_name(project.name);
      p.set_created_at(project.created_at);
    }
    return {};
  });
}

grpc::Status
IdentityServiceImpl::CreateProject(grpc::ServerContext* context,
                                   const v1::CreateProjectRequest* request,
                                   v1::Project* reply)
{
  return guarded(m_gate, context, "CreateProject", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto project, m_identity.create_project(request->name()));
    reply->set_name(project.name);
    reply->set_created_at(project.created_at);
    return {};
  });
}

grpc::Status
IdentityServiceImpl::UseProject(grpc::ServerContext* context,
                                const v1::UseProjectRequest*,
                                v1::WhoAmIReply* reply)
{
  return guarded(m_gate, context, "UseProject", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY(m_identity.use_project(caller.principal, caller.project));
    auto used = caller;
    used.principal.current_project = caller.project;
    to_proto(used, *reply);
    return {};
  });
}

grpc::Status
IdentityServiceImpl::ListMembers(grpc::ServerContext* context,
                                 const v1::ListMembersRequest*,
                                 v1::ListMembersReply* reply)
{
  return guarded(m_gate, context, "ListMembers", [&](const Caller& caller) -> Result<void> {
    return members_to_proto(m_identity, caller.project, *reply);
  });
}

grpc::Status
IdentityServiceImpl::AddMember(grpc::ServerContext* context,
                               const v1::MemberRequest* request,
                               v1::ListMembersReply* reply)
{
  return guarded(m_gate, context, "AddMember", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY(m_identity.add_member(caller.project, request->user()));
    return members_to_proto(m_identity, caller.project, *reply);
  });
}

grpc::Status
IdentityServiceImpl::RemoveMember(grpc::ServerContext* context,
                                  const v1::MemberRequest* request,
                                  v1::ListMembersReply* reply)
{
  return guarded(m_gate, context, "RemoveMember", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY(m_identity.remove_member(caller.project, request->user()));
    return members_to_proto(m_identity, caller.project, *reply);
  });
}

grpc::Status
IdentityServiceImpl::ListUsers(grpc::ServerContext* context,
                               const v1::ListUsersRequest*,
                               v1::ListUsersReply* reply)
{
  return guarded(m_gate, context, "ListUsers", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto users, m_identity.users());
    RYAX_TRY_ASSIGN(const auto memberships, m_identity.memberships());
    for (const auto& user : users) {
      auto& u = *reply->add_users();
      u.set_name(user.name);
      u.set_role(std::string(domain::to_string(user.role)));
      u.set_has_local_uid(user.local_uid.has_value());
      u.set_local_uid(user.local_uid.value_or(0));
      u.set_current_project(user.current_project);
      u.set_created_at(user.created_at);
      for (const auto& [project, member] : memberships) {
        if (member == user.name) {
          u.add_projects(project);
        }
      }
    }
    return {};
  });
}

grpc::Status
IdentityServiceImpl::AddUser(grpc::ServerContext* context,
                             const v1::AddUserRequest* request,
                             v1::User* reply)
{
  return guarded(m_gate, context, "AddUser", [&](const Caller& caller) -> Result<void> {
    app::AddUser add;
    add.name = request->name();
    const auto role = domain::parse_role(request->role());
    if (!role) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("unknown role \"{}\" (one of admin, developer, "
                              "user, operator)",
                              request->role()));
    }
    add.role = *role;
    if (request->has_local_uid()) {
      if (request->local_uid() < 0 || request->local_uid() > 0xfffffffeLL) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("local uid {} is out of range",
                                request->local_uid()));
      }
      add.local_uid = static_cast<std::uint32_t>(request->local_uid());
    }
    add.password = request->password();
    RYAX_TRY(m_identity.members(caller.project)); // the project exists
    RYAX_TRY_ASSIGN(const auto user, m_identity.add_user(add));
    // A member of the project of the call (--project, else the admin's).
    RYAX_TRY(m_identity.add_member(caller.project, user.name));
    reply->add_projects(caller.project);
    reply->set_name(user.name);
    reply->set_role(std::string(domain::to_string(user.role)));
    reply->set_has_local_uid(user.local_uid.has_value());
    reply->set_local_uid(user.local_uid.value_or(0));
    reply->set_created_at(user.created_at);
    return {};
  });
}

grpc::Status
IdentityServiceImpl::RemoveUser(grpc::ServerContext* context,
                                const v1::RemoveUserRequest* request,
                                v1::RemoveUserReply*)
{
  return guarded(m_gate, context, "RemoveUser", [&]() -> Result<void> {
    return m_identity.remove_user(request->name());
  });
}

grpc::Status
IdentityServiceImpl::CreateToken(grpc::ServerContext* context,
                                 const v1::CreateTokenRequest* request,
                                 v1::CreatedToken* reply)
{
  return guarded(m_gate, context, "CreateToken", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto seconds, lifetime(request->lifetime_seconds()));
    RYAX_TRY_ASSIGN(const auto token,
                    m_identity.create_token(caller.principal, request->name(), seconds));
    to_proto(token, *reply);
    return {};
  });
}

grpc::Status
IdentityServiceImpl::ListTokens(grpc::ServerContext* context,
                                const v1::ListTokensRequest* request,
                                v1::ListTokensReply* reply)
{
  return guarded(m_gate, context, "ListTokens", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto tokens, m_identity.tokens(caller.principal, request->all()));
    for (const auto& token : tokens) {
      to_proto(token, *reply->add_tokens());
    }
    return {};
  });
}

grpc::Status
IdentityServiceImpl::RevokeToken(grpc::ServerContext* context,
                                 const v1::RevokeTokenRequest* request,
                                 v1::RevokeTokenReply*)
{
  return guarded(m_gate, context, "RevokeToken", [&](const Caller& caller) -> Result<void> {
    return m_identity.revoke_token(caller.principal, request->id());
  });
}

grpc::Status
IdentityServiceImpl::Login(grpc::ServerContext* context,
                           const v1::LoginRequest* request,
                           v1::CreatedToken* reply)
{
  return guarded(m_gate, context, "Login", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(auto seconds, lifetime(request->lifetime_seconds()));
    if (seconds.count() == 0) {
      seconds = k_session_lifetime;
    }
    RYAX_TRY_ASSIGN(const auto token,
                    m_identity.login(request->user(), request->password(), seconds));
    to_proto(token, *reply);
    return {};
  });
}

grpc::Status
IdentityServiceImpl::Logout(grpc::ServerContext* context,
                            const v1::LogoutRequest*,
                            v1::LogoutReply*)
{
  return guarded(m_gate, context, "Logout", [&](const Caller& caller) -> Result<void> {
    return m_identity.logout(caller.token);
  });
}

grpc::Status
IdentityServiceImpl::ListAudit(grpc::ServerContext* context,
                               const v1::ListAuditRequest* request,
                               v1::ListAuditReply* reply)
{
  return guarded(m_gate, context, "ListAudit", [&]() -> Result<void> {
    app::AuditFilter filter;
    filter.user = request->user();
    if (request->since_ms() > 0) {
      filter.since_ms = request->since_ms();
    }
    if (request->limit() > 0) {
      filter.limit = request->limit();
    }
    RYAX_TRY_ASSIGN(const auto entries, m_identity.audit(filter));
    for (const auto& entry : entries) {
      auto& e = *reply->add_entries();
      e.set_at_ms(entry.at_ms);
      e.set_user(entry.user);
      e.set_method(entry.method);
      e.set_project(entry.project);
      e.set_outcome(entry.outcome);
      e.set_detail(entry.detail);
    }
    return {};
  });
}

} // namespace ryax::daemon
