#pragma once

#include "core/application/identity_service.hpp"
#include "core/domain/identity.hpp"

#include <grpcpp/server_context.h>

#include <string>
#include <string_view>

namespace ryax::daemon {

// Who makes a call, once the gate admitted it.
struct Caller
{
  domain::Principal principal; // empty for an open call (Health, Login)
  std::string project;         // the project the call acts in
  std::string token;           // as presented (for Logout)
};

// The door every call goes through, in guarded(): who calls (the bearer
// token of the "authorization" metadata), in which project ("ryax-project",
// else the caller's current one), and whether the permission table lets
// it. Records refusals, and every call that may change something
// (domain::changes_state) but runs, in the audit log.
class Gate
{
public:
  explicit Gate(app::IdentityService& identity) : m_identity(identity) {}

  // The caller of `method` in `context` (its "authorization" and
  // "ryax-project" metadata; none when null). unauthenticated or
  // permission_denied naming what is missing (recorded in the audit log).
  Result<Caller> admit(const grpc::ServerContext* context,
                       std::string_view method);

  // The same from the metadata values: `authorization` ("Bearer <token>"
  // or the bare token), `project` ("" for the caller's current one).
  Result<Caller> admit(std::string_view authorization,
                       std::string_view project,
                       std::string_view method);

  // Record how the call of `method` by `caller` ended when the audit log
  // keeps it: every call that may change something, but open calls and
  // runs (which have their own history).
  void ended(const Caller& caller,
             std::string_view method,
             const Result<void>& outcome);

private:
  app::IdentityService& m_identity;
};

} // namespace ryax::daemon
