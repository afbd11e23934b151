#pragma once

#include "ryax/v1/workflow.pb.h"
#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>

// The text forms of `ryax workflow show|diff|graph`. Pure: no I/O but the
// stream. The documents come from the daemon: a field one lacks or gives
// with another type (an older or newer ryaxd) shows as "-" or "?" or is
// left out; nothing asserts or throws.
namespace ryax::cli {

// "deployed (version 3)", "error: <reason>", else the state as is.
std::string state_text(const v1::WorkflowStatus& status);

// Print workflow `w` for people (`ryax workflow show`): id, name,
// version, pushed, state, then its steps, edges, bindings, results and
// static files from `d`, its WORKFLOW DOCUMENT (ryax(1)).
void print_workflow(std::ostream& out,
                    const v1::Workflow& w,
                    const nlohmann::json& d);

// A unified diff ("---"/"+++" headers, "@@ -a,b +c,d @@" hunks with
// `context` lines around each change) turning `before` into `after`, line
// by line; "" when they are equal.
std::string unified_diff(const std::string& before,
                         const std::string& after,
                         const std::string& before_name,
                         const std::string& after_name,
                         int context = 3);

// The DAG of a WORKFLOW DOCUMENT (`steps` and `edges`, see ryax(1)) as a
// Graphviz digraph: one node per step labelled "id\naction", data edges
// solid, order edges dashed.
std::string workflow_dot(const nlohmann::json& document);

// The same DAG as a Mermaid flowchart: data edges "a --> b", order edges
// "a -.-> b".
std::string workflow_mermaid(const nlohmann::json& document);

} // namespace ryax::cli
