#include "cli/commands/graphviz.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include <unistd.h>

namespace ryax::cli {

namespace {

// Graphviz's dot on $PATH, or "".
std::string
graphviz_dot()
{
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto end = dirs.find(':');
    const std::filesystem::path candidate =
      std::filesystem::path(dirs.substr(0, end)) / "dot";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
    dirs = end == std::string_view::npos ? std::string_view() : dirs.substr(end + 1);
  }
  return {};
}

} // namespace

Result<void>
render_graph(const std::string& dot_text, const std::string& format)
{
  const auto dot = graphviz_dot();
  if (dot.empty()) {
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
  std::cout.flush();
  // The child writes on ryax's own standard output.
  FILE* pipe = ::popen(fmt::format("'{}' -T{}", dot, format).c_str(), "w");
  if (pipe == nullptr) {
    return fail(ErrorCode::internal, fmt::format("cannot run {}", dot));
  }
  std::fwrite(dot_text.data(), 1, dot_text.size(), pipe);
  const int status = ::pclose(pipe);
  if (status != 0) {
    return fail(ErrorCode::internal,
                fmt::format("{} -T{} failed (status {})", dot, format, status));
  }
  return {};
}

} // namespace ryax::cli
