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

TEST_CASE_TEMPLATE("password values are sealed in the database file", F, StoreFixture<SqliteStore>)
{
  F f;
  auto run = make_run("r1");
  run.trigger_values["pw"] = Secret{ "hunter2-trigger" };
  run.steps[{ "start", "" }].output_sets = { run.trigger_values };
  f.create(run);
  run.steps[{ "resize", "" }].inputs = { { "pw", Secret{ "hunter2-input" } } };
  run.steps[{ "resize", "" }].output_sets = { { { "token", Secret{ "hunter2-output" } } } };
  f.save(run, { { "resize", "" } }, {});
  const std::string path = f.dir / "ryax.db";
  const auto bytes = ryax::test::read_file(path) + ryax::test::read_file(path + "-wal");
  CHECK(bytes.find("hunter2") == std::string::npos);
  CHECK(bytes.find("\"sealed\":\"v1:") != std::string::npos);
  // The same database opened with another key cannot read the run.
  f.sqlite.reset();
  ryax::infra::crypto::AesGcmSecretBox other{ ryax::infra::crypto::EncryptionKey{ 8 } };
  SqliteRunStore store(*f.database, other);
  const auto loaded = store.load("r1");
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().message.find("run \"r1\"") != std::string::npos);
  CHECK(loaded.error().message.find("\"pw\"") != std::string::npos);
}

TEST_SUITE_END();
