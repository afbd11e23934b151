// Static password values of workflows: sealed in the stored version, shown
// as "********", kept when pushed back as "********", and opened for runs
// (WorkflowService and the helpers of workflow_secrets.hpp, on fakes).

#include "core/application/workflow_secrets.hpp"
#include "tests/support/workflow_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using test::action;
using test::io;

namespace {

struct Fixture : test::WorkflowHarness
{
  Fixture()
  {
    catalogue.add_built("vault", "1.0",
                        { io("pw", domain::IoType::password),
                          io("note", domain::IoType::string) },
                        {});
  }

  // Push "flow": one step of "vault" with pw and note as given.
  Result<app::PushOutcome> push(const std::string& pw, const std::string& note)
  {
    auto step = action("v", { { "pw", domain::Scalar{ pw } },
                              { "note", domain::Scalar{ note } } });
    step.from = "vault";
    auto workflow = test::make_workflow({ step });
    workflow.id = "flow";
    app::PushWorkflow request;
    request.project = "default";
    request.source.text = format.add(workflow);
    request.source.display_path = "flow.yaml";
    return service.push(request);
  }

  // The static text of `input` in the stored version `version`.
  std::string stored(int version, const std::string& input)
  {
    const auto found = workflows.find("default", "flow", version).value();
    REQUIRE(found);
    const auto parsed = format.parse(found->yaml, "flow");
    REQUIRE(parsed.workflow);
    const auto& binding = parsed.workflow->find_step("v")->inputs_values.at(input);
    return std::get<std::string>(std::get<domain::Scalar>(binding));
  }
};

std::string
shown(const app::WorkflowView& view, const std::string& input)
{
  const auto& binding = view.definition.find_step("v")->inputs_values.at(input);
  return std::get<std::string>(std::get<domain::Scalar>(binding));
}

} // namespace

TEST_SUITE_BEGIN("app::workflow secrets");

TEST_CASE("a static password is stored sealed and shown as ********, other "
          "inputs stay as written")
{
  Fixture f;
  const auto pushed = f.push("hunter2", "plain note");
  REQUIRE_MESSAGE(pushed, pushed.error().message);
  REQUIRE(pushed->diagnostics.empty());
  CHECK(f.stored(1, "pw") == "ryax-sealed:sealed:2retnuh");
  CHECK(f.stored(1, "note") == "plain note");
  const auto view = f.service.get("default", "flow", 0);
  REQUIRE(view);
  CHECK(shown(*view, "pw") == "********");
  CHECK(shown(*view, "note") == "plain note");

  // For runs: opened again.
  auto parsed = f.format.parse(
    f.workflows.find("default", "flow", 1).value()->yaml, "flow");
  REQUIRE(app::open_static_passwords(*parsed.workflow, f.box));
  CHECK(std::get<std::string>(std::get<domain::Scalar>(
          parsed.workflow->find_step("v")->inputs_values.at("pw")))
        == "hunter2");
}

TEST_CASE("pushing the same password, or ********, keeps the version, "
          "another value makes a new one")
{
  Fixture f;
  REQUIRE(f.push("hunter2", "n"));
  const auto again = f.push("hunter2", "n");
  REQUIRE(again);
  CHECK(again->version == 1);
  CHECK_FALSE(again->created);
  const auto masked = f.push("********", "n");
  REQUIRE(masked);
  CHECK(masked->version == 1);
  const auto changed = f.push("correct horse", "n");
  REQUIRE(changed);
  CHECK(changed->version == 2);
  CHECK(f.stored(2, "pw") == "ryax-sealed:sealed:esroh tcerroc");
}

TEST_CASE("******** with no password to keep is refused, naming the input")
{
  Fixture f;
  const auto refused = f.push("********", "n");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::invalid_argument);
  CHECK(refused.error().message.find("step \"v\" input \"pw\"")
        != std::string::npos);
  CHECK_FALSE(f.workflows.find("default", "flow", 0).value());
}

TEST_CASE("mask_sealed_text hides every sealed value of a file")
{
  CHECK(app::mask_sealed_text("a: ryax-sealed:v1:QUJD+/==\nb: \"ryax-sealed:v1:"
                              "eA==\"\nc: plain\n")
        == "a: ********\nb: \"********\"\nc: plain\n");
}

TEST_SUITE_END();
