// IdentityService on in-memory ports: tokens, local accounts, logins,
// users, projects and the audit log, without a daemon.

#include "core/application/identity_service.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/in_memory_identity_store.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using ryax::ErrorCode;
using ryax::app::AddUser;
using ryax::domain::Role;

namespace {

constexpr std::uint32_t k_owner = 1000;

struct Identities
{
  ryax::test::InMemoryIdentityStore store;
  ryax::test::FastIdentityCrypto crypto;
  ryax::test::ManualClock clock;
  ryax::app::IdentityService service{ store, crypto, clock };

  Identities() { REQUIRE(service.bootstrap(k_owner)); }

  ryax::domain::Principal as(const std::string& user)
  {
    auto token = service.create_token(
      ryax::domain::Principal{ user, Role::user, {}, "" }, "t", 0s);
    REQUIRE(token);
    auto principal = service.authenticate(token->token);
    REQUIRE(principal);
    return *principal;
  }

  void add(const std::string& name, Role role,
           std::optional<std::uint32_t> uid = std::nullopt,
           std::string password = "")
  {
    REQUIRE(service.add_user(AddUser{ name, role, uid, std::move(password) }));
  }
};

} // namespace

TEST_SUITE_BEGIN("app::IdentityService");

TEST_CASE("a fresh data dir has project default and one admin, the owner "
          "of the data dir, bootstrapping again changes nothing")
{
  Identities f;
  REQUIRE(f.service.bootstrap(k_owner));
  const auto users = f.service.users();
  REQUIRE(users);
  REQUIRE(users->size() == 1);
  CHECK((*users)[0].name == "admin");
  CHECK((*users)[0].role == Role::admin);
  CHECK((*users)[0].local_uid == k_owner);
  const auto members = f.service.members("default");
  REQUIRE(members);
  CHECK(*members == std::vector<std::string>{ "admin" });
}

TEST_CASE("local accounts: the owner gets a token, an unmapped uid is "
          "refused with how to map it, a mapped one gets its user")
{
  Identities f;
  const auto token = f.service.local_token(k_owner);
  REQUIRE(token);
  const auto admin = f.service.authenticate(*token);
  REQUIRE(admin);
  CHECK(admin->user == "admin");

  const auto stranger = f.service.local_token(2000);
  REQUIRE_FALSE(stranger);
  CHECK(stranger.error().code == ErrorCode::permission_denied);
  CHECK(stranger.error().message.find("ryax user add NAME --role ROLE "
                                      "--local-uid 2000")
        != std::string::npos);

  f.add("bob", Role::user, 2000);
  const auto bob = f.service.local_token(2000);
  REQUIRE(bob);
  CHECK(f.service.authenticate(*bob)->user == "bob");
  // Two users cannot be one account.
  const auto twice = f.service.add_user(AddUser{ "eve", Role::user, 2000, "" });
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::already_exists);
}

TEST_CASE("local tokens: tampered, from another daemon, or expired are "
          "refused")
{
  Identities f;
  auto token = *f.service.local_token(k_owner);
  auto tampered = token;
  tampered[tampered.size() - 1] = tampered.back() == '0' ? '1' : '0';
  CHECK(f.service.authenticate(tampered).error().code
        == ErrorCode::unauthenticated);
  // Another daemon signs with another key.
  ryax::test::InMemoryIdentityStore other_store;
  ryax::app::IdentityService other{ other_store, f.crypto, f.clock };
  REQUIRE(other.bootstrap(k_owner));
  CHECK_FALSE(other.authenticate(token));
  f.clock.advance_ms(12LL * 3600 * 1000 + 1);
  const auto expired = f.service.authenticate(token);
  REQUIRE_FALSE(expired);
  CHECK(expired.error().message == "local token expired: retry");
  CHECK_FALSE(f.service.authenticate("ryaxl_garbage"));
  CHECK_FALSE(f.service.authenticate("something else"));
  CHECK(f.service.authenticate("").error().message.starts_with(
    "no credentials"));
}

TEST_CASE("personal tokens: stored as a digest, expire, revoked by id, and "
          "gone with their user")
{
  Identities f;
  f.add("bob", Role::developer);
  const ryax::domain::Principal bob{ "bob", Role::developer, {}, "" };
  const auto made = f.service.create_token(bob, "ci", 3600s);
  REQUIRE(made);
  CHECK(made->token.starts_with("ryax_"));
  const auto stored = f.store.tokens("bob");
  REQUIRE(stored->size() == 1);
  CHECK((*stored)[0].hash != made->token);
  CHECK(made->token.find((*stored)[0].hash) == std::string::npos);
  CHECK(f.service.authenticate(made->token)->user == "bob");

  f.clock.advance_ms(3601 * 1000);
  const auto expired = f.service.authenticate(made->token);
  REQUIRE_FALSE(expired);
  CHECK(expired.error().message == "token " + made->stored.id + " expired");

  const auto forever = f.service.create_token(bob, "forever", 0s);
  REQUIRE(forever);
  CHECK(forever->stored.expires_at == 0);
  REQUIRE(f.service.revoke_token(bob, forever->stored.id));
  CHECK(f.service.authenticate(forever->token).error().message
        == "token " + forever->stored.id + " was revoked");
  // One cannot revoke another's token.
  const auto mine = f.service.create_token(bob, "mine", 0s);
  const ryax::domain::Principal eve{ "eve", Role::user, {}, "" };
  CHECK(f.service.revoke_token(eve, mine->stored.id).error().code
        == ErrorCode::not_found);
  // A user removed mid-session: its tokens stop working at once.
  REQUIRE(f.service.authenticate(mine->token));
  REQUIRE(f.service.remove_user("bob"));
  CHECK_FALSE(f.service.authenticate(mine->token));
}

