#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/yaml/workflow_parser.hpp"
#include "core/infrastructure/yaml/workflow_writer.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace ryax::domain;
using ryax::infra::yaml::parse_workflow;
using ryax::infra::yaml::write_workflow;
using ryax::infra::yaml::yaml_string;

namespace {

const std::filesystem::path k_source_dir(RYAX_SOURCE_DIR);
const std::filesystem::path k_fixtures =
  k_source_dir / "tests/fixtures/workflows";

std::string
slurp(const std::filesystem::path& path)
{
  auto content = ryax::infra::files::read_file(path);
  REQUIRE_MESSAGE(content, "cannot read " << path);
  return std::move(*content);
}

IoSpec
io(std::string name, IoType type, std::optional<Scalar> default_value = {})
{
  IoSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.default_value = std::move(default_value);
  return spec;
}

ActionVersion
action(std::string id,
       std::string version,
       ActionKind kind,
       std::vector<IoSpec> inputs,
       std::vector<IoSpec> outputs,
       BuildState state = BuildState::built)
{
  static std::int64_t sequence = 0;
  ActionVersion v;
  v.metadata.id = std::move(id);
  v.metadata.version = std::move(version);
  v.metadata.kind = kind;
  v.metadata.inputs = std::move(inputs);
  v.metadata.outputs = std::move(outputs);
  v.build_state = state;
  v.sequence = ++sequence;
  return v;
}

// An in-memory catalogue: echo 1.0 and 1.2 built, 1.3 pending; resize
// never built; a Source "clock"; a Publisher "notify".
class FakeCatalogue : public ActionLookup
{
public:
  FakeCatalogue()
  {
    const auto p = ActionKind::processor;
    auto token = io("token", IoType::password);
    token.optional = true;
    auto model = io("model", IoType::file);
    model.optional = true;
    const std::vector<IoSpec> echo_inputs = {
      io("text", IoType::string),
      io("times", IoType::integer, Scalar(std::int64_t{ 1 })),
      token,
      model
    };
    const std::vector<IoSpec> text_output = { io("text", IoType::string) };
    auto channel = io("channel", IoType::enum_, Scalar(std::string("email")));
    channel.enum_values = { "email", "slack" };
    m_versions = {
      action("echo", "1.0", p, echo_inputs, text_output),
      action("echo", "1.2", p, echo_inputs, text_output),
      action(
        "echo", "1.3", p, echo_inputs, text_output, BuildState::build_pending),
      action("upper",
             "1.0",
             p,
             { io("text", IoType::string) },
             { io("text", IoType::string), io("length", IoType::integer) }),
      action("concat",
             "1.0",
             p,
             { io("a", IoType::string), io("b", IoType::string) },
             { io("joined", IoType::string) }),
      action("scale",
             "1.0",
             p,
             { io("factor", IoType::float_) },
             { io("ratio", IoType::float_) }),
      action("notify",
             "1.0",
             ActionKind::publisher,
             { io("message", IoType::longstring),
               channel,
               io("urgent", IoType::boolean, Scalar(false)) },
             {}),
      action("clock",
             "1.0",
             ActionKind::source,
             { io("every", IoType::string) },
             { io("tick", IoType::integer) }),
      action("resize",
             "1.0",
             p,
             { io("image", IoType::string) },
             { io("image", IoType::string) },
             BuildState::scanned),
    };
  }

  std::optional<ActionVersion>
  find(const std::string& id, const std::string& version) const override
  {
    std::optional<ActionVersion> latest;
    std::optional<ActionVersion> latest_built;
    for (const auto& v : m_versions) {
      if (v.id() != id) {
        continue;
      }
      if (!version.empty() && v.version() == version) {
        return v;
      }
      latest = v;
      if (v.build_state == BuildState::built) {
        latest_built = v;
      }
    }
    if (!version.empty()) {
      return std::nullopt;
    }
    return latest_built ? latest_built : latest;
  }

  std::vector<std::string>
  versions(const std::string& id) const override
  {
    std::vector<std::string> result;
    for (const auto& v : m_versions) {
      if (v.id() == id) {
        result.push_back(v.version());
      }
    }
    return result;
  }

