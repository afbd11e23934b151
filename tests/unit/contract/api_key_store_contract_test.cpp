// The ApiKeyStore contract: every test runs against the SQLite adapter and
// the in-memory one (tests/support/in_memory_api_key_store.hpp).

#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_api_key_store.hpp"
#include "tests/support/in_memory_api_key_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using ryax::ErrorCode;
using ryax::domain::ApiKey;

namespace {

struct SqliteKeys
{
  ryax::test::TempDir tmp;
  std::unique_ptr<ryax::infra::sqlite::Database> database =
    std::move(*ryax::infra::sqlite::Database::open(tmp / "ryax.db"));
  ryax::infra::sqlite::SqliteApiKeyStore adapter{ *database };
  ryax::app::ApiKeyStore&
  store()
  {
    return adapter;
  }
};

struct MemoryKeys
{
  ryax::test::InMemoryApiKeyStore adapter;
  ryax::app::ApiKeyStore&
  store()
  {
    return adapter;
  }
};

ApiKey
key(std::string project, std::string name, std::string hash)
{
  ApiKey k;
  k.project = std::move(project);
  k.name = std::move(name);
  k.prefix = "ryax_ak_" + hash.substr(0, 8);
  k.hash = std::move(hash);
  k.created_ms = 1'700'000'000'123;
  return k;
}

#define STORES SqliteKeys, MemoryKeys

} // namespace

TEST_SUITE_BEGIN("contract::ApiKeyStore");

TEST_CASE_TEMPLATE("keys read back equal, listed by name, found by hash",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  auto b = key("p", "b", "hash-b");
  b.expires_ms = 1'800'000'000'000;
  b.last_used_ms = 1'700'000'000'999;
  const auto a = key("p", "a", "hash-a");
  REQUIRE(s.add(b));
  REQUIRE(s.add(a));
  CHECK(s.list("p").value() == std::vector{ a, b });
  CHECK(s.count("p").value() == 2);
  CHECK(s.find_by_hash("p", "hash-b").value() == b);
  CHECK_FALSE(s.find_by_hash("p", "hash-c").value());
}

TEST_CASE_TEMPLATE("a name is taken once per project, revoked or not",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.add(key("p", "ci", "h1")));
  REQUIRE(s.revoke("p", "ci").value());
  const auto again = s.add(key("p", "ci", "h2"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::already_exists);
  CHECK(again.error().message ==
        "API key \"ci\" already exists in project \"p\"");
  CHECK(s.add(key("q", "ci", "h3")));
}

TEST_CASE_TEMPLATE("revoke marks the key and says whether there was one",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.add(key("p", "ci", "h1")));
  CHECK(s.revoke("p", "ci").value());
  CHECK(s.revoke("p", "ci").value());
  CHECK_FALSE(s.revoke("p", "nope").value());
  CHECK_FALSE(s.revoke("q", "ci").value());
  CHECK(s.find_by_hash("p", "h1").value()->revoked);
  CHECK(s.list("p").value().size() == 1);
}

TEST_CASE_TEMPLATE("a key is found only in its own project", F, STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.add(key("a", "k", "ha")));
  CHECK(s.find_by_hash("a", "ha").value());
  CHECK_FALSE(s.find_by_hash("b", "ha").value());
  CHECK(s.list("b").value().empty());
  CHECK(s.count("b").value() == 0);
}

TEST_CASE_TEMPLATE("touch records the last use of one key", F, STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.add(key("p", "a", "ha")));
  REQUIRE(s.add(key("p", "b", "hb")));
  REQUIRE(s.touch("p", "a", 42));
  REQUIRE(s.touch("p", "ghost", 43));
  CHECK(s.find_by_hash("p", "ha").value()->last_used_ms == 42);
  CHECK_FALSE(s.find_by_hash("p", "hb").value()->last_used_ms);
}

TEST_CASE_TEMPLATE("keys are not required until set, per project", F, STORES)
{
  F f;
  auto& s = f.store();
  CHECK_FALSE(s.keys_required("p").value());
  REQUIRE(s.set_keys_required("p", true));
  CHECK(s.keys_required("p").value());
  CHECK_FALSE(s.keys_required("q").value());
  REQUIRE(s.set_keys_required("p", false));
  CHECK_FALSE(s.keys_required("p").value());
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("infra::sqlite::SqliteApiKeyStore");

TEST_CASE("keys and the required flag survive reopening the database")
{
  ryax::test::TempDir tmp;
  {
    auto db = ryax::infra::sqlite::Database::open(tmp / "ryax.db");
    REQUIRE(db);
    ryax::infra::sqlite::SqliteApiKeyStore s{ **db };
    REQUIRE(s.add(key("p", "ci", "h1")));
    REQUIRE(s.set_keys_required("p", true));
  }
  auto db = ryax::infra::sqlite::Database::open(tmp / "ryax.db");
  REQUIRE(db);
  ryax::infra::sqlite::SqliteApiKeyStore s{ **db };
  CHECK(s.find_by_hash("p", "h1").value() == key("p", "ci", "h1"));
  CHECK(s.keys_required("p").value());
}

TEST_SUITE_END();
