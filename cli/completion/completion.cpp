#include "cli/completion/completion.hpp"

#include "cli/completion/candidates.hpp"
#include "cli/completion/command_line.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

namespace ryax::cli::completion {

namespace {

// The daemon's names for `kind`, or none when they do not come within
// `budget`. The call runs on a detached thread: a daemon that accepts and
// never answers leaves it blocked, and complete() ends the process anyway.
std::vector<Candidate>
names_within(ArgumentKind kind,
             const CommandLine& line,
             std::chrono::steady_clock::time_point deadline)
{
  auto promise = std::make_shared<std::promise<std::vector<Candidate>>>();
  auto names = promise->get_future();
  std::thread([promise, kind, line] {
    try {
      promise->set_value(daemon_candidates(kind, line));
    } catch (const std::exception&) {
      promise->set_value({}); // an odd reply offers nothing
    }
  }).detach();
  if (names.wait_until(deadline) != std::future_status::ready) {
    return {};
  }
  return names.get();
}

void
print(std::ostream& out,
      std::string_view shell,
      const CommandLine& line,
      const std::vector<Candidate>& candidates)
{
  std::set<std::string> printed;
  for (const auto& candidate : candidates) {
    if (!candidate.value.starts_with(line.current) ||
        !printed.insert(candidate.value).second) {
      continue;
    }
    out << line.value_prefix << candidate.value;
    if (shell != "bash" && !candidate.description.empty()) {
      out << '\t' << candidate.description;
    }
    out << '\n';
  }
}

int
print_rules(std::ostream& out)
{
  for (const auto& rule : argument_rules()) {
    out << (rule.command.empty() ? "-" : rule.command) << '\t' << rule.argument
        << '\t' << kind_name(rule.kind) << '\n';
  }
  return 0;
}

// complete() without its guard.
int
complete_words(CLI::App& root, const std::vector<std::string>& args)
{
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(k_daemon_budget_ms);
  if (args.size() == 1 && args[0] == "--rules") {
    return print_rules(std::cout);
  }
  if (args.size() < 2 || args[1] != "--" || script(args[0]).empty()) {
    return 0;
  }
  const auto& shell = args[0];
  const auto line = read_command_line(
    root, std::vector<std::string>(args.begin() + 2, args.end()));
  auto plan = plan_for(line);
  if (plan.kind == ArgumentKind::file) {
    std::cout << "::file\n";
  } else if (plan.kind == ArgumentKind::directory) {
    std::cout << "::dir\n";
  }
  if (!from_daemon(plan.kind)) {
    print(std::cout, shell, line, plan.candidates);
    return 0;
  }
  for (auto& name : names_within(plan.kind, line, deadline)) {
    plan.candidates.push_back(std::move(name));
  }
  print(std::cout, shell, line, plan.candidates);
  std::cout.flush();
  std::fflush(stdout);
  std::_Exit(0);
}

} // namespace

void
register_completion_command(CLI::App& app, Context& ctx)
{
  auto shell = std::make_shared<std::string>();
  auto* completion = app.add_subcommand(
    "completion",
    "Print the completion script of bash, zsh or fish (see ryax(1), "
    "COMPLETION)");
  completion->add_option("shell", *shell, "bash, zsh or fish")
    ->required()
    ->check(CLI::IsMember({ "bash", "zsh", "fish" }));
  completion->callback([&ctx, shell] {
    std::cout << script(*shell);
    ctx.exit_code = 0;
  });
}

int
complete(CLI::App& root, const std::vector<std::string>& args)
{
  // A shell must never see an error from completion: a bug offers nothing.
  try {
    return complete_words(root, args);
  } catch (const std::exception&) {
    return 0;
  }
}

} // namespace ryax::cli::completion
