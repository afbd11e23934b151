#pragma once

#include "core/domain/error.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

// `-o jq=EXPR`: a document filtered by the jq language, with Debian's libjq
// (package libjq1), loaded when first used so that ryax starts and runs
// without it.
namespace ryax::cli::output {

// Why `expression` cannot be used: jq's compile error, or libjq missing;
// "" when it compiles.
std::string check_jq(const std::string& expression);

// The results of `expression` on `doc`, one line each: a string as it is
// (as jq -r), anything else as compact JSON. invalid_argument with jq's
// message when it fails on this document.
Result<std::vector<std::string>> run_jq(const std::string& expression,
                                        const nlohmann::json& doc);

} // namespace ryax::cli::output
