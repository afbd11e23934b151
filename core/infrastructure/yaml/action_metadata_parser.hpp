#pragma once

#include "core/domain/action.hpp"
#include "core/infrastructure/yaml/yaml_limits.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::yaml {

// The reader and the outcome types live in the domain (core/domain/action.hpp).
using domain::ActionFileReader;
using domain::ParsedActionMetadata;

// Parse and validate `text`, the content of the file shown as `display_path`
// in messages, against the Ryax action format (apiVersion ryax.tech/v2.0):
// YAML syntax, keys, types, lengths, units, and the files the action needs
// (code file, logo) read through `files`. Never throws for bad input: every
// problem becomes a Diagnostic with its 1-based line and column and the path
// of its field ("spec.inputs[2].default_value").
// A file past `limits` (check_yaml_limits) gets one diagnostic naming the
// limit.
ParsedActionMetadata parse_action_metadata(std::string_view text,
                                           const std::string& display_path,
                                           const ActionFileReader& files,
                                           const YamlLimits& limits = {});

} // namespace ryax::infra::yaml
