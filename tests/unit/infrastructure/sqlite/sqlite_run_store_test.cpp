// What only the SQLite RunStore does; the contract both adapters share is
// in tests/unit/contract/run_store_contract_test.cpp.

#include "tests/support/run_store_fixtures.hpp"

#include <doctest/doctest.h>

using namespace ryax::test::run_store;


TEST_SUITE_BEGIN("infra::sqlite::SqliteRunStore");
TEST_CASE_TEMPLATE("a string that is not UTF-8 is stored with replacement "
                  "characters", F, StoreFixture<SqliteStore>)
{
  F f;
  auto run = make_run("r1");
  f.create(run);
  run.steps[{ "resize", "" }].inputs = { { "raw", std::string("a\xff") } };
  f.save(run, { { "resize", "" } }, {});
  const auto loaded = f.load("r1");
  CHECK(loaded.find({ "resize", "" })->inputs.at("raw") ==
        Value{ std::string("a\xef\xbf\xbd") });
}

TEST_CASE_TEMPLATE("unknown states in the database read back as error", F, StoreFixture<SqliteStore>)
{
  F f;
  f.create(make_run("r1"));
  f.database->connection().exec(
    "UPDATE runs SET state = 'exploded'; UPDATE run_steps SET state = 'weird'");
  const auto run = f.load("r1");
  CHECK(run.state == RunState::error);
  CHECK(run.find({ "resize", "" })->state == StepState::error);
  const auto runs = f.store().list({});
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().state == RunState::error);
  const auto unfinished = f.store().unfinished();
  REQUIRE(unfinished);
  CHECK(unfinished->empty());
}

TEST_SUITE_END();
