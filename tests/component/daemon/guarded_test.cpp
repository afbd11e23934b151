#include "daemon/guarded.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/in_memory_identity_store.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using ryax::ErrorCode;
using ryax::Result;
using ryax::daemon::guarded;

namespace {

// A gate over in-memory identities; "Health" is an open call, so the
// bodies below run without a token.
struct Door
{
  ryax::test::InMemoryIdentityStore store;
  ryax::test::FastIdentityCrypto crypto;
  ryax::test::ManualClock clock;
  ryax::app::IdentityService identity{ store, crypto, clock };
  ryax::daemon::Gate gate{ identity };
  grpc::ServerContext context;

  template<typename Body>
  grpc::Status call(std::string_view method, Body&& body)
  {
    return guarded(gate, &context, method, std::forward<Body>(body));
  }
};

} // namespace

TEST_SUITE_BEGIN("daemon::guarded");

TEST_CASE("a handler's error becomes the status of its code, with its message")
{
  Door door;
  const auto status = door.call("Health", []() -> Result<void> {
    return ryax::fail(ErrorCode::not_found, "workflow \"x\" not found");
  });
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(status.error_message() == "workflow \"x\" not found");
  CHECK(door.call("Health", []() -> Result<void> { return {}; }).ok());
}

TEST_CASE("any exception in a handler is an INTERNAL status, never a crash")
{
  Door door;
  const auto thrown = door.call("Health", []() -> Result<void> {
    throw std::runtime_error("boom");
  });
  CHECK(thrown.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(thrown.error_message() == "internal error: boom");
  const auto odd = door.call("Health", []() -> Result<void> { throw 42; });
  CHECK(odd.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(odd.error_message() == "internal error: unknown exception");
}

TEST_CASE("a call without a token never reaches its handler")
{
  Door door;
  bool ran = false;
  const auto status = door.call("ListWorkflows", [&]() -> Result<void> {
    ran = true;
    return {};
  });
  CHECK_FALSE(ran);
  CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  auto audit = door.identity.audit({});
  REQUIRE(audit);
  REQUIRE(audit->size() == 1);
  CHECK((*audit)[0].method == "ListWorkflows");
  CHECK((*audit)[0].outcome == "denied");
}

TEST_CASE("a method missing from the permission table is refused")
{
  Door door;
  bool ran = false;
  const auto status = door.call("NoSuchCall", [&]() -> Result<void> {
    ran = true;
    return {};
  });
  CHECK_FALSE(ran);
  CHECK_FALSE(status.ok());
}

TEST_SUITE_END();
