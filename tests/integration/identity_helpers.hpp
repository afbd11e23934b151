#pragma once

// Users and their tokens for integration tests: shared by the identity
// and the project isolation tests.

#include "tests/support/daemon_fixture.hpp"

#include "ryax/v1/identity.grpc.pb.h"
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace ryax::test {

inline std::shared_ptr<grpc::Channel>
channel_to(const DaemonFixture& d)
{
  return grpc::CreateChannel("unix:" + d.socket(),
                             grpc::InsecureChannelCredentials());
}

// A session token of `user` (who has `password`), by the Login call.
inline std::string
login(const DaemonFixture& d, const std::string& user,
      const std::string& password)
{
  auto stub = ryax::v1::IdentityService::NewStub(channel_to(d));
  grpc::ClientContext context;
  ryax::v1::LoginRequest request;
  request.set_user(user);
  request.set_password(password);
  ryax::v1::CreatedToken reply;
  const auto status = stub->Login(&context, request, &reply);
  REQUIRE_MESSAGE(status.ok(), status.error_message());
  return reply.token();
}

// Add `name` with `role` (and password "pw-<name>") as member of `project`.
inline void
add_user(const DaemonFixture& d, const std::string& name,
         const std::string& role, const std::string& project)
{
  const auto r = d.ryax({ "--project", project, "user", "add", name, "--role",
                          role, "--password-stdin" },
                        "pw-" + name + "\n");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

} // namespace ryax::test
