#include "core/infrastructure/yaml/action_metadata_parser.hpp"
#include "core/infrastructure/files/read_file.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

using namespace ryax::domain;
using ryax::infra::yaml::ActionFileReader;
using ryax::infra::yaml::parse_action_metadata;
using ryax::infra::yaml::ParsedActionMetadata;

namespace {

const std::filesystem::path k_fixtures =
  std::filesystem::path(RYAX_SOURCE_DIR) / "tests/fixtures/actions";

std::optional<std::string>
slurp(const std::filesystem::path& path)
{
  auto content = ryax::infra::files::read_file(path);
  return content ? std::optional(std::move(*content)) : std::nullopt;
}

// Parse a valid fixture, reading the action's files from its directory.
ParsedActionMetadata
parse_valid(const std::string& name)
{
  const auto dir = k_fixtures / "valid" / name;
  const auto text = slurp(dir / "ryax_metadata.yaml");
  REQUIRE(text);
  return parse_action_metadata(
    *text, "ryax_metadata.yaml", [dir](const std::string& path) {
      return slurp(dir / path);
    });
}

// An in-memory action directory.
ActionFileReader
files(std::map<std::string, std::string> content)
{
  return [content = std::move(content)](
           const std::string& path) -> std::optional<std::string> {
    const auto it = content.find(path);
    if (it == content.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

// Every code file, so that invalid fixtures fail only for their own rule.
const ActionFileReader k_all_code_files = files({ { "ryax_handler.py", "" },
                                                  { "ryax_run.py", "" },
                                                  { "ryax_handler.js", "" } });

// Parse `invalid/<name>.yaml`.
ParsedActionMetadata
parse_invalid(const std::string& name,
              const ActionFileReader& reader = k_all_code_files)
{
  const auto text = slurp(k_fixtures / "invalid" / (name + ".yaml"));
  REQUIRE(text);
  return parse_action_metadata(*text, name + ".yaml", reader);
}

std::string
all_messages(const ParsedActionMetadata& result)
{
  std::string text;
  for (const auto& diagnostic : result.diagnostics) {
    text += format_diagnostic(diagnostic) + "\n";
  }
  return text;
}

// Check that parsing `invalid/<fixture>.yaml` gives exactly one diagnostic,
// on `field` at `line`:`column` (column 0: not checked), whose message
// contains `fragment`; return it.
Diagnostic
expect_error(const std::string& fixture,
             const std::string& field,
             int line,
             int column,
             const std::string& fragment,
             const ActionFileReader& reader = k_all_code_files)
{
  const auto result = parse_invalid(fixture, reader);
  INFO(all_messages(result));
  CHECK_FALSE(result.ok());
  REQUIRE(result.diagnostics.size() == 1);
  const auto& diagnostic = result.diagnostics.front();
  CHECK(diagnostic.file == fixture + ".yaml");
  CHECK(diagnostic.field == field);
  CHECK(diagnostic.line == line);
  if (column != 0) {
    CHECK(diagnostic.column == column);
  }
  CHECK(diagnostic.message.find(fragment) != std::string::npos);
  return diagnostic;
}

std::string
png_header(int width, int height)
{
  std::string bytes("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (const int value : { width, height }) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes += static_cast<char>((value >> shift) & 0xFF);
    }
  }
  return bytes + std::string(13, '\0');
}

} // namespace

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

// --- inputs and outputs
// -------------------------------------------------------

TEST_CASE("an IO entry without help is rejected at the entry")
{
  expect_error("missing-io-help",
               "spec.inputs[0].help",
               9,
               5,
               "missing required key \"help\"");
}

TEST_CASE("an IO name must be an identifier")
{
  expect_error("io-name-not-identifier",
               "spec.inputs[0].name",
               9,
               11,
               "invalid name \"my input\"");
}

TEST_CASE("IO human_name and help have maximum lengths")
{
  expect_error("io-human-name-too-long",
               "spec.inputs[0].human_name",
               10,
               17,
               "too long (129 characters): expected at most 128");
  expect_error("io-help-too-long",
               "spec.inputs[0].help",
               11,
               11,
               "too long (10001 characters): expected at most 10000");
}

TEST_CASE("an unknown IO type suggests the type it abbreviates")
{
  expect_error("unknown-io-type",
               "spec.inputs[0].type",
               12,
               11,
               "unknown type \"int\" (did you mean \"integer\"?)");
}

TEST_CASE("an enum needs enum_values and only an enum may have them")
{
  expect_error("enum-without-values",
               "spec.inputs[0].enum_values",
               12,
               11,
               "type \"enum\" needs a non-empty enum_values list");
  expect_error("enum-values-on-non-enum",
               "spec.inputs[0].enum_values",
               13,
               5,
               "only allowed with type \"enum\", not \"integer\"");
  expect_error("too-many-enum-values",
               "spec.inputs[0].enum_values",
               13,
               5,
               "too many entries (65): expected at most 64");
  expect_error("empty-enum-value",
               "spec.inputs[0].enum_values[1]",
               13,
               22,
               "\"\" is too short");
}

TEST_CASE("at most 64 outputs are allowed")
{
  expect_error(
    "too-many-outputs", "spec.outputs", 8, 3, "too many outputs (65)");
}

TEST_CASE("a default value must fit the type of its input")
{
  expect_error(
    "default-integer-mismatch",
    "spec.inputs[0].default_value",
    13,
    20,
    "default value \"1.5\" does not fit type \"integer\": expected an integer");
  expect_error("default-float-mismatch",
               "spec.inputs[0].default_value",
               13,
               20,
               "expected a number");
  expect_error("default-boolean-mismatch",
               "spec.inputs[0].default_value",
               13,
               20,
               "default value \"yes\" does not fit type \"boolean\"");
  expect_error("default-enum-not-listed",
               "spec.inputs[0].default_value",
               14,
               20,
               "expected one of the enum_values (\"small\" or \"large\")");
  expect_error("default-not-scalar",
               "spec.inputs[0].default_value",
               13,
               20,
               "expected a string, number or boolean, got a list");
}

TEST_CASE("a file input cannot have a default value")
{
  expect_error("default-on-file",
               "spec.inputs[0].default_value",
               13,
               20,
               "an input of type \"file\" cannot have a default value");
}

TEST_CASE("an output cannot have a default value")
{
  expect_error(
    "default-on-output",
    "spec.outputs[0].default_value",
    18,
    5,
    "unknown key \"default_value\" (only inputs have a default value)");
}

TEST_CASE("IO names are unique within inputs and within outputs")
{
  expect_error("duplicate-input-names",
               "spec.inputs[1].name",
               13,
               12,
               "duplicate input name \"x\" (first declared at line 9)");
  expect_error("duplicate-output-names",
               "spec.outputs[1].name",
               18,
               12,
               "duplicate output name \"y\" (first declared at line 14)");
}

TEST_CASE("optional must be a boolean")
{
  expect_error("optional-not-boolean",
               "spec.inputs[0].optional",
               13,
               15,
               "expected true or false, got \"maybe\"");
}

// --- resources
// ----------------------------------------------------------------

TEST_CASE("cpu is a number of at least 0.1 cores")
{
  expect_error(
    "cpu-too-small", "spec.resources.cpu", 9, 10, "at least 0.1 cores");
  expect_error("cpu-not-number",
               "spec.resources.cpu",
               9,
               10,
               "expected a number of cores (e.g. 0.5), got \"500m\"");
}

TEST_CASE("memory names the accepted units and must exceed 32 MiB")
{
  expect_error(
    "memory-bad-unit",
    "spec.resources.memory",
    9,
    13,
    "invalid memory \"4GB\": expected a number of bytes or a number with "
    "unit K, M, G or T (base 1024)");
  expect_error(
    "memory-too-small", "spec.resources.memory", 9, 13, "must exceed 32 MiB");
  expect_error("memory-number-too-small",
               "spec.resources.memory",
               9,
               13,
               "expected at least 1000000 bytes");
}

TEST_CASE("time names the accepted units and must be positive")
{
  expect_error(
    "time-bad-unit",
    "spec.resources.time",
    9,
    11,
    "invalid duration \"10min\": expected a number of seconds or a number "
    "with unit s, m, h or d");
  expect_error(
    "time-zero", "spec.resources.time", 9, 11, "must be greater than 0");
  expect_error("time-number-too-small",
               "spec.resources.time",
               9,
               11,
               "expected at least 1 second");
}

TEST_CASE("gpu is an integer of at least 1")
{
  expect_error("gpu-not-integer",
               "spec.resources.gpu",
               9,
               10,
               "expected an integer number of GPUs");
  expect_error("gpu-zero", "spec.resources.gpu", 9, 10, "at least 1");
}

// --- files of the action -----------------------------------------------------

TEST_CASE("a missing code file is reported on the type")
{
  const auto d = expect_error("logo",
                              "spec.type",
                              6,
                              9,
                              "",
                              files({ { "logo.png", png_header(10, 10) } }));
  CHECK(
    d.message ==
    "a python3 Processor needs \"ryax_handler.py\" in the action directory");
}

TEST_CASE("a logo must exist inside the action directory")
{
  expect_error("logo",
               "spec.logo",
               8,
               9,
               "logo file \"logo.png\" does not exist in the action directory");
  expect_error("logo-outside",
               "spec.logo",
               8,
               9,
               "must be a relative path inside the action directory");
}

TEST_CASE("a logo must be a png or jpg by content")
{
  expect_error(
    "logo",
    "spec.logo",
    8,
    9,
    "logo \"logo.png\" is not a png or jpg image",
    files({ { "ryax_handler.py", "" }, { "logo.png", "GIF89a..." } }));
  const auto jpeg = std::string("\xFF\xD8\xFF\xD9", 4);
  const auto result = parse_invalid(
    "logo", files({ { "ryax_handler.py", "" }, { "logo.png", jpeg } }));
  CHECK(result.ok());
}

TEST_CASE("a logo is at most 250x250 pixels")
{
  expect_error(
    "logo",
    "spec.logo",
    8,
    9,
    "logo \"logo.png\" is 300x200 pixels: expected at most 250x250",
    files({ { "ryax_handler.py", "" }, { "logo.png", png_header(300, 200) } }));
  const auto result = parse_invalid(
    "logo",
    files({ { "ryax_handler.py", "" }, { "logo.png", png_header(250, 250) } }));
  CHECK(result.ok());
}

// --- reporting ---------------------------------------------------------------

TEST_CASE("all problems are reported, sorted by position, with the id kept")
{
  const std::string text = R"(apiVersion: "ryax.tech/v2.0"
kind: Processor
spec:
  id: many-problems
  humn_name: Many problems
  type: python3
  version: "1.0"
  inputs:
  - {name: x, human_name: X, help: "", type: integer, default_value: one}
  - {name: x, human_name: X, help: "", type: flot}
)";
  const auto result = parse_action_metadata(text, "m.yaml", files({}));
  INFO(all_messages(result));
  CHECK_FALSE(result.ok());
  REQUIRE(result.metadata);
  CHECK(result.metadata->id == "many-problems");
  CHECK(result.metadata->version == "1.0");
  std::vector<std::string> lines;
  for (const auto& diagnostic : result.diagnostics) {
    lines.push_back(format_diagnostic(diagnostic));
  }
  CHECK(lines ==
        std::vector<std::string>{
          "m.yaml:3:1: spec.human_name: missing required key \"human_name\"",
          "m.yaml:5:3: spec.humn_name: unknown key \"humn_name\" (did you mean "
          "\"human_name\"?)",
          "m.yaml:6:9: spec.type: a python3 Processor needs "
          "\"ryax_handler.py\" in the action directory",
          "m.yaml:9:70: spec.inputs[0].default_value: default value \"one\" "
          "does not fit type \"integer\": expected an integer",
          "m.yaml:10:12: spec.inputs[1].name: duplicate input name \"x\" "
          "(first declared at line 9)",
          "m.yaml:10:46: spec.inputs[1].type: unknown type \"flot\" (did you "
          "mean \"float\"?)",
        });
}

TEST_CASE("an invalid action without id or version has no metadata")
{
  const auto result = parse_invalid("missing-spec");
  CHECK_FALSE(result.metadata);
  CHECK_FALSE(result.ok());
}

TEST_SUITE_END();
