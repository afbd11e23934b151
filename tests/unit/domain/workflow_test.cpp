#include "core/domain/workflow.hpp"
#include "core/domain/workflow_graph.hpp"
#include "core/domain/workflow_validation.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax::domain;

namespace {

WorkflowStep
step(std::string id,
     std::vector<std::pair<std::string, std::string>> reads = {},
     std::vector<std::string> after = {})
{
  WorkflowStep s;
  s.id = std::move(id);
  s.from = "upper";
  for (const auto& [input, upstream] : reads) {
    s.inputs_values.emplace(input, OutputReference{ upstream, "text" });
  }
  s.after = std::move(after);
  return s;
}

// start -> top -> {left, right} -> bottom, actions written out of order.
WorkflowDefinition
diamond()
{
  WorkflowDefinition workflow;
  workflow.id = "diamond";
  workflow.trigger.id = "start";
  workflow.trigger.from = "manual";
  workflow.actions = { step("bottom", { { "a", "left" }, { "b", "right" } }),
                       step("left", { { "text", "top" } }),
                       step("right", {}, { "top" }),
                       step("top", { { "text", "start" } }) };
  return workflow;
}

} // namespace

TEST_SUITE_BEGIN("domain::Workflow");

TEST_CASE("a whole-string reference reads an upstream output")
{
  CHECK(parse_binding_text("{{ start.who }}") ==
        Binding(OutputReference{ "start", "who" }));
  CHECK(parse_binding_text("{{start.who}}") ==
        Binding(OutputReference{ "start", "who" }));
  CHECK(parse_binding_text("{{\tstep-2.out_1  }}") ==
        Binding(OutputReference{ "step-2", "out_1" }));
}

TEST_CASE("vars names a project variable")
{
  CHECK(parse_binding_text("{{ vars.API_TOKEN }}") ==
        Binding(VariableReference{ "API_TOKEN" }));
}

TEST_CASE("text around references is an interpolation")
{
  const auto binding = parse_binding_text("Hi {{ a.b }} and {{ vars.X }}!");
  REQUIRE(binding);
  const auto* interpolation = std::get_if<Interpolation>(&*binding);
  REQUIRE(interpolation);
  REQUIRE(interpolation->parts.size() == 5);
  CHECK(interpolation->parts[0] == InterpolationPart(std::string("Hi ")));
  CHECK(interpolation->parts[1] ==
        InterpolationPart(OutputReference{ "a", "b" }));
  CHECK(interpolation->parts[3] == InterpolationPart(VariableReference{ "X" }));
  CHECK(binding_text(*binding) == "Hi {{ a.b }} and {{ vars.X }}!");
}

TEST_CASE("anything else inside braces is an error naming it")
{
  for (const auto* text : { "{{ start }}",
                            "{{ }}",
                            "{{ a.b.c }}",
                            "{{ a b.c }}",
                            "{{ 1a.b }}",
                            "{{ vars.1X }}",
                            "x {{ start.who" }) {
    const auto binding = parse_binding_text(text);
    REQUIRE_FALSE(binding);
    CHECK(binding.error().code == ryax::ErrorCode::invalid_argument);
  }
  CHECK(parse_binding_text("{{ start }}").error().message ==
        "invalid reference \"{{ start }}\": expected \"{{ step.output }}\" or "
        "\"{{ vars.NAME }}\"");
}

TEST_CASE("a leading @ names a static file below the workflow directory")
{
  CHECK(parse_binding_text("@models/small.bin") ==
        Binding(StaticFile{ "models/small.bin" }));
  CHECK_FALSE(parse_binding_text("@/etc/passwd"));
  CHECK_FALSE(parse_binding_text("@../secret"));
  CHECK_FALSE(parse_binding_text("@a/../../b"));
  CHECK_FALSE(parse_binding_text("@"));
  CHECK(parse_binding_text("a@b") == Binding(Scalar(std::string("a@b"))));
}

TEST_CASE("strings holding {{ or starting with @ need the literal form")
{
  CHECK(needs_literal("{{ x }}"));
  CHECK(needs_literal("@me"));
  CHECK_FALSE(needs_literal("me@home }}"));
}

TEST_CASE("step ids are identifiers that may hold dashes")
{
  CHECK(is_valid_step_id("greet"));
  CHECK(is_valid_step_id("_a-1"));
  CHECK_FALSE(is_valid_step_id("1a"));
  CHECK_FALSE(is_valid_step_id("-a"));
  CHECK_FALSE(is_valid_step_id("a.b"));
  CHECK_FALSE(is_valid_step_id(""));
  CHECK_FALSE(is_valid_step_id(std::string(65, 'a')));
  CHECK(is_reserved_step_id("vars"));
  CHECK_FALSE(is_reserved_step_id("variables"));
}

TEST_CASE("a diamond is ordered topologically, in file order among ready steps")
{
  const auto order = topological_order(diamond());
  REQUIRE(order);
  CHECK(*order ==
        std::vector<std::string>{ "start", "top", "left", "right", "bottom" });
}

