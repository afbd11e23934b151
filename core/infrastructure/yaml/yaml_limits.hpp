#pragma once

#include <yaml-cpp/mark.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ryax::infra::yaml {

// What a YAML file of a user (a workflow file, a ryax_metadata.yaml) may
// hold before anything walks it. yaml-cpp shares the node of an anchor with
// its aliases, so a file of a few hundred bytes can stand for billions of
// nodes ("billion laughs"): the node count is the one of the tree once every
// alias is expanded, which is what our walkers, the conversions to JSON and
// the writer visit. The defaults are ryaxd's (man ryaxd(8): max_yaml_bytes,
// max_yaml_nodes, max_workflow_steps); the CLI parses with them too.
struct YamlLimits
{
  std::size_t max_bytes = 1u << 20;  // the file's size
  std::size_t max_nodes = 100'000;   // scalars, nulls and collections
  std::size_t max_depth = 64;        // nested collections (not configurable)
  std::size_t max_workflow_steps = 1000; // the trigger and spec.actions
};

// A limit a file went past, or text that is not UTF-8.
struct YamlLimitProblem
{
  YAML::Mark mark; // where it was seen (null_mark() for the whole file)
  std::string message;
};

// Check `text` against `limits` without building a tree: its size, that it
// is UTF-8 (yaml-cpp would take other bytes as they come), then one pass of
// yaml-cpp's event parser over its first document counting nodes with their
// aliases expanded and the nesting depth. nullopt when within the limits or
// when the text does not parse (the caller's load reports that with its
// position). Linear in the size of the text, whatever its aliases.
std::optional<YamlLimitProblem> check_yaml_limits(std::string_view text,
                                                  const YamlLimits& limits);

// The first byte of `text` that is not UTF-8, with its position, or
// nullopt.
std::optional<YamlLimitProblem> check_utf8(std::string_view text);

// Where `text` stops being UTF-8 (overlong forms, surrogates and code
// points beyond U+10FFFF are not UTF-8 either): the byte offset, or nullopt
// when all of it is.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

} // namespace ryax::infra::yaml