  std::vector<std::string>
  ids() const override
  {
    std::vector<std::string> result;
    for (const auto& v : m_versions) {
      if (result.empty() || result.back() != v.id()) {
        result.push_back(v.id());
      }
    }
    return result;
  }

private:
  std::vector<ActionVersion> m_versions;
};

// The disk next to the workflow file: models/small.bin and models/.
FileKind
probe(const std::string& path)
{
  if (path == "models/small.bin") {
    return FileKind::file;
  }
  return path == "models" ? FileKind::directory : FileKind::none;
}

// Parse and validate, as `ryax workflow validate` does.
std::vector<Diagnostic>
check(const std::string& text, const std::string& name = "wf.yaml")
{
  auto parsed = parse_workflow(text, name);
  auto diagnostics = parsed.diagnostics;
  if (parsed.workflow && diagnostics.empty()) {
    diagnostics = validate_workflow(*parsed.workflow, FakeCatalogue(), probe);
  }
  return diagnostics;
}

std::string
all_messages(const std::vector<Diagnostic>& diagnostics)
{
  std::string text;
  for (const auto& d : diagnostics) {
    text += format_diagnostic(d) + "\n";
  }
  return text;
}

// The 1-based line holding "# <- error" in `text`.
int
marked_line(const std::string& text)
{
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find("# <- error") != std::string::npos) {
      return number;
    }
  }
  FAIL("no \"# <- error\" marker");
  return 0;
}

struct Expectation
{
  const char* file;
  const char* field;
  const char* message; // a part of the message
};

} // namespace

TEST_SUITE_BEGIN("infra::yaml::WorkflowParser");

