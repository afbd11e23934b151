#include "tests/unit/infrastructure/yaml/action_metadata_fixtures.hpp"

#include <algorithm>

using namespace ryax::test::metadata;

TEST_SUITE_BEGIN("infra::yaml::ActionMetadataParser");

// --- valid actions -----------------------------------------------------------

TEST_CASE("the example of the Ryax reference is a valid action")
{
  const auto result = parse_valid("add-two");
  INFO(all_messages(result));
  REQUIRE(result.ok());
  const auto& metadata = *result.metadata;
  CHECK(metadata.id == "add-two");
  CHECK(metadata.human_name == "Add two");
  CHECK(metadata.version == "1.0");
  CHECK(metadata.kind == ActionKind::processor);
  CHECK(metadata.type == ActionType::python3);
  REQUIRE(metadata.inputs.size() == 1);
  CHECK(metadata.inputs[0].name == "x");
  CHECK(metadata.inputs[0].type == IoType::integer);
  CHECK(metadata.inputs[0].default_value == Scalar{ std::int64_t{ 1 } });
  REQUIRE(metadata.outputs.size() == 1);
  CHECK(metadata.outputs[0].help == "x plus two");
  CHECK_FALSE(metadata.outputs[0].default_value);
  CHECK(metadata.addons_json == "{}");
  CHECK(metadata.options_json == "{}");
}

TEST_CASE("an action using every IO type and every optional field is valid")
{
  const auto result = parse_valid("all-io-types");
  INFO(all_messages(result));
  REQUIRE(result.ok());
  const auto& metadata = *result.metadata;
  CHECK(metadata.type == ActionType::python3_cuda);
  CHECK(metadata.version == "2.1"); // an unquoted float keeps its text
  CHECK(metadata.description ==
        "Takes one input of every type and gives them back.\n");
  CHECK(metadata.logo == "assets/logo.png");
  CHECK(metadata.categories ==
        std::vector<std::string>{ "Testing", "Data processing" });
  CHECK(metadata.dependencies ==
        std::vector<std::string>{ "opencv", "python3Packages.numpy" });
  CHECK(metadata.resources.cpu == 0.5);
  CHECK(metadata.resources.memory_bytes == 1536LL * 1024 * 1024);
  CHECK(metadata.resources.time_seconds == 1800);
  CHECK(metadata.resources.gpu == 1);

  REQUIRE(metadata.inputs.size() == 13);
  std::vector<IoType> types;
  for (const auto& input : metadata.inputs) {
    types.push_back(input.type);
  }
  for (const auto type : k_all_io_types) {
    CHECK(std::find(types.begin(), types.end(), type) != types.end());
  }
  CHECK(metadata.inputs[0].default_value == Scalar{ std::string("hello") });
  CHECK(metadata.inputs[1].human_name.empty());
  CHECK(metadata.inputs[2].optional);
  CHECK(metadata.inputs[3].default_value == Scalar{ std::int64_t{ -42 } });
  CHECK(metadata.inputs[4].default_value == Scalar{ 2.5 });
  CHECK(metadata.inputs[5].default_value == Scalar{ 3.0 });
  CHECK(metadata.inputs[6].default_value == Scalar{ true });
  CHECK(metadata.inputs[7].enum_values ==
        std::vector<std::string>{ "small", "medium", "large" });
  CHECK(metadata.inputs[7].default_value == Scalar{ std::string("medium") });
  CHECK(metadata.inputs[12].default_value == Scalar{ std::string("12") });

  REQUIRE(metadata.outputs.size() == 2);
  CHECK(metadata.outputs[1].enum_values ==
        std::vector<std::string>{ "a", "b" });
  CHECK(
    metadata.addons_json ==
    R"({"hpc":{},"http_service":{"endpoint_prefix":"/api","port":8080,"strip_path_prefix":true}})");
  CHECK(metadata.options_json ==
        R"({"nixpkgs":{"version":"nixos-23.11"},"python":{"version":"3.11"}})");
}

