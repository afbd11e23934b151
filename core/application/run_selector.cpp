#include "core/application/run_selector.hpp"

#include "core/domain/identity.hpp"
#include "core/domain/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ryax::app {

namespace {

constexpr std::size_t k_max_selector = 128;
// Recent runs a mistyped id is compared with.
constexpr int k_suggestion_pool = 200;
// Ids named when a prefix is ambiguous.
constexpr int k_named = 3;
constexpr std::string_view k_run_prefix = "run-";

bool
id_character(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

Result<std::vector<RunSummary>>
runs_of(RunStore& runs,
        const std::string& project,
        const std::string& workflow_id,
        std::string prefix,
        int limit)
{
  RunFilter filter;
  filter.project = project;
  filter.workflow_id = workflow_id;
  filter.id_prefix = std::move(prefix);
  filter.limit = limit;
  return runs.list(filter);
}

} // namespace

Result<std::string>
resolve_run(RunStore& runs,
            const std::string& project,
            const std::string& selector,
            const std::string& workflow_id)
{
  if (selector == "@latest") {
    RYAX_TRY_ASSIGN(const auto newest,
                    runs_of(runs, project, workflow_id, {}, 1));
    if (newest.empty()) {
      return fail(ErrorCode::not_found,
                  workflow_id.empty()
                    ? fmt::format("@latest: no run yet{}",
                                  domain::in_project(project))
                    : fmt::format("@latest: workflow \"{}\" has no run yet{}",
                                  workflow_id, domain::in_project(project)));
    }
    return newest.front().id;
  }
  if (selector.empty() || selector.size() > k_max_selector
      || !std::all_of(selector.begin(), selector.end(), id_character)) {
    // Shown as typed, but short and without control characters.
    auto shown = selector.substr(0, 32) + (selector.size() > 32 ? "..." : "");
    std::replace_if(shown.begin(), shown.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; }, '?');
    return fail(ErrorCode::invalid_argument,
                fmt::format("run \"{}\": expected a run id, the start of one "
                            "or @latest",
                            shown));
  }
  // The id itself, then the runs whose id starts so (with "run-" put in
  // front when the user left it out).
  std::vector<RunSummary> matches;
  for (const auto& prefix :
       { selector, selector.starts_with(k_run_prefix)
                     ? std::string()
                     : std::string(k_run_prefix) + selector }) {
    if (prefix.empty()) {
      continue;
    }
    RYAX_TRY_ASSIGN(auto found,
                    runs_of(runs, project, {}, prefix, k_named + 1));
    for (auto& run : found) {
      if (run.id == selector) {
        return selector;
      }
      matches.push_back(std::move(run));
    }
  }
  if (matches.size() == 1) {
    return matches.front().id;
  }
  if (matches.size() > 1) {
    std::string named;
    for (std::size_t i = 0; i < matches.size() && i < k_named; ++i) {
      named += (i == 0 ? "" : ", ") + matches[i].id;
    }
    return fail(ErrorCode::invalid_argument,
                fmt::format("run \"{}\" is ambiguous: {}{} start so; give more "
                            "of the id",
                            selector, named,
                            matches.size() > k_named ? " and more" : ""));
  }
  RYAX_TRY_ASSIGN(const auto recent,
                  runs_of(runs, project, {}, {}, k_suggestion_pool));
  std::vector<std::string> ids;
  for (const auto& run : recent) {
    ids.push_back(run.id);
  }
  return fail(ErrorCode::not_found,
              fmt::format("run \"{}\" not found{}{}", selector,
                          domain::in_project(project),
                          domain::did_you_mean(selector, ids)));
}

} // namespace ryax::app
