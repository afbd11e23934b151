#include "cli/commands/graphviz.hpp"

#include "core/infrastructure/process/subprocess.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include <unistd.h>

namespace ryax::cli {

namespace {

// What a drawing may weigh, and how long dot may take.
constexpr std::size_t k_max_drawing = 64u << 20;
constexpr std::size_t k_max_dot_errors = 4096;
constexpr std::chrono::seconds k_dot_timeout{ 60 };

} // namespace

Result<void>
render_graph(const std::string& dot_text, const std::string& format)
{
  const auto dot = infra::process::find_on_path("dot");
  if (!dot) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("--format {} needs Graphviz's dot, not found on "
                            "PATH (apt install graphviz; --format dot prints "
                            "its input)",
                            format));
  }
  if (format == "png" && ::isatty(STDOUT_FILENO) != 0) {
    return fail(ErrorCode::invalid_argument,
                "--format png writes an image: redirect standard output to a "
                "file (> graph.png)");
  }
  infra::process::ProcessSpec spec;
  spec.argv = { *dot, "-T" + format };
  spec.timeout = k_dot_timeout;
  RYAX_TRY_ASSIGN(const auto drawn,
                  infra::process::run_captured(spec, dot_text, k_max_drawing,
                                               k_max_dot_errors));
  if (drawn.exit_code != 0) {
    return fail(ErrorCode::internal,
                fmt::format("{} -T{} failed (exit {}): {}", *dot, format,
                            drawn.exit_code,
                            drawn.err.substr(0, drawn.err.find('\n'))));
  }
  std::cout << drawn.out << std::flush;
  return {};
}

} // namespace ryax::cli
