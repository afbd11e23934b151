#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ryax::cli {

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
