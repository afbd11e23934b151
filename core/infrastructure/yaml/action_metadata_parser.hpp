#pragma once

#include "core/domain/action.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::yaml {

// What the parser needs from the action's directory: the content of a file
// relative to the action directory, or nullopt when it does not exist.
using ActionFileReader =
  std::function<std::optional<std::string>(const std::string& relative_path)>;

// The outcome of reading a `ryax_metadata.yaml`.
struct ParsedActionMetadata
{
  // Filled, best effort, whenever spec.id or spec.version could be read,
  // even when `diagnostics` is not empty, so callers can name an invalid
  // action.
  std::optional<domain::ActionMetadata> metadata;
  // Every problem found, sorted by position; empty for a valid action.
  std::vector<domain::Diagnostic> diagnostics;

  // Whether the action is valid.
  bool
  ok() const
  {
    return metadata.has_value() && diagnostics.empty();
  }
};

// Parse and validate `text`, the content of the file shown as `display_path`
// in messages, against the Ryax action format (apiVersion ryax.tech/v2.0):
// YAML syntax, keys, types, lengths, units, and the files the action needs
// (code file, logo) read through `files`. Never throws for bad input: every
// problem becomes a Diagnostic with its 1-based line and column and the path
// of its field ("spec.inputs[2].default_value").
ParsedActionMetadata parse_action_metadata(std::string_view text,
                                           const std::string& display_path,
                                           const ActionFileReader& files);

} // namespace ryax::infra::yaml
