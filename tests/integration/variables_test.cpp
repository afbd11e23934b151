// Project variables end to end: set, list, show and rm with the real ryax
// binary; a password variable bound to a step input and kept out of every
// output, log and the database file; projects and roles.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/run_fixture.hpp"

#include "ryax/v1/identity.grpc.pb.h"
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace ryax::test;
using nlohmann::json;

namespace {

const std::string k_password = "pl41n-var-pw-7";

// Every byte SQLite wrote for the daemon's database: the file and its WAL.
std::string
database_bytes(const DaemonFixture& d)
{
  return read_file(d.home() + "/ryax.db") +
         read_file(d.home() + "/ryax.db-wal");
}

// A session token of `user` (password "pw-<user>"), by the Login call.
std::string
login(const DaemonFixture& d, const std::string& user)
{
  auto stub = ryax::v1::IdentityService::NewStub(grpc::CreateChannel(
    "unix:" + d.socket(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  ryax::v1::LoginRequest request;
  request.set_user(user);
  request.set_password("pw-" + user);
  ryax::v1::CreatedToken reply;
  const auto status = stub->Login(&context, request, &reply);
  REQUIRE_MESSAGE(status.ok(), status.error_message());
  return reply.token();
}

// Add `name` with `role` (and password "pw-<name>") in project default.
void
add_user(const DaemonFixture& d,
         const std::string& name,
         const std::string& role)
{
  const auto r =
    d.ryax({ "user", "add", name, "--role", role, "--password-stdin" },
           "pw-" + name + "\n");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

} // namespace

TEST_SUITE_BEGIN("integration: variables");

TEST_CASE("a password variable bound to a step input reaches the action and "
          "nothing else: outputs, logs, the daemon's log and ryax.db")
{
  RunFixture f({ "shout" });
  auto& d = f.daemon;
  auto pw = d.ryax({ "variable", "set", "API_PW", "-", "--type", "password" },
                   k_password + "\n");
  REQUIRE_MESSAGE(pw.exit_code == 0, pw.err);
  f.require_ok({ "variable", "set", "LIMIT", "41", "--type", "integer" });
  auto bad = d.ryax({ "variable", "set", "LIMIT", "forty" });
  CHECK(bad.exit_code == 5);
  CHECK(bad.err ==
        "ryax: error: variable \"LIMIT\": \"forty\" is not an integer\n");

  f.deploy(
    "shouting",
    "    - {name: n, type: integer}\n",
    "  - {id: s, from: shout, inputs_values: {pw: \"{{ vars.API_PW }}\", "
    "greeting: \"Bearer {{ vars.API_PW }}\", n: \"{{ vars.LIMIT }}\"}}\n",
    "  - {key: y, value: \"{{ s.y }}\"}\n");
  auto run =
    d.ryax({ "run", "shouting", "--input", "n=1", "--wait", "-o", "json" });
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const auto doc = json::parse(run.out);
  REQUIRE(doc["state"] == "done");
  CHECK(RunFixture::result(doc, "y") == 42);
  const auto steps = RunFixture::executions(doc, "s");
  REQUIRE(steps.size() == 1);
  CHECK(steps[0]["inputs"]["pw"] == "********");
  CHECK(steps[0]["inputs"]["greeting"] == "********");
  CHECK(steps[0]["inputs"]["n"] == 41);
  const auto id = doc["id"].get<std::string>();

  auto logs = f.require_ok({ "logs", id });
  CHECK(logs.out.find("pw is") != std::string::npos);
  CHECK(logs.out.find("greeting is") != std::string::npos);
  for (const auto& shown :
       { run,
         logs,
         f.require_ok({ "variable", "show", "API_PW" }),
         f.require_ok({ "variable", "show", "API_PW", "-o", "json" }),
         f.require_ok({ "variable", "list" }),
         f.require_ok({ "variable", "list", "-o", "json" }),
         f.require_ok({ "runs", "show", id }),
         f.require_ok({ "runs", "show", id, "-o", "json" }),
         f.require_ok({ "workflow", "show", "shouting" }),
         f.require_ok({ "workflow", "show", "shouting", "-o", "json" }) }) {
    CHECK(shown.out.find(k_password) == std::string::npos);
    CHECK(shown.err.find(k_password) == std::string::npos);
  }
  const auto listed =
    json::parse(f.require_ok({ "variable", "list", "-o", "json" }).out);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["name"] == "API_PW");
  CHECK(listed[0]["value"] == "********");
  CHECK(listed[1]["value"] == "41");

  CHECK(database_bytes(d).find(k_password) == std::string::npos);
  CHECK(d.log().find(k_password) == std::string::npos);
  REQUIRE(d.stop() == 0);
  CHECK(database_bytes(d).find(k_password) == std::string::npos);
  CHECK(d.log().find(k_password) == std::string::npos);

  // Read back after a restart: sealed, not lost.
  d.start();
  const auto again = json::parse(
    f.require_ok({ "variable", "show", "API_PW", "-o", "json" }).out);
  CHECK(again["type"] == "password");
  CHECK(again["value"] == "********");
}

TEST_CASE("an undefined variable refuses the run with one line naming it")
{
  RunFixture f({ "shout" });
  f.require_ok({ "variable", "set", "LIMIT", "1", "--type", "integer" });
  f.deploy("lacking",
           "    - {name: n, type: integer}\n",
           "  - {id: s, from: shout, inputs_values: {pw: \"{{ vars.NOPE }}\", "
           "greeting: hi, n: \"{{ vars.LIMIT }}\"}}\n");
  auto run = f.daemon.ryax({ "run", "lacking", "--input", "n=1" });
  CHECK(run.exit_code == 3);
  CHECK(run.err == "ryax: error: step \"s\" input \"pw\": project variable "
                   "\"NOPE\" is not defined in project \"default\" (ryax "
                   "variable set NOPE VALUE)\n");
  CHECK(
    json::parse(f.require_ok({ "runs", "list", "-o", "json" }).out).empty());
}

TEST_CASE(
  "each project has its own variables, and a user lists them but may not "
  "set them")
{
  DaemonFixture d;
  REQUIRE(d.ryax({ "variable", "set", "REGION", "eu" }).exit_code == 0);
  REQUIRE(d.ryax({ "project", "create", "other" }).exit_code == 0);
  auto other =
    d.ryax({ "--project", "other", "variable", "list", "-o", "json" });
  REQUIRE_MESSAGE(other.exit_code == 0, other.err);
  CHECK(json::parse(other.out).empty());
  CHECK(
    d.ryax({ "--project", "other", "variable", "show", "REGION" }).exit_code ==
    3);
  REQUIRE(d.ryax({ "--project", "other", "variable", "set", "REGION", "us" })
            .exit_code == 0);
  const auto value = [&](const std::string& project) {
    auto shown = d.ryax(
      { "--project", project, "variable", "show", "REGION", "-o", "json" });
    REQUIRE_MESSAGE(shown.exit_code == 0, shown.err);
    return json::parse(shown.out)["value"].get<std::string>();
  };
  CHECK(value("default") == "eu");
  CHECK(value("other") == "us");
  CHECK(
    d.ryax({ "--project", "ghost", "variable", "set", "X", "1" }).exit_code ==
    3);

  add_user(d, "viewer", "user");
  add_user(d, "dev", "developer");
  const EnvOverrides viewer = { { "RYAX_TOKEN", login(d, "viewer") } };
  const EnvOverrides dev = { { "RYAX_TOKEN", login(d, "dev") } };
  auto listed = d.ryax({ "variable", "list", "-o", "json" }, "", viewer);
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  CHECK(json::parse(listed.out).at(0)["value"] == "eu");
  auto set = d.ryax({ "variable", "set", "REGION", "us" }, "", viewer);
  CHECK(set.exit_code == 4);
  CHECK(set.err.find("may not code (SetVariable)") != std::string::npos);
  CHECK(d.ryax({ "variable", "rm", "REGION" }, "", viewer).exit_code == 4);
  CHECK(d.ryax({ "--project", "other", "variable", "list" }, "", viewer)
          .exit_code == 4);
  CHECK(d.ryax({ "variable", "set", "MINE", "1" }, "", dev).exit_code == 0);
  CHECK(d.ryax({ "variable", "rm", "MINE" }, "", dev).exit_code == 0);
  CHECK(value("default") == "eu");
}

TEST_CASE("values from a file or standard input, and the limits")
{
  DaemonFixture d;
  const auto path = d.dir() / "value.txt";
  std::ofstream(path) << "line one\nline two\n";
  REQUIRE(d.ryax({ "variable",
                   "set",
                   "NOTE",
                   "--from-file",
                   path,
                   "--type",
                   "longstring",
                   "--description",
                   "two lines" })
            .exit_code == 0);
  auto shown =
    json::parse(d.ryax({ "variable", "show", "NOTE", "-o", "json" }).out);
  CHECK(shown["value"] == "line one\nline two\n");
  CHECK(shown["description"] == "two lines");
  auto one_line = d.ryax({ "variable", "set", "ONE", "--from-file", path });
  CHECK(one_line.exit_code == 5);
  CHECK(
    one_line.err.find("variable \"ONE\": a string value must be one line") !=
    std::string::npos);
  REQUIRE(d.ryax({ "variable", "set", "KEY", "--from-file", "-" }, "abc\n")
            .exit_code == 0);
  CHECK(json::parse(
          d.ryax({ "variable", "show", "KEY", "-o", "json" }).out)["value"] ==
        "abc");

  const auto big = d.dir() / "big.txt";
  std::ofstream(big) << std::string((1 << 20) + 1, 'x');
  auto too_big = d.ryax({ "variable", "set", "BIG", "--from-file", big });
  CHECK(too_big.exit_code == 5);
  CHECK(too_big.err.find("larger than 1048576 bytes") != std::string::npos);
  auto file = d.ryax({ "variable", "set", "F", "x", "--type", "file" });
  CHECK(file.exit_code == 5);
  CHECK(file.err.find("not supported yet") != std::string::npos);
  CHECK(d.ryax({ "variable", "set", "bad-name", "x" }).exit_code == 5);
  CHECK(d.ryax({ "variable", "rm", "NOTE" }).exit_code == 0);
  CHECK(d.ryax({ "variable", "rm", "NOTE" }).exit_code == 3);
}

TEST_SUITE_END();