TEST_CASE("login: a password checked against its slow hash, the same "
          "message for a wrong user or password, a delay after 5 failures, "
          "and an audit line without the password")
{
  Identities f;
  f.add("bob", Role::user, std::nullopt, "s3cret pass");
  f.add("nopass", Role::user);
  const auto ok = f.service.login("bob", "s3cret pass", 3600s);
  REQUIRE(ok);
  CHECK(ok->stored.kind == ryax::app::TokenKind::session);
  CHECK(f.service.authenticate(ok->token)->user == "bob");
  REQUIRE(f.service.logout(ok->token));
  CHECK_FALSE(f.service.authenticate(ok->token));

  const auto wrong = f.service.login("bob", "nope", 3600s);
  const auto nobody = f.service.login("ghost", "nope", 3600s);
  const auto no_password = f.service.login("nopass", "", 3600s);
  CHECK(wrong.error().message == "wrong user or password");
  CHECK(nobody.error().message == "wrong user or password");
  CHECK(no_password.error().message == "wrong user or password");

  for (int i = 0; i < 4; ++i) {
    CHECK_FALSE(f.service.login("bob", "nope", 3600s));
  }
  // Five failures: even the right password waits.
  const auto throttled = f.service.login("bob", "s3cret pass", 3600s);
  REQUIRE_FALSE(throttled);
  CHECK(throttled.error().message.starts_with("too many failed logins"));
  f.clock.advance_ms(1001);
  CHECK(f.service.login("bob", "s3cret pass", 3600s));

  const auto audit = f.service.audit({ "bob", std::nullopt, 100 });
  REQUIRE(audit);
  REQUIRE(audit->size() == 6); // 5 wrong passwords, 1 throttled
  for (const auto& entry : *audit) {
    CHECK(entry.outcome == "denied");
    CHECK(entry.method == "Login");
    CHECK(entry.detail.find("nope") == std::string::npos);
  }
  // A personal token is not a session.
  const auto personal = f.service.create_token(
    { "bob", Role::user, {}, "" }, "ci", 0s);
  CHECK(f.service.logout(personal->token).error().code
        == ErrorCode::unauthenticated);
}

TEST_CASE("the last admin stays")
{
  Identities f;
  const auto last = f.service.remove_user("admin");
  REQUIRE_FALSE(last);
  CHECK(last.error().code == ErrorCode::failed_precondition);
  f.add("root2", Role::admin);
  CHECK(f.service.remove_user("admin"));
  CHECK_FALSE(f.service.remove_user("root2"));
}

TEST_CASE("projects: names checked, members by project, the current "
          "project chosen per user, and what each principal sees")
{
  Identities f;
  CHECK(f.service.create_project("bad name").error().code
        == ErrorCode::invalid_argument);
  REQUIRE(f.service.create_project("team-a"));
  CHECK(f.service.create_project("team-a").error().code
        == ErrorCode::already_exists);
  f.add("bob", Role::developer);
  REQUIRE(f.service.add_member("team-a", "bob"));
  CHECK(f.service.add_member("team-b", "bob").error().code
        == ErrorCode::not_found);
  CHECK(*f.service.members("team-a") == std::vector<std::string>{ "bob" });
  const auto typo = f.service.members("team-b");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message.find("did you mean \"team-a\"")
        != std::string::npos);

  auto bob = f.as("bob");
  CHECK(bob.projects == std::vector<std::string>{ "team-a" });
  // No current project, no membership of "default": its first project.
  CHECK(f.service.project_of(bob, "") == "team-a");
  CHECK(f.service.project_of(f.as("admin"), "") == "default");
  CHECK(f.service.check_project("team-a"));
  const auto missing = f.service.check_project("team-z");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find("ryax project create team-z")
        != std::string::npos);
  REQUIRE(f.service.use_project(bob, "team-a"));
  bob = f.as("bob");
  CHECK(f.service.project_of(bob, "") == "team-a");
  CHECK(f.service.project_of(bob, "other") == "other");
  CHECK(f.service.use_project(bob, "nope").error().code
        == ErrorCode::not_found);

  const auto seen = f.service.projects(bob);
  REQUIRE(seen->size() == 1);
  CHECK((*seen)[0].name == "team-a");
  CHECK(f.service.projects(f.as("admin"))->size() == 2);

  // A member removed mid-session loses the project at its next call.
  REQUIRE(f.service.remove_member("team-a", "bob"));
  CHECK(f.as("bob").projects.empty());
  CHECK(f.service.remove_member("team-a", "bob").error().code
        == ErrorCode::not_found);
}

TEST_CASE("user names and token names are checked")
{
  Identities f;
  CHECK(f.service.add_user(AddUser{ "../x", Role::user, std::nullopt, "" })
          .error()
          .code
        == ErrorCode::invalid_argument);
  CHECK(f.service.create_token({ "admin", Role::admin, {}, "" }, "a b", 0s)
          .error()
          .code
        == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
