// Projects isolate what they hold: two users in two projects cannot see or
// touch each other's repositories, actions, builds, workflows, runs, run
// files or logs, by listing or by id, and each project has its own names.
// A real ryaxd and the real ryax binary.

#include "tests/integration/identity_helpers.hpp"
#include "tests/support/run_fixture.hpp"

#include "ryax/v1/run.grpc.pb.h"
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace ryax::test;
using nlohmann::json;

namespace {

// The status of reading file `key` of run `run` as the holder of `token`.
grpc::Status
read_run_file(const DaemonFixture& d, const std::string& token,
              const std::string& run, const std::string& key)
{
  auto stub = ryax::v1::RunService::NewStub(channel_to(d));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  ryax::v1::ReadRunFileRequest request;
  request.set_run_id(run);
  request.set_key(key);
  auto reader = stub->ReadRunFile(&context, request);
  ryax::v1::RunFileChunk chunk;
  while (reader->Read(&chunk)) {
  }
  return reader->Finish();
}

// The "id" or "name" of each element of the JSON list `text`.
std::vector<std::string>
names_in(const std::string& text)
{
  std::vector<std::string> names;
  for (const auto& item : json::parse(text)) {
    names.push_back(item.contains("id") ? item["id"].get<std::string>()
                                        : item["name"].get<std::string>());
  }
  return names;
}

bool
has(const std::vector<std::string>& names, const std::string& name)
{
  return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

TEST_SUITE_BEGIN("integration: projects");

TEST_CASE("two users in two projects cannot see or touch each other's "
          "repositories, actions, workflows, runs, files or logs")
{
  // Project "default": the admin's repository, built action, workflow and
  // a run with a file result.
  RunFixture f({ "writer" });
  auto& d = f.daemon;
  f.deploy("keep-a",
           "    - {name: text, type: string}\n",
           "  - {id: w, from: writer, inputs_values: {text: \"{{ start.text "
           "}}\"}}\n",
           "  - {key: out, value: \"{{ w.out }}\"}\n");
  auto ran = d.ryax({ "run", "keep-a", "--input", "text=only-for-a", "--wait",
                      "-o", "json" });
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
  const auto run = json::parse(ran.out);
  const auto run_id = run["id"].get<std::string>();
  const auto file_key = RunFixture::result(run, "out")["key"].get<std::string>();

  REQUIRE(d.ryax({ "project", "create", "team-b" }).exit_code == 0);
  add_user(d, "alice", "developer", "default");
  add_user(d, "bob", "developer", "team-b");
  const auto alice = login(d, "alice", "pw-alice");
  const auto bob = login(d, "bob", "pw-bob");
  const EnvOverrides as_alice = { { "RYAX_TOKEN", alice } };
  const EnvOverrides as_bob = { { "RYAX_TOKEN", bob } };
  const auto ryax_as = [&](const EnvOverrides& who,
                           const std::vector<std::string>& args) {
    return d.ryax(args, "", who);
  };

  SUBCASE("listings show only the caller's project")
  {
    for (const auto& noun : { "repo", "workflow", "runs" }) {
      auto mine = ryax_as(as_bob, { noun, "list", "-o", "json" });
      REQUIRE_MESSAGE(mine.exit_code == 0, mine.err);
      CHECK_MESSAGE(json::parse(mine.out).empty(), noun, ": ", mine.out);
      auto theirs = ryax_as(as_alice, { noun, "list", "-o", "json" });
      REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
      CHECK_MESSAGE(json::parse(theirs.out).size() == 1, noun, ": ",
                    theirs.out);
    }
    auto actions = ryax_as(as_bob, { "action", "list", "-o", "json" });
    REQUIRE_MESSAGE(actions.exit_code == 0, actions.err);
    CHECK_FALSE(has(names_in(actions.out), "writer"));
    CHECK(has(names_in(actions.out), "manual")); // built-ins are everyone's
    CHECK(has(names_in(ryax_as(as_alice, { "action", "list", "-o", "json" }).out),
              "writer"));
    auto deployments = ryax_as(as_bob, { "deployments", "list", "-o", "json" });
    if (deployments.exit_code == 0) {
      CHECK(deployments.out.find("keep-a") == std::string::npos);
    }
  }

  SUBCASE("by id, another project's resources are not found, and stay")
  {
    const std::vector<std::vector<std::string>> reads_and_writes = {
      { "repo", "show", "actions" },
      { "repo", "scan", "actions" },
      { "repo", "rm", "actions" },
      { "action", "show", "writer" },
      { "action", "build", "writer" },
      { "action", "build-log", "writer" },
      { "action", "rm", "writer" },
      { "workflow", "show", "keep-a" },
      { "workflow", "deploy", "keep-a" },
      { "workflow", "undeploy", "keep-a" },
      { "workflow", "rm", "keep-a", "--force" },
      { "run", "keep-a", "--input", "text=x" },
      { "runs", "show", run_id },
      { "runs", "results", run_id },
      { "runs", "cancel", run_id },
      { "runs", "rm", run_id },
      { "logs", run_id },
    };
    for (const auto& args : reads_and_writes) {
      auto refused = ryax_as(as_bob, args);
      INFO(args[0], " ", args[1], ": ", refused.err);
      CHECK(refused.exit_code == 3);
      CHECK(refused.err.find("not found in project \"team-b\"")
            != std::string::npos);
      CHECK(refused.out.find("only-for-a") == std::string::npos);
    }
    const auto file = read_run_file(d, bob, run_id, file_key);
    CHECK(file.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(read_run_file(d, alice, run_id, file_key).ok());

    // Nothing moved: alice still has it all.
    auto shown = ryax_as(as_alice, { "runs", "show", run_id, "-o", "json" });
    REQUIRE_MESSAGE(shown.exit_code == 0, shown.err);
    CHECK(json::parse(shown.out)["state"] == "done");
    auto logs = ryax_as(as_alice, { "logs", run_id });
    CHECK(logs.exit_code == 0);
    auto workflow = ryax_as(as_alice, { "workflow", "show", "keep-a", "-o", "json" });
    REQUIRE_MESSAGE(workflow.exit_code == 0, workflow.err);
    CHECK(workflow.out.find("deployed") != std::string::npos);
    CHECK(ryax_as(as_alice, { "repo", "show", "actions" }).exit_code == 0);
  }

  SUBCASE("each project has its own names: the same repository, action, "
          "workflow and run in another project are another's")
  {
    const auto repo_url = json::parse(
      ryax_as(as_alice, { "repo", "show", "actions", "-o", "json" }).out)["url"]
                            .get<std::string>();
    for (const auto& args : std::vector<std::vector<std::string>>{
           { "repo", "add", "actions", repo_url },
           { "repo", "scan", "actions", "--strict" },
           { "action", "build", "writer", "--wait" } }) {
      auto done = ryax_as(as_bob, args);
      REQUIRE_MESSAGE(done.exit_code == 0, args[0], " ", args[1], ": ", done.err);
    }
    // The file alice pushed.
    const auto path = (d.dir().path() / "keep-a.yaml").string();
    auto pushed = ryax_as(as_bob, { "workflow", "push", path, "--deploy" });
    REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.err);
    auto theirs = ryax_as(as_bob, { "run", "keep-a", "--input", "text=only-for-b",
                                    "--wait", "-o", "json" });
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    const auto bob_run = json::parse(theirs.out);
    CHECK(bob_run["state"] == "done");
    CHECK(bob_run["id"] != run_id);

    // Two of each now, one per project, each seeing its own.
    for (const auto& noun : { "repo", "workflow", "runs" }) {
      CHECK(json::parse(ryax_as(as_bob, { noun, "list", "-o", "json" }).out).size() == 1);
      CHECK(json::parse(ryax_as(as_alice, { noun, "list", "-o", "json" }).out).size() == 1);
    }
    CHECK(ryax_as(as_bob, { "runs", "show", run_id }).exit_code == 3);
    CHECK(ryax_as(as_alice, { "runs", "show", bob_run["id"] }).exit_code == 3);
    auto logs = ryax_as(as_bob, { "logs", bob_run["id"] });
    CHECK(logs.out.find("only-for-a") == std::string::npos);

    // Removing bob's leaves alice's whole.
    CHECK(ryax_as(as_bob, { "workflow", "rm", "keep-a", "--force" }).exit_code == 0);
    CHECK(ryax_as(as_bob, { "action", "rm", "writer" }).exit_code == 0);
    CHECK(ryax_as(as_bob, { "repo", "rm", "actions" }).exit_code == 0);
    CHECK(ryax_as(as_alice, { "workflow", "show", "keep-a" }).exit_code == 0);
    CHECK(ryax_as(as_alice, { "action", "show", "writer" }).exit_code == 0);
    CHECK(ryax_as(as_alice, { "repo", "show", "actions" }).exit_code == 0);
    auto again = ryax_as(as_alice, { "run", "keep-a", "--input", "text=x",
                                     "--wait" });
    CHECK_MESSAGE(again.exit_code == 0, again.err);
  }

  SUBCASE("a project one is no member of, or that does not exist, is refused")
  {
    auto other = ryax_as(as_bob, { "--project", "default", "runs", "list" });
    CHECK(other.exit_code == 4);
    CHECK(other.err.find("not a member of project \"default\"")
          != std::string::npos);
    auto missing = d.ryax({ "--project", "nope", "workflow", "list" });
    CHECK(missing.exit_code == 3);
    CHECK(missing.err.find("project \"nope\" does not exist") != std::string::npos);
    // The admin sees team-b when it asks for it, and it is empty.
    auto admin = d.ryax({ "--project", "team-b", "workflow", "list", "-o", "json" });
    REQUIRE_MESSAGE(admin.exit_code == 0, admin.err);
    CHECK(json::parse(admin.out).empty());
  }
}

TEST_CASE("a data dir of the schema before projects migrates: its "
          "repositories, built actions, deployed workflows and runs are "
          "project default's and still work")
{
  RunFixture f({ "writer" });
  auto& d = f.daemon;
  f.deploy("keep-a",
           "    - {name: text, type: string}\n",
           "  - {id: w, from: writer, inputs_values: {text: \"{{ start.text "
           "}}\"}}\n");
  const auto before = start_run(f, { "keep-a", "--input", "text=old", "--wait" });
  REQUIRE(d.stop() == 0);
  {
    // Back to schema 8: the same tables without their project column.
    SQLite::Database db(d.home() + "/ryax.db", SQLite::OPEN_READWRITE);
    db.exec("DROP TABLE run_variables; DROP TABLE variables;");
    db.exec("DROP TABLE api_keys; DROP TABLE api_key_settings;");
    db.exec("DROP TABLE join_tokens; DROP TABLE agent_sites;");
    db.exec("DROP TABLE accounting;");
    db.exec("ALTER TABLE run_steps DROP COLUMN retried_because;");
    db.exec("DROP INDEX runs_by_project; DROP INDEX runs_by_workflow; "
            "DROP INDEX runs_by_workflow_state; DROP INDEX builds_by_action;");
    for (const std::string table :
         { "repositories", "action_versions", "workflows", "workflow_versions",
           "workflow_files", "workflow_errors", "builds", "runs" }) {
      std::vector<std::string> columns;
      SQLite::Statement info(db, "SELECT name FROM pragma_table_info(?)");
      info.bind(1, table);
      while (info.executeStep()) {
        if (info.getColumn(0).getString() != "project") {
          columns.push_back(info.getColumn(0).getString());
        }
      }
      if (table == "runs" || table == "builds") { // rows other tables name
        db.exec("ALTER TABLE " + table + " DROP COLUMN project");
        continue;
      }
      std::string list;
      for (const auto& column : columns) {
        list += (list.empty() ? "" : ", ") + column;
      }
      db.exec("CREATE TABLE old_" + table + " AS SELECT " + list + " FROM "
              + table + "; DROP TABLE " + table + "; ALTER TABLE old_" + table
              + " RENAME TO " + table + ";");
    }
    db.exec("CREATE INDEX runs_by_workflow ON runs (workflow_id, created_ms "
            "DESC, id DESC); CREATE INDEX runs_by_workflow_state ON runs "
            "(workflow_id, state, created_ms DESC, id DESC); CREATE INDEX "
            "builds_by_action ON builds (action_id, version, id); "
            "PRAGMA user_version = 8;");
  }
  d.start();
  CHECK(d.log().find("migrated to schema 9") != std::string::npos);
  CHECK(json::parse(f.require_ok({ "repo", "list", "-o", "json" }).out).size() == 1);
  const auto action = json::parse(
    f.require_ok({ "action", "show", "writer", "-o", "json" }).out);
  CHECK(action["build_state"] == "built");
  const auto workflow = json::parse(
    f.require_ok({ "workflow", "show", "keep-a", "-o", "json" }).out);
  CHECK(workflow.dump().find("deployed") != std::string::npos);
  CHECK(f.show(before)["state"] == "done");
  const auto after = start_run(f, { "keep-a", "--input", "text=new", "--wait" });
  CHECK(f.show(after)["state"] == "done");
  CHECK(json::parse(f.require_ok({ "runs", "list", "-o", "json" }).out).size() == 2);
  // The scan and build state carried over: nothing to build again.
  auto build = f.require_ok({ "action", "build", "writer", "--wait", "-o", "json" });
  CHECK(build.out.find("\"cache_hit\": true") != std::string::npos);
}

TEST_SUITE_END();
