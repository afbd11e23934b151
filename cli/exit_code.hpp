#pragma once

#include "core/domain/error.hpp"

namespace ryax::cli {

// The exit codes of `ryax`, documented in man/ryax.1 and `ryax --help`.
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_internal = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_not_found = 3;
inline constexpr int k_exit_permission = 4;
inline constexpr int k_exit_invalid = 5;
inline constexpr int k_exit_run_failed = 6;
inline constexpr int k_exit_unavailable = 7;
inline constexpr int k_exit_timeout = 124;
// `workflow diff --exit-code` when the two differ: 1, as git diff.
inline constexpr int k_exit_different = 1;

// The exit code for a failure of category `code`.
int to_exit_code(ErrorCode code);

// The text of the exit code table, for --help.
const char* exit_code_help();

} // namespace ryax::cli