TEST_CASE("each invalid fixture reports its rule at the marked line and key")
{
  const Expectation expectations[] = {
    { "syntax.yaml", "", "invalid YAML" },
    { "unknown_key.yaml",
      "spec.actions[0].inputs_value",
      "unknown key \"inputs_value\" (did you mean \"inputs_values\"?)" },
    { "wrong_kind.yaml", "kind", "unsupported kind \"Processor\"" },
    { "two_triggers.yaml", "spec.trigger", "exactly one trigger" },
    { "duplicate_step_id.yaml",
      "spec.actions[1].id",
      "duplicate step id \"greet\" (first at line 12)" },
    { "invalid_step_id.yaml",
      "spec.actions[0].id",
      "invalid step id \"2nd-step\"" },
    { "reserved_step_id.yaml",
      "spec.actions[0].id",
      "step id \"vars\" is reserved" },
    { "bad_reference.yaml",
      "spec.actions[0].inputs_values.text",
      "invalid reference \"{{ start }}\"" },
    { "unclosed_reference.yaml",
      "spec.actions[0].inputs_values.text",
      "unclosed \"{{\"" },
    { "unquoted_reference.yaml",
      "spec.actions[0].inputs_values.text",
      "a reference must be quoted" },
    { "bad_resources.yaml",
      "spec.actions[0].resources.memory",
      "it must exceed 32 MiB" },
    { "bad_objectives.yaml",
      "spec.actions[0].objectives.cost",
      "expected an integer from 0 to 100" },
    { "bad_deployment.yaml",
      "spec.actions[0].deployment.max_replicas",
      "expected an integer >= 1, got \"0\"" },
    { "duplicate_result_key.yaml",
      "spec.results[1].key",
      "duplicate result key \"out\"" },
    { "result_not_reference.yaml",
      "spec.results[0].value",
      "a result is one step output" },
    { "cycle.yaml",
      "spec.actions[0].inputs_values.text",
      "the steps form a cycle a -> b -> c -> a: step \"a\" reads \"{{ c.text "
      "}}\" "
      "but \"c\" runs after \"a\"" },
    { "unknown_step.yaml",
      "spec.actions[1].inputs_values.text",
      "unknown step \"gret\" in \"{{ gret.text }}\" (did you mean "
      "\"greet\"?)" },
    { "unknown_after.yaml",
      "spec.actions[0].after[0]",
      "unknown step \"stat\" (did you mean \"start\"?)" },
    { "trigger_reads_output.yaml",
      "spec.trigger.inputs_values.every",
      "the trigger runs first" },
    { "action_outputs.yaml",
      "spec.actions[0].outputs",
      "only the trigger declares outputs" },
    { "trigger_not_source.yaml",
      "spec.trigger.from",
      "action \"echo\" is a \"Processor\": the trigger must be a Source" },
    { "action_is_source.yaml",
      "spec.actions[0].from",
      "only the trigger may be a Source" },
    { "builtin_as_action.yaml",
      "spec.actions[0].from",
      "\"manual\" is a built-in trigger" },
    { "unknown_action.yaml",
      "spec.actions[0].from",
      "unknown action \"eco\" (did you mean \"echo\"?)" },
    { "unknown_version.yaml",
      "spec.actions[0].version",
      "action \"echo\" has no version \"9.9\" (versions: \"1.0\", \"1.2\", "
      "\"1.3\")" },
    { "not_built.yaml",
      "spec.actions[0].from",
      "action \"resize\" version \"1.0\" is not built (scanned): run \"ryax "
      "action build resize:1.0\"" },
    { "not_built_version.yaml",
      "spec.actions[0].version",
      "action \"echo\" version \"1.3\" is not built (build pending): run "
      "\"ryax "
      "action build echo:1.3\"" },
    { "unknown_output.yaml",
      "spec.actions[0].inputs_values.text",
      "step \"start\" has no output \"whom\" (did you mean \"who\"?)" },
    { "type_mismatch.yaml",
      "spec.actions[0].inputs_values.text",
      "type mismatch: \"{{ start.n }}\" is of type \"integer\", it cannot feed "
      "input \"text\" of type \"string\"" },
    { "static_type.yaml",
      "spec.actions[0].inputs_values.times",
      "static value \"three\" does not fit input \"times\" of type "
      "\"integer\"" },
    { "enum_value.yaml",
      "spec.actions[0].inputs_values.channel",
      "\"slak\" is not among the enum_values of input \"channel\" (did you "
      "mean \"slack\"?)" },
    { "missing_input.yaml",
      "spec.actions[0].inputs_values",
      "missing input \"text\" of action \"echo\"" },
    { "unknown_input.yaml",
      "spec.actions[0].inputs_values.txt",
      "unknown input \"txt\" of action \"echo\" (did you mean \"text\"?)" },
    { "missing_file.yaml",
      "spec.actions[0].inputs_values.model",
      "static file \"models/none.bin\" does not exist" },
    { "file_into_string.yaml",
      "spec.actions[0].inputs_values.text",
      "write {literal: \"@john\"}" },
    { "interpolation_not_string.yaml",
      "spec.actions[0].inputs_values.times",
      "an interpolated string cannot feed input \"times\" of type "
      "\"integer\"" },
    { "dynamic_outputs.yaml",
      "spec.trigger.outputs",
      "trigger \"clock\" has no dynamic outputs" },
    { "result_unknown_output.yaml",
      "spec.results[0].value",
      "step \"greet\" has no output \"txt\" (did you mean \"text\"?)" },
  };
  std::size_t fixtures = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(k_fixtures / "invalid")) {
    (void)entry;
    ++fixtures;
  }
  CHECK(fixtures == std::size(expectations));
  for (const auto& expected : expectations) {
    CAPTURE(expected.file);
    const auto text = slurp(k_fixtures / "invalid" / expected.file);
    const auto diagnostics = check(text, expected.file);
    CAPTURE(all_messages(diagnostics));
    REQUIRE(diagnostics.size() == 1);
    const auto& d = diagnostics.front();
    CHECK(d.file == expected.file);
    CHECK(d.line == marked_line(text));
    CHECK(d.column > 0);
    CHECK(d.field == expected.field);
    CHECK(d.message.find(expected.message) != std::string::npos);
  }
}

TEST_CASE("every valid fixture and the example pass parsing and validation")
{
  for (const auto& path : { k_fixtures / "valid/fan_in.yaml",
                            k_fixtures / "valid/diamond.yaml",
                            k_fixtures / "valid/everything.yaml",
                            k_source_dir / "examples/workflow.yaml" }) {
    CAPTURE(path);
    const auto diagnostics = check(slurp(path));
    CHECK_MESSAGE(diagnostics.empty(), all_messages(diagnostics));
  }
}

TEST_CASE("a fan-in gives the third step two data parents")
{
  const auto parsed =
    parse_workflow(slurp(k_fixtures / "valid/fan_in.yaml"), "fan_in.yaml");
  REQUIRE(parsed.ok());
  const auto& workflow = *parsed.workflow;
  CHECK(workflow.id == "fan-in");
  CHECK(upstream_steps(workflow, "join") ==
        std::vector<std::string>{ "left", "right" });
  CHECK(ancestors(workflow, "join") ==
        std::vector<std::string>{ "start", "left", "right" });
  CHECK(workflow.results ==
        std::vector<WorkflowResult>{ { "full", { "join", "joined" } } });
}

