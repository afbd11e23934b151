#include "cli/exit_code.hpp"

namespace ryax::cli {

int
to_exit_code(ErrorCode code)
{
  switch (code) {
  case ErrorCode::internal:
    return k_exit_internal;
  case ErrorCode::not_found:
    return k_exit_not_found;
  case ErrorCode::permission_denied:
  case ErrorCode::unauthenticated:
    return k_exit_permission;
  case ErrorCode::invalid_argument:
  case ErrorCode::already_exists:
  case ErrorCode::failed_precondition:
    return k_exit_invalid;
  case ErrorCode::unavailable:
    return k_exit_unavailable;
  case ErrorCode::deadline_exceeded:
    return k_exit_timeout;
  }
  return k_exit_internal;
}

const char*
exit_code_help()
{
  return "Exit codes:\n"
         "  0    success\n"
         "  1    internal error (workflow diff --exit-code: they differ)\n"
         "  2    usage error: bad command line, or a value a flag does not take\n"
         "  3    not found\n"
         "  4    permission denied or unauthenticated\n"
         "  5    invalid argument, already exists or failed precondition\n"
         "  6    a run, an action test or a waited-for build that ended in error\n"
         "  7    daemon unavailable (ryaxd is not running), or a remote it needs\n"
         "  124  timeout\n";
}

} // namespace ryax::cli
