// `ryax events`: the daemon's event stream, listed and followed.

#include "tests/support/run_fixture.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

namespace {

using namespace ryax::test;

// The kinds of the events of `doc` (a JSON array), in order.
std::vector<std::string>
kinds_of(const json& doc)
{
  std::vector<std::string> kinds;
  for (const auto& event : doc) {
    kinds.push_back(event["kind"]);
  }
  return kinds;
}

bool
has(const std::vector<std::string>& kinds, const std::string& kind)
{
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

} // namespace

TEST_CASE("ryax events lists builds, deploys, runs and replicas, filters them and follows new ones")
{
  RunFixture f({ "add" });
  f.deploy("chain",
           "    - {name: x, type: integer}\n",
           "  - {id: a1, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n");

  // Following, from another process, before the run.
  const std::string follow_log = f.daemon.dir() / "follow.log";
  auto env = f.daemon.env();
  BackgroundProcess follower(
    { ryax_binary(), "events", "-f", "-o", "json", "--kind", "run.finished" },
    env,
    follow_log);

  const auto run = json::parse(
    f.require_ok({ "run", "chain", "--input", "x=1", "--wait", "-o", "json" }).out);
  const std::string run_id = run["id"];

  const auto listed = json::parse(f.require_ok({ "events", "-o", "json" }).out);
  const auto kinds = kinds_of(listed);
  CHECK(has(kinds, "build.started"));
  CHECK(has(kinds, "build.finished"));
  CHECK(has(kinds, "workflow.deployed"));
  CHECK(has(kinds, "run.started"));
  CHECK(has(kinds, "replica.started"));
  CHECK(has(kinds, "run.finished"));
  std::uint64_t previous = 0;
  for (const auto& event : listed) {
    CHECK(event["sequence"].get<std::uint64_t>() > previous); // in order
    previous = event["sequence"];
    CHECK(event["time"].get<std::string>().ends_with("Z"));
    CHECK(event["project"] == "default");
  }
  const auto finished = listed.back();
  CHECK(finished["kind"] == "run.finished");
  CHECK(finished["subject"] == run_id);
  CHECK(finished["fields"]["state"] == "done");
  CHECK(finished["fields"]["workflow"] == "chain");

  const auto only = json::parse(
    f.require_ok({ "events", "--kind", "run.started", "--last", "1", "-o", "json" }).out);
  REQUIRE(only.size() == 1);
  CHECK(only[0]["subject"] == run_id);

  const auto table = f.require_ok({ "events", "--kind", "workflow.deployed" });
  CHECK(table.out.starts_with("TIME"));
  CHECK(table.out.find("workflow chain version 1 deployed") != std::string::npos);

  const bool followed = eventually([&]() -> bool {
    return read_file(follow_log).find(run_id) != std::string::npos;
  });
  CHECK(followed);
  const auto streamed = json::parse(read_file(follow_log).substr(
    0, read_file(follow_log).find('\n')));
  CHECK(streamed["kind"] == "run.finished");
  CHECK(streamed["subject"] == run_id);

  // Undeploying stops the replicas: both are told.
  f.require_ok({ "workflow", "undeploy", "chain" });
  const auto after = kinds_of(json::parse(f.require_ok({ "events", "--since", "1m", "-o", "json" }).out));
  CHECK(has(after, "workflow.undeployed"));
  CHECK(has(after, "replica.stopped"));

  const auto bad = f.daemon.ryax({ "events", "--kind", "run.done" });
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("run.finished") != std::string::npos);

  // Another project sees none of these.
  f.require_ok({ "project", "create", "team-b" });
  const auto other = json::parse(
    f.require_ok({ "--project", "team-b", "events", "-o", "json" }).out);
  for (const auto& event : other) {
    CHECK(event["project"] != "default");
  }
}