TEST_CASE("ancestors follow references, after and the trigger")
{
  const auto workflow = diamond();
  CHECK(ancestors(workflow, "bottom") ==
        std::vector<std::string>{ "start", "left", "right", "top" });
  CHECK(ancestors(workflow, "right") ==
        std::vector<std::string>{ "start", "top" });
  CHECK(ancestors(workflow, "start").empty());
  CHECK(ancestors(workflow, "nope").empty());
}

TEST_CASE("edges say whether data flows or only order")
{
  using Kind = WorkflowEdge::Kind;
  CHECK(workflow_edges(diamond()) ==
        std::vector<WorkflowEdge>{ { "left", "bottom", Kind::data },
                                   { "right", "bottom", Kind::data },
                                   { "top", "left", Kind::data },
                                   { "top", "right", Kind::order },
                                   { "start", "top", Kind::data } });
  CHECK(upstream_steps(diamond(), "bottom") ==
        std::vector<std::string>{ "left", "right" });
}

TEST_CASE("an action with no upstream step runs after the trigger")
{
  WorkflowDefinition workflow;
  workflow.trigger.id = "start";
  workflow.actions = { step("alone") };
  CHECK(workflow_edges(workflow) ==
        std::vector<WorkflowEdge>{
          { "start", "alone", WorkflowEdge::Kind::order } });
}

TEST_CASE("a cycle is found and named in running order")
{
  auto workflow = diamond();
  workflow.actions[3].after = { "bottom" }; // top after bottom
  const auto cycle = find_cycle(workflow);
  REQUIRE(cycle);
  CHECK(format_cycle(*cycle) == "top -> left -> bottom -> top");
  const auto order = topological_order(workflow);
  REQUIRE_FALSE(order);
  CHECK(order.error().code == ryax::ErrorCode::failed_precondition);
  CHECK(order.error().message ==
        "workflow \"diamond\" has a cycle: top -> left -> bottom -> top");
  CHECK_FALSE(find_cycle(diamond()));
}

TEST_CASE("a step reading its own output is a cycle of one")
{
  WorkflowDefinition workflow;
  workflow.trigger.id = "start";
  workflow.actions = { step("me", { { "text", "me" } }) };
  const auto diagnostics = check_workflow_graph(workflow);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].field == "spec.actions[0].inputs_values.text");
  CHECK(diagnostics[0].message ==
        "the steps form a cycle me -> me: step \"me\" reads \"{{ me.text }}\"");
}

TEST_CASE("graph checks report positions from the source map")
{
  auto workflow = diamond();
  workflow.source.file = "wf.yaml";
  workflow.source.positions["spec.actions[1]"] = { 7, 5 };
  workflow.actions[1].inputs_values["text"] = OutputReference{ "tp", "text" };
  const auto diagnostics = check_workflow_graph(workflow);
  REQUIRE(diagnostics.size() == 1);
  CHECK(format_diagnostic(diagnostics[0]) ==
        "wf.yaml:7:5: spec.actions[1].inputs_values.text: unknown step "
        "\"tp\" in \"{{ tp.text }}\" (did you mean \"top\"?)");
}

TEST_CASE("the source map falls back to the closest parent")
{
  SourceMap map;
  map.positions["spec.actions[0]"] = { 3, 4 };
  CHECK(map.at("spec.actions[0].inputs_values.x").line == 3);
  CHECK(map.at("spec.trigger").line == 0);
}

TEST_CASE("allowed conversions between output and input types")
{
  CHECK(can_feed(IoType::integer, IoType::float_));
  CHECK_FALSE(can_feed(IoType::float_, IoType::integer));
  CHECK(can_feed(IoType::string, IoType::longstring));
  CHECK(can_feed(IoType::longstring, IoType::string));
  CHECK(can_feed(IoType::enum_, IoType::string));
  CHECK_FALSE(can_feed(IoType::string, IoType::enum_));
  CHECK(can_feed(IoType::string, IoType::password));
  CHECK_FALSE(can_feed(IoType::password, IoType::string));
  CHECK_FALSE(can_feed(IoType::integer, IoType::string));
  CHECK_FALSE(can_feed(IoType::file, IoType::directory));
  CHECK(can_interpolate(IoType::integer));
  CHECK_FALSE(can_interpolate(IoType::password));
  CHECK(accepts_interpolation(IoType::password));
  CHECK_FALSE(accepts_interpolation(IoType::enum_));
}

TEST_CASE("manual is a built-in Source with dynamic outputs")
{
  const auto manual = builtin_trigger("manual");
  REQUIRE(manual);
  CHECK(manual->id == "manual");
  CHECK(manual->version == "1.0");
  CHECK(manual->kind == ActionKind::source);
  CHECK(manual->type == ActionType::internal);
  CHECK(manual->dynamic_outputs);
  CHECK_FALSE(builtin_trigger("cron"));
  CHECK(builtin_trigger_names() ==
        std::vector<std::string_view>{ "crongw", "emitevery", "httpapijson",
                                       "manual", "one-run", "postgw" });
}

TEST_CASE("definitions compare equal whatever their positions")
{
  auto a = diamond();
  auto b = diamond();
  b.source.positions["spec"] = { 3, 1 };
  CHECK(a == b);
  b.actions[0].resources.cpu = 0.5;
  CHECK_FALSE(a == b);
}

TEST_SUITE_END();
