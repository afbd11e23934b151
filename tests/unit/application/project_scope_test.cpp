// Projects scope what the services show and touch: WorkflowService and
// ActionService on in-memory adapters. (RunService: run_service_test.cpp;
// end to end with two users: tests/integration/projects_test.cpp.)

#include "core/application/action_service.hpp"
#include "tests/support/workflow_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ryax;
using test::action;
using test::io;
using test::ref;

namespace {

struct Services : test::WorkflowHarness
{
  app::ActionService actions{ catalogue };

  // A built action `id` of `project` reading x and giving out.
  void add_action(const std::string& id, const std::string& project)
  {
    domain::ActionVersion version;
    version.metadata.id = id;
    version.metadata.version = "1.0";
    version.metadata.kind = domain::ActionKind::processor;
    version.metadata.type = domain::ActionType::python3;
    version.metadata.inputs = { io("x", domain::IoType::integer) };
    version.metadata.outputs = { io("out", domain::IoType::integer) };
    version.build_state = domain::BuildState::built;
    version.bundle_key = "bundle-" + id;
    version.project = project;
    version.repository = "repo-" + project;
    catalogue.add(std::move(version));
  }

  // Push workflow `id`, one step of action `from`, in `project`.
  Result<app::PushOutcome> push(const std::string& project,
                                const std::string& id,
                                const std::string& from)
  {
    auto step = action("only", { { "x", ref("start", "n") } });
    step.from = from;
    auto workflow = test::make_workflow({ step });
    workflow.id = id;
    app::PushWorkflow request;
    request.project = project;
    request.source.text = format.add(workflow);
    request.source.display_path = id + ".yaml";
    return service.push(request);
  }
};

bool
not_found_in(const Error& error, const std::string& project)
{
  return error.code == ErrorCode::not_found
         && error.message.find("in project \"" + project + "\"")
              != std::string::npos;
}

} // namespace

TEST_SUITE_BEGIN("app::project scope");

TEST_CASE("a workflow is its project's: another project lists, reads, "
          "deploys and removes nothing of it, and has its own ids")
{
  Services s;
  s.add_action("echo-a", "team-a");
  const auto pushed = s.push("team-a", "flow", "echo-a");
  REQUIRE_MESSAGE(pushed, pushed.error().message);
  REQUIRE(pushed->diagnostics.empty());
  CHECK(pushed->deployment.project == "team-a");

  CHECK(s.service.list("team-a")->size() == 1);
  CHECK(s.service.list("team-b")->empty());
  CHECK(s.service.get("team-a", "flow", 0));
  CHECK(not_found_in(s.service.get("team-b", "flow", 0).error(), "team-b"));
  CHECK(not_found_in(s.service.deploy("team-b", "flow", 0).error(), "team-b"));
  CHECK(not_found_in(s.service.undeploy("team-b", "flow").error(), "team-b"));
  CHECK(not_found_in(s.service.remove("team-b", "flow", true).error(), "team-b"));
  CHECK(not_found_in(s.service.errors("team-b", "flow").error(), "team-b"));

  // team-b pushes its own "flow", of its own "echo-a": two workflows.
  s.add_action("echo-a", "team-b");
  const auto theirs = s.push("team-b", "flow", "echo-a");
  REQUIRE_MESSAGE(theirs, theirs.error().message);
  REQUIRE(theirs->diagnostics.empty());
  CHECK(theirs->version == 1);
  CHECK(theirs->created);
  REQUIRE(s.service.deploy("team-b", "flow", 0));
  CHECK(s.service.get("team-b", "flow", 0)->deployment.state
        == app::DeploymentState::deployed);
  CHECK(s.service.get("team-a", "flow", 0)->deployment.state
        == app::DeploymentState::undeployed);
  REQUIRE(s.service.remove("team-b", "flow", true));
  CHECK(s.service.get("team-a", "flow", 0));
  CHECK(not_found_in(s.service.get("team-b", "flow", 0).error(), "team-b"));
}

TEST_CASE("a workflow sees only the actions of its project")
{
  Services s;
  s.add_action("echo-a", "team-a");
  const auto pushed = s.push("team-b", "flow-b", "echo-a");
  REQUIRE(pushed);
  REQUIRE_FALSE(pushed->diagnostics.empty()); // echo-a is unknown in team-b
  CHECK(s.service.list("team-b")->empty());
  CHECK(s.service.list("team-a")->empty());
}

TEST_CASE("an action is its project's: shown, listed and removed there only, "
          "built-in triggers are everyone's")
{
  Services s;
  s.add_action("echo-a", "team-a");
  s.add_action("same", "team-a");
  s.add_action("same", "team-b");
  CHECK(s.actions.show("team-b", "same")->project == "team-b");
  CHECK(*s.actions.remove("team-b", "same") == 1);
  CHECK(s.actions.show("team-a", "same"));
  CHECK(s.actions.show("team-a", "echo-a"));
  CHECK(not_found_in(s.actions.show("team-b", "echo-a").error(), "team-b"));
  CHECK(not_found_in(s.actions.remove("team-b", "echo-a").error(), "team-b"));
  CHECK(s.actions.show("team-b", "manual")->project == "team-b");

  app::ActionFilter filter;
  filter.project = "team-b";
  const auto theirs = s.actions.list(filter);
  REQUIRE(theirs);
  for (const auto& version : *theirs) {
    CHECK(version.id() != "echo-a");
  }
  filter.project = "team-a";
  const auto listed = s.actions.list(filter);
  REQUIRE(listed);
  CHECK(std::any_of(listed->begin(), listed->end(),
                    [](const auto& v) { return v.id() == "echo-a"; }));
  CHECK(*s.actions.remove("team-a", "echo-a") == 1);
}

TEST_SUITE_END();
