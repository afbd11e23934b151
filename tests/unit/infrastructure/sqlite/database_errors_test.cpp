// What a store's caller hears when SQLite fails: a full disk is
// "unavailable" with what to do, not an internal error.

#include "core/infrastructure/sqlite/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace ryax;

TEST_SUITE_BEGIN("infra::sqlite");

TEST_CASE("a full disk is an unavailable error that says what to do, and the database goes on answering")
{
  test::TempDir dir;
  auto db = std::move(*infra::sqlite::Database::open(dir / "ryax.db"));
  db->connection().exec("CREATE TABLE filler (data BLOB)");
  const auto pages =
    db->connection().execAndGet("PRAGMA page_count").getInt();
  // A disk that fills after a few pages.
  db->connection().exec(fmt::format("PRAGMA max_page_count = {}", pages + 8));
  Result<void> outcome;
  int written = 0;
  for (; written < 100 && outcome; ++written) {
    outcome = db->locked([&]() -> Result<void> {
      db->connection().exec("INSERT INTO filler VALUES (zeroblob(16384))");
      return {};
    });
  }
  REQUIRE_FALSE(outcome);
  CHECK(written > 1);
  CHECK(outcome.error().code == ErrorCode::unavailable);
  CHECK(outcome.error().message.find("the disk is full") != std::string::npos);
  CHECK(outcome.error().message.find("ryax runs rm") != std::string::npos);
  const auto rows = db->locked([&]() -> Result<int> {
    return db->connection().execAndGet("SELECT count(*) FROM filler").getInt();
  });
  REQUIRE(rows);
  CHECK(*rows == written - 1);
}

TEST_CASE("a SQL error is still an internal error naming the database")
{
  test::TempDir dir;
  auto db = std::move(*infra::sqlite::Database::open(dir / "ryax.db"));
  const auto outcome = db->locked([&]() -> Result<void> {
    db->connection().exec("SELECT * FROM no_such_table");
    return {};
  });
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code == ErrorCode::internal);
  CHECK(outcome.error().message.find("ryax.db") != std::string::npos);
}

TEST_SUITE_END();