TEST_CASE("a diamond read from a file orders and finds ancestors")
{
  const auto parsed =
    parse_workflow(slurp(k_fixtures / "valid/diamond.yaml"), "diamond.yaml");
  REQUIRE(parsed.ok());
  CHECK(topological_order(*parsed.workflow).value() ==
        std::vector<std::string>{ "start", "top", "left", "right", "bottom" });
  CHECK(ancestors(*parsed.workflow, "bottom") ==
        std::vector<std::string>{ "start", "left", "right", "top" });
}

TEST_CASE("every key of the format is read into the definition")
{
  const auto parsed = parse_workflow(
    slurp(k_fixtures / "valid/everything.yaml"), "everything.yaml");
  REQUIRE(parsed.ok());
  const auto& w = *parsed.workflow;
  CHECK(w.human_name == "Every key: once");
  CHECK(w.description == "Two lines\nof description\n");
  CHECK(w.trigger.version == "1.0");
  CHECK(w.trigger.resources.cpu == 1.0);
  CHECK(w.trigger.objectives.cost == 0);
  const auto& greet = w.actions[0];
  CHECK(greet.inputs_values.at("text") ==
        Binding(Scalar(std::string("@not-a-file {{ nor a reference }}"))));
  CHECK(greet.inputs_values.at("times") == Binding(Scalar(std::int64_t{ 3 })));
  CHECK(greet.inputs_values.at("token") ==
        Binding(VariableReference{ "API_TOKEN" }));
  CHECK(greet.inputs_values.at("model") ==
        Binding(StaticFile{ "models/small.bin" }));
  CHECK(greet.resources.memory_bytes == 1536LL * 1024 * 1024);
  CHECK(greet.resources.time_seconds == 90);
  CHECK(greet.resources.gpu == 1);
  CHECK(greet.constraints
        == Constraints{ "local", "default", "local", "x86_64" });
  CHECK(greet.objectives == Objectives{ 50, 100, 30 });
  CHECK(greet.deployment == Deployment{ 300, 2, true });
  CHECK(w.actions[2].after == std::vector<std::string>{ "scaled" });
  CHECK(std::holds_alternative<Interpolation>(
    w.actions[2].inputs_values.at("message")));
  CHECK(w.source.at("spec.actions[0].resources.gpu").line == 27);
}

TEST_CASE("export, push, export is byte-identical and keeps the definition")
{
  for (const auto* name :
       { "fan_in.yaml", "diamond.yaml", "everything.yaml" }) {
    CAPTURE(name);
    const auto first = parse_workflow(slurp(k_fixtures / "valid" / name), name);
    REQUIRE(first.ok());
    const auto written = write_workflow(*first.workflow);
    const auto second = parse_workflow(written, "export.yaml");
    CAPTURE(written);
    REQUIRE(second.ok());
    CHECK(*second.workflow == *first.workflow);
    CHECK(write_workflow(*second.workflow) == written);
  }
}

TEST_CASE("the writer normalises spelling and order")
{
  const auto parsed = parse_workflow(
    slurp(k_fixtures / "valid/everything.yaml"), "everything.yaml");
  REQUIRE(parsed.ok());
  const auto text = write_workflow(*parsed.workflow);
  CHECK(text.starts_with("apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
                         "  id: everything\n  human_name: \"Every key: once\"\n"
                         "  description: \"Two lines\\nof description\\n\"\n"));
  CHECK(
    text.find("      model: \"@models/small.bin\"\n"
              "      text: {literal: \"@not-a-file {{ nor a reference }}\"}\n"
              "      times: 3\n"
              "      token: \"{{ vars.API_TOKEN }}\"\n") != std::string::npos);
  CHECK(text.find("      memory: 1536M\n      time: 90s\n") !=
        std::string::npos);
  CHECK(text.find("      idle_timeout: 5m\n") != std::string::npos);
  CHECK(text.find("    value: \"{{ greet.text }}\"\n") != std::string::npos);
}