TEST_CASE("a source may declare dynamic outputs and needs ryax_run.py")
{
  const auto result = parse_valid("dynamic-source");
  INFO(all_messages(result));
  REQUIRE(result.ok());
  CHECK(result.metadata->kind == ActionKind::source);
  CHECK(result.metadata->dynamic_outputs);
  CHECK(result.metadata->outputs.empty());
  CHECK(result.metadata->addons_json == R"({"http_service":{"port":8080}})");
}

TEST_CASE("a nodejs action needs ryax_handler.js and may give memory in bytes")
{
  const auto result = parse_valid("nodejs-action");
  INFO(all_messages(result));
  REQUIRE(result.ok());
  CHECK(result.metadata->type == ActionType::nodejs);
  CHECK(result.metadata->kind == ActionKind::publisher);
  CHECK(result.metadata->resources.memory_bytes == 536870912);
  CHECK(result.metadata->resources.time_seconds == 90);
  CHECK(result.metadata->inputs.at(0).type == IoType::longstring);
}

TEST_CASE("an internal action needs no code file")
{
  const auto result = parse_valid("internal-action");
  INFO(all_messages(result));
  REQUIRE(result.ok());
  CHECK(result.metadata->type == ActionType::internal);
}

// --- the file and its top level ----------------------------------------------

TEST_CASE("a YAML syntax error is reported at its position")
{
  const auto d = expect_error("syntax-error", "", 9, 3, "invalid YAML: ");
  CHECK(
    format_diagnostic(d).starts_with("syntax-error.yaml:9:3: invalid YAML: "));
}

TEST_CASE("an empty file is rejected without a position")
{
  expect_error("empty", "", 0, 0, "the file is empty");
}

TEST_CASE("a top level that is not a mapping is rejected")
{
  expect_error("top-level-list",
               "",
               1,
               1,
               "expected a mapping with apiVersion, kind and spec");
}

TEST_CASE("a missing apiVersion is reported at the start of the file")
{
  expect_error("missing-api-version",
               "apiVersion",
               1,
               1,
               "missing required key \"apiVersion\"");
}

TEST_CASE("an apiVersion other than ryax.tech/v2.0 is rejected")
{
  expect_error(
    "wrong-api-version",
    "apiVersion",
    1,
    13,
    "unsupported apiVersion \"ryax.tech/v2.1\": expected \"ryax.tech/v2.0\"");
}

TEST_CASE("a version-1 apiVersion is rejected with a migration hint")
{
  expect_error("v1-api-version",
               "apiVersion",
               1,
               13,
               "is the Ryax v1 format: use apiVersion \"ryax.tech/v2.0\"");
}

TEST_CASE("a version-1 kind is rejected with the kind that replaces it")
{
  const auto d = expect_error("v1-kind", "kind", 2, 7, "");
  CHECK(d.message == "kind \"Functions\" is a Ryax v1 kind: use apiVersion "
                     "\"ryax.tech/v2.0\" with kind \"Processor\"");
}

TEST_CASE("spec.detail is rejected with a hint to move its fields into spec")
{
  expect_error("v1-spec-detail",
               "spec.detail",
               8,
               3,
               "move its fields (inputs, outputs...) directly into spec");
}

TEST_CASE("a missing kind or spec is reported")
{
  expect_error("missing-kind", "kind", 1, 1, "missing required key \"kind\"");
  expect_error("missing-spec", "spec", 1, 1, "missing required key \"spec\"");
  expect_error(
    "spec-not-mapping", "spec", 3, 7, "expected a mapping, got a list");
}

TEST_CASE("an unknown kind suggests its near miss")
{
  const auto d = expect_error("unknown-kind", "kind", 2, 7, "");
  CHECK(d.message == "unknown kind \"Procesor\" (did you mean \"Processor\"?)");
}

