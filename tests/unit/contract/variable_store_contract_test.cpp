// The VariableStore contract: every test runs against the SQLite adapter
// and the in-memory one (tests/support/in_memory_variable_store.hpp).

#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"
#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_variable_store.hpp"
#include "tests/support/in_memory_variable_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using ryax::domain::IoType;
using ryax::domain::Secret;
using ryax::domain::Value;
using ryax::domain::Variable;

namespace {

struct SqliteVariables
{
  ryax::test::TempDir tmp;
  std::unique_ptr<ryax::infra::sqlite::Database> database =
    std::move(*ryax::infra::sqlite::Database::open(tmp / "ryax.db"));
  ryax::infra::crypto::AesGcmSecretBox box{ ryax::infra::crypto::EncryptionKey{
    9 } };
  ryax::infra::sqlite::SqliteVariableStore adapter{ *database, box };
  ryax::app::VariableStore&
  store()
  {
    return adapter;
  }
};

struct MemoryVariables
{
  ryax::test::InMemoryVariableStore adapter;
  ryax::app::VariableStore&
  store()
  {
    return adapter;
  }
};

Variable
variable(std::string project, std::string name, IoType type, Value value)
{
  Variable v;
  v.project = std::move(project);
  v.name = std::move(name);
  v.type = type;
  v.description = "about " + v.name;
  v.value = std::move(value);
  v.updated_at = 1'700'000'000;
  return v;
}

#define STORES SqliteVariables, MemoryVariables

} // namespace

TEST_SUITE_BEGIN("contract::VariableStore");

TEST_CASE_TEMPLATE("every type reads back equal, listed by name", F, STORES)
{
  F f;
  auto& s = f.store();
  const std::vector<Variable> all = {
    variable("default", "a_text", IoType::string, std::string("hello")),
    variable("default", "b_long", IoType::longstring, std::string("a\nb")),
    variable("default", "c_int", IoType::integer, std::int64_t{ -42 }),
    variable("default", "d_float", IoType::float_, 0.25),
    variable("default", "e_bool", IoType::boolean, false),
    variable("default", "f_pw", IoType::password, Secret{ "hunter2" }),
  };
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    REQUIRE(s.put(*it));
  }
  CHECK(s.list("default").value() == all);
  CHECK(s.count("default").value() == all.size());
  CHECK(s.get("default", "f_pw").value() == all.back());
  CHECK_FALSE(s.get("default", "nope").value());
}

TEST_CASE_TEMPLATE("put replaces, and remove says whether there was one",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.put(variable("p", "x", IoType::string, std::string("1"))));
  auto replaced = variable("p", "x", IoType::integer, std::int64_t{ 2 });
  REQUIRE(s.put(replaced));
  CHECK(s.get("p", "x").value() == replaced);
  CHECK(s.count("p").value() == 1);
  CHECK(s.remove("p", "x").value());
  CHECK_FALSE(s.remove("p", "x").value());
  CHECK_FALSE(s.get("p", "x").value());
}

TEST_CASE_TEMPLATE("two projects hold variables of the same name apart",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  const auto a = variable("a", "x", IoType::string, std::string("of a"));
  const auto b = variable("b", "x", IoType::string, std::string("of b"));
  REQUIRE(s.put(a));
  REQUIRE(s.put(b));
  CHECK(s.get("a", "x").value() == a);
  CHECK(s.get("b", "x").value() == b);
  CHECK(s.list("a").value() == std::vector{ a });
  CHECK(s.count("c").value() == 0);
  REQUIRE(s.remove("a", "x").value());
  CHECK(s.get("b", "x").value() == b);
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("infra::sqlite::SqliteVariableStore");

TEST_CASE("a password value is sealed in the database file")
{
  SqliteVariables f;
  REQUIRE(f.store().put(variable(
    "default", "pw", IoType::password, Secret{ "plain-text-password-1" })));
  REQUIRE(f.store().put(
    variable("default", "s", IoType::string, std::string("visible-value"))));
  f.database->connection().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::ifstream in(f.tmp / "ryax.db", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  CHECK(bytes.str().find("visible-value") != std::string::npos);
  CHECK(bytes.str().find("plain-text-password-1") == std::string::npos);
}

TEST_SUITE_END();