TEST_CASE("strings are plain only when they read back the same")
{
  CHECK(yaml_string("hello world") == "hello world");
  CHECK(yaml_string("1.0") == "\"1.0\"");
  CHECK(yaml_string("yes") == "\"yes\"");
  CHECK(yaml_string("Null") == "\"Null\"");
  CHECK(yaml_string("") == "\"\"");
  CHECK(yaml_string("a: b") == "\"a: b\"");
  CHECK(yaml_string("say \"hi\"\\\n") == "\"say \\\"hi\\\"\\\\\\n\"");
}

TEST_CASE("static values round-trip with their YAML type")
{
  WorkflowDefinition workflow;
  workflow.id = "types";
  workflow.trigger.id = "start";
  workflow.trigger.from = "manual";
  WorkflowStep step;
  step.id = "s";
  step.from = "echo";
  step.inputs_values = {
    { "a", Scalar(std::string("3")) },
    { "b", Scalar(2.0) },
    { "c", Scalar(true) },
    { "d", Scalar(std::string("true")) },
    { "e", Scalar(std::string("{{ x }}")) },
    { "f", Scalar(std::int64_t{ -4 }) },
    { "g", Scalar(1e300) },
    { "h", Scalar(std::string("tab\there")) },
  };
  workflow.actions.push_back(step);
  const auto text = write_workflow(workflow);
  const auto parsed = parse_workflow(text, "types.yaml");
  CAPTURE(text);
  CAPTURE(all_messages(parsed.diagnostics));
  REQUIRE(parsed.ok());
  CHECK(*parsed.workflow == workflow);
}

TEST_CASE("the literal form keeps a string that looks like a reference")
{
  const auto parsed = parse_workflow(
    slurp(k_fixtures / "invalid/bad_reference.yaml")
      .replace(slurp(k_fixtures / "invalid/bad_reference.yaml").find("\"{{"),
               std::string("\"{{ start }}\"").size(),
               "{literal: \"{{ start }}\"}"),
    "wf.yaml");
  CAPTURE(all_messages(parsed.diagnostics));
  REQUIRE(parsed.ok());
  CHECK(parsed.workflow->actions[0].inputs_values.at("text") ==
        Binding(Scalar(std::string("{{ start }}"))));
}

TEST_CASE("a reference inside text only feeds string-typed inputs")
{
  const std::string head =
    "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
    "  id: t\n  trigger:\n    id: start\n    from: manual\n"
    "    outputs:\n    - {name: n, type: integer}\n"
    "    - {name: pw, type: password}\n  actions:\n"
    "  - id: s\n    from: echo\n    inputs_values:\n";
  CHECK(check(head + "      text: \"n = {{ start.n }}\"\n").empty());
  CHECK(check(head + "      text: hi\n      token: \"Bearer {{ vars.T }}\"\n")
          .empty());
  const auto leak = check(head + "      text: \"pw {{ start.pw }}\"\n");
  REQUIRE(leak.size() == 1);
  CHECK(leak[0].message.find("cannot be interpolated") != std::string::npos);
}

TEST_CASE("problems are all reported at once")
{
  const std::string text =
    "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
    "  id: t\n  trigger:\n    id: start\n    from: manual\n"
    "  actions:\n  - id: s\n    from: echo\n"
    "    resources: {cpu: 0.01, gpu: 0}\n"
    "    objectives: {cost: -1}\n    colour: red\n";
  const auto parsed = parse_workflow(text, "wf.yaml");
  CHECK(parsed.diagnostics.size() == 4);
  REQUIRE(parsed.workflow);
  const auto more = validate_workflow(*parsed.workflow, FakeCatalogue(), probe);
  REQUIRE(more.size() == 1);
  CHECK(format_diagnostic(more[0]) ==
        "wf.yaml:9:5: spec.actions[0].inputs_values: missing input \"text\" of "
        "action \"echo\" (type \"string\", no default, not optional): bind it "
        "in inputs_values");
}

TEST_CASE("a missing or empty file is reported, not thrown")
{
  CHECK(parse_workflow("", "wf.yaml").diagnostics.size() == 1);
  CHECK_FALSE(parse_workflow("", "wf.yaml").workflow);
  const auto missing = parse_workflow("kind: Workflow\n", "wf.yaml");
  CHECK(missing.diagnostics.size() == 2);
}

TEST_SUITE_END();