// --- unknown and duplicate keys ---------------------------------------------

TEST_CASE("an unknown top-level key is rejected")
{
  expect_error(
    "unknown-top-key", "metadata", 18, 1, "unknown key \"metadata\"");
}

TEST_CASE("an unknown spec key suggests its near miss")
{
  const auto d = expect_error("unknown-spec-key", "spec.humn_name", 6, 3, "");
  CHECK(d.message ==
        "unknown key \"humn_name\" (did you mean \"human_name\"?)");
}

TEST_CASE("an unknown resources key is rejected")
{
  expect_error("unknown-resources-key",
               "spec.resources.disk",
               10,
               5,
               "unknown key \"disk\"");
}

TEST_CASE("an unknown IO key suggests its near miss")
{
  expect_error("unknown-io-key",
               "spec.inputs[0].defaut_value",
               13,
               5,
               "(did you mean \"default_value\"?)");
}

TEST_CASE("a key given twice is rejected")
{
  expect_error("duplicate-key",
               "spec.version",
               8,
               3,
               "duplicate key \"version\" (first at line 7)");
}

TEST_CASE("addons must be a mapping")
{
  expect_error(
    "addons-not-mapping", "spec.addons", 8, 11, "expected a mapping");
}

// --- required spec fields and their rules -----------------------------------

TEST_CASE("missing required spec keys are reported at the spec key")
{
  expect_error(
    "missing-spec-id", "spec.id", 3, 1, "missing required key \"id\"");
  expect_error("missing-spec-human-name",
               "spec.human_name",
               3,
               1,
               "missing required key \"human_name\"");
  expect_error(
    "missing-spec-type", "spec.type", 3, 1, "missing required key \"type\"");
}

TEST_CASE("an id is 3 to 24 letters, digits or dashes")
{
  expect_error(
    "id-invalid-chars", "spec.id", 4, 7, "invalid id \"bad_action!\"");
  expect_error("id-too-long", "spec.id", 4, 7, "expected 3 to 24 letters");
}

TEST_CASE("human_name and version need at least 3 characters")
{
  expect_error("human-name-too-short",
               "spec.human_name",
               5,
               15,
               "\"Ba\" is too short: expected 3 to 128 characters");
  expect_error(
    "version-too-short", "spec.version", 7, 12, "\"1\" is too short");
}

TEST_CASE("an unknown action type suggests its near miss")
{
  const auto d = expect_error("unknown-type", "spec.type", 6, 9, "");
  CHECK(d.message == "unknown type \"python2\" (did you mean \"python3\"?)");
}

TEST_CASE("categories are at most 32 labels of 1 to 32 characters")
{
  expect_error("too-many-categories",
               "spec.categories",
               8,
               3,
               "too many entries (33): expected at most 32");
  expect_error("category-too-long",
               "spec.categories[1]",
               10,
               5,
               "too long (33 characters)");
  expect_error("empty-category", "spec.categories[1]", 8, 24, "too short");
}

TEST_CASE("dependencies are at most 64 names of at most 1024 characters")
{
  expect_error("too-many-dependencies",
               "spec.dependencies",
               8,
               3,
               "too many entries (65)");
  expect_error("dependency-too-long",
               "spec.dependencies[1]",
               10,
               5,
               "expected at most 1024 characters");
}

TEST_CASE("dynamic outputs are only for sources and are a boolean")
{
  expect_error("dynamic-outputs-on-processor",
               "spec.dynamic_outputs",
               8,
               20,
               "only Source actions may have dynamic outputs");
  expect_error("dynamic-outputs-not-boolean",
               "spec.dynamic_outputs",
               8,
               20,
               "expected true or false, got \"sometimes\"");
}

TEST_CASE("the python version option is major.minor")
{
  expect_error("python-version-invalid",
               "spec.options.python.version",
               10,
               16,
               "expected \"major.minor\"");
}

TEST_SUITE_END();
