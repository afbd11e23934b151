#pragma once

#include "core/domain/workflow.hpp"

#include <string>
#include <string_view>

namespace ryax::infra::yaml {

// The workflow as a normalised workflow file (man ryax-workflow(5)): block
// style, two-space indentation, keys in a fixed order (the order of the
// manual), inputs_values sorted by input name, empty and unset values left
// out, memory and durations with the largest exact unit ("512M", "5m"),
// references spelled "{{ step.output }}", static strings that would read as
// a reference or a file in the literal form. parse_workflow() of the result
// equals `workflow` (positions aside), so writing it again gives the same
// bytes: the export/push round trip.
std::string write_workflow(const domain::WorkflowDefinition& workflow);

// `text` as a YAML scalar: plain when that reads back as the same string in
// the YAML 1.2 core schema and in YAML 1.1 tools, double-quoted with escapes
// otherwise.
std::string yaml_string(std::string_view text);

} // namespace ryax::infra::yaml
