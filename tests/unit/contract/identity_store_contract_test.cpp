// The IdentityStore contract: every test runs against the SQLite adapter
// and the in-memory one (tests/support/in_memory_identity_store.hpp).

#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_identity_store.hpp"
#include "tests/support/in_memory_identity_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using ryax::ErrorCode;
using ryax::app::AuditEntry;
using ryax::app::StoredToken;
using ryax::domain::Role;
using ryax::domain::User;

namespace {

struct SqliteIdentities
{
  ryax::test::TempDir tmp;
  std::unique_ptr<ryax::infra::sqlite::Database> database =
    std::move(*ryax::infra::sqlite::Database::open(tmp / "ryax.db"));
  ryax::infra::sqlite::SqliteIdentityStore adapter{ *database, 10 };
  ryax::app::IdentityStore& store() { return adapter; }
};

struct MemoryIdentities
{
  ryax::test::InMemoryIdentityStore adapter{ 10 };
  ryax::app::IdentityStore& store() { return adapter; }
};

User
user(std::string name, Role role = Role::user)
{
  User u;
  u.name = std::move(name);
  u.role = role;
  u.created_at = 1'700'000'000;
  return u;
}

StoredToken
token(std::string hash, std::string user, std::int64_t created_at)
{
  StoredToken t;
  t.id = hash.substr(0, 12);
  t.hash = std::move(hash);
  t.user = std::move(user);
  t.name = "ci";
  t.created_at = created_at;
  return t;
}

#define STORES SqliteIdentities, MemoryIdentities
// (Both keep the newest 10 audit lines.)

} // namespace

TEST_SUITE_BEGIN("contract::IdentityStore");

TEST_CASE_TEMPLATE("users: added once, updated, read back by name, "
                   "removed with their memberships and tokens",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  const auto g0 = s.generation();
  REQUIRE(s.add_user(user("bob"), "hash-b"));
  CHECK(s.generation() != g0);
  CHECK(s.add_user(user("bob"), "").error().code == ErrorCode::already_exists);
  auto alice = user("alice", Role::admin);
  alice.local_uid = 1000;
  REQUIRE(s.add_user(alice, ""));
  const auto users = s.users();
  REQUIRE(users->size() == 2);
  CHECK((*users)[0] == alice);
  CHECK(*s.password_hash("bob") == "hash-b");
  CHECK(*s.password_hash("alice") == "");
  CHECK(s.password_hash("ghost").error().code == ErrorCode::not_found);
  REQUIRE(s.set_password("alice", "hash-a"));
  CHECK(*s.password_hash("alice") == "hash-a");

  auto changed = user("bob", Role::developer);
  changed.current_project = "default";
  changed.local_uid = 7;
  REQUIRE(s.update_user(changed));
  CHECK((*s.users())[1] == changed);
  CHECK(s.update_user(user("ghost")).error().code == ErrorCode::not_found);

  REQUIRE(s.add_project({ "default", 1 }));
  REQUIRE(s.add_member("default", "bob"));
  REQUIRE(s.add_token(token(std::string(64, 'b'), "bob", 10)));
  REQUIRE(s.remove_user("bob"));
  CHECK(s.remove_user("bob").error().code == ErrorCode::not_found);
  CHECK(s.memberships()->empty());
  CHECK_FALSE(*s.token(std::string(64, 'b')));
}

TEST_CASE_TEMPLATE("projects and memberships", F, STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.add_project({ "b", 2 }));
  REQUIRE(s.add_project({ "a", 1 }));
  CHECK(s.add_project({ "a", 3 }).error().code == ErrorCode::already_exists);
  const auto projects = s.projects();
  REQUIRE(projects->size() == 2);
  CHECK((*projects)[0] == ryax::domain::Project{ "a", 1 });
  REQUIRE(s.add_user(user("u1"), ""));
  REQUIRE(s.add_user(user("u2"), ""));
  REQUIRE(s.add_member("b", "u2"));
  REQUIRE(s.add_member("a", "u2"));
  REQUIRE(s.add_member("a", "u1"));
  REQUIRE(s.add_member("a", "u1")); // again: nothing
  CHECK(s.add_member("c", "u1").error().code == ErrorCode::not_found);
  CHECK(s.add_member("a", "ghost").error().code == ErrorCode::not_found);
  using M = std::vector<std::pair<std::string, std::string>>;
  CHECK(*s.memberships() == M{ { "a", "u1" }, { "a", "u2" }, { "b", "u2" } });
  REQUIRE(s.remove_member("a", "u2"));
  REQUIRE(s.remove_member("a", "u2")); // none: nothing
  CHECK(*s.memberships() == M{ { "a", "u1" }, { "b", "u2" } });
}

TEST_CASE_TEMPLATE("tokens: by hash, newest first per user, revoked by "
                   "their owner only",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.add_user(user("u1"), ""));
  REQUIRE(s.add_user(user("u2"), ""));
  const auto a = token(std::string(64, 'a'), "u1", 10);
  const auto b = token(std::string(64, 'b'), "u1", 20);
  const auto c = token(std::string(64, 'c'), "u2", 15);
  for (const auto& t : { a, b, c }) {
    REQUIRE(s.add_token(t));
  }
  CHECK(s.add_token(a).error().code == ErrorCode::already_exists);
  CHECK(**s.token(a.hash) == a);
  CHECK_FALSE(*s.token(std::string(64, 'z')));
  const auto mine = s.tokens("u1");
  REQUIRE(mine->size() == 2);
  CHECK((*mine)[0] == b);
  CHECK((*mine)[1] == a);
  CHECK(s.tokens("")->size() == 3);
  CHECK(s.revoke_token("u2", a.id).error().code == ErrorCode::not_found);
  const auto before = s.generation();
  REQUIRE(s.revoke_token("u1", a.id));
  CHECK(s.generation() != before);
  CHECK((*s.token(a.hash))->revoked);
}

TEST_CASE_TEMPLATE("the audit log: newest first, by user, since, limited",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.append_audit(AuditEntry{ 100, "u1", "PushWorkflow", "default",
                                     "ok", "" }));
  REQUIRE(s.append_audit(AuditEntry{ 200, "", "ListRuns", "default",
                                     "denied", "no credentials" }));
  REQUIRE(s.append_audit(AuditEntry{ 200, "u1", "AddUser", "", "error",
                                     "bad name" }));
  const auto all = s.audit({});
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].method == "AddUser");
  CHECK((*all)[1].method == "ListRuns");
  CHECK((*all)[2] == AuditEntry{ 100, "u1", "PushWorkflow", "default", "ok",
                                 "" });
  CHECK(s.audit({ "u1", std::nullopt, 100 })->size() == 2);
  CHECK(s.audit({ "", 150, 100 })->size() == 2);
  CHECK(s.audit({ "", std::nullopt, 1 })->size() == 1);
  CHECK(s.audit({ "", std::nullopt, 0 }).error().code
        == ErrorCode::invalid_argument);
}

TEST_CASE_TEMPLATE("the audit log is bounded: the newest lines stay", F, STORES)
{
  F f;
  auto& s = f.store();
  for (int i = 1; i <= 25; ++i) {
    REQUIRE(s.append_audit(AuditEntry{ i, "u", "ListRuns", "default", "denied",
                                       std::to_string(i) }));
  }
  const auto kept = s.audit({ "", std::nullopt, 100 });
  REQUIRE(kept);
  REQUIRE(kept->size() == 10);
  CHECK(kept->front().detail == "25");
  CHECK(kept->back().detail == "16");
}

TEST_SUITE_END();
