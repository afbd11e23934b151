// The action metadata parser: inputs, outputs, resources and files.

#include "tests/unit/infrastructure/yaml/action_metadata_fixtures.hpp"

#include <algorithm>

using namespace ryax::test::metadata;

TEST_SUITE_BEGIN("infra::yaml::ActionMetadataParser");

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
