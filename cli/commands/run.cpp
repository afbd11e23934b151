// `ryax run`; registers `ryax runs ...` and `ryax logs` (run_inspect.cpp).

#include "cli/commands/commands.hpp"
#include "cli/commands/common.hpp"
#include "cli/commands/run_files.hpp"
#include "cli/commands/run_inspect.hpp"
#include "cli/commands/run_render.hpp"
#include "cli/commands/run_watch.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"
#include "cli/output/printable.hpp"

#include "ryax/v1/run.grpc.pb.h"
#include <algorithm>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <iostream>

namespace ryax::cli {

namespace {

// `ryax run list` (a verb of `ryax runs` typed after `run`) names no
// workflow: the error says where the verb lives.
Error
with_runs_hint(Error error, const std::string& workflow)
{
  constexpr std::string_view k_verbs[] = { "list", "ls", "show", "get",
                                           "cancel", "rm", "delete", "results" };
  if (error.code == ErrorCode::not_found
      && std::find(std::begin(k_verbs), std::end(k_verbs), workflow)
           != std::end(k_verbs)) {
    error.message += "\nryax: hint: runs are listed and shown by \"ryax runs "
                     + workflow + "\"";
  }
  return error;
}

struct RunOptions
{
  std::string workflow;
  std::vector<std::string> inputs; // NAME=VALUE
  std::vector<std::string> files;  // NAME=PATH
  bool wait = false;
  bool logs = false;   // with --wait
  std::string timeout; // DURATION, with --wait
  int priority = 0;
};

Result<v1::StartRunRequest>
start_request(const RunOptions& o)
{
  v1::StartRunRequest request;
  request.set_workflow_id(o.workflow);
  request.set_priority(o.priority);
  for (const auto& text : o.inputs) {
    RYAX_TRY_ASSIGN(const auto assignment, parse_assignment(text, "--input"));
    auto* input = request.add_inputs();
    input->set_name(assignment.first);
    input->set_text(assignment.second);
  }
  for (const auto& text : o.files) {
    RYAX_TRY_ASSIGN(const auto assignment, parse_assignment(text, "--file"));
    RYAX_TRY_ASSIGN(*request.add_files(),
                    read_upload(assignment.first, assignment.second));
  }
  return request;
}

void
print_results(std::ostream& out, const nlohmann::json& results)
{
  for (const auto& line : result_lines(results)) {
    out << line << "\n";
  }
}

int
run_start(Context& ctx, const RunOptions& o)
{
  auto request = start_request(o);
  if (!request) {
    return fail_early(ctx, request.error());
  }
  WaitOptions wait{ ctx.progress(), std::nullopt, o.timeout, o.logs };
  if (!o.timeout.empty()) {
    const auto seconds = parse_positive_duration("--timeout", o.timeout);
    if (!seconds) {
      return fail_early(ctx, seconds.error());
    }
    wait.deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(*seconds);
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RunService::NewStub(client.channel());
    auto started = client.call<v1::Run>([&](auto* c, auto* r) {
      return stub->StartRun(c, *request, r);
    });
    if (!started) {
      return std::unexpected(with_runs_hint(started.error(), request->workflow_id()));
    }
    auto run = std::move(*started);
    if (!o.wait) {
      output::emit(ctx, run_json(run), [&](std::ostream& out) {
        out << run.id() << "\n";
      });
      return k_exit_ok;
    }
    RYAX_TRY_ASSIGN(run, wait_for_run(client, run, wait));
    const auto doc = run_json(run);
    output::emit(ctx, doc, [&](std::ostream& out) {
      print_results(out, output::field(doc, "results"));
    });
    if (run.state() != "done") {
      std::cerr << "ryax: error: " << output::printable(failure_text(run)) << std::endl;
      return k_exit_run_failed;
    }
    if (!ctx.quiet && ctx.for_people()) {
      const auto steps = count_steps(run);
      std::cerr << fmt::format(
        "run {} done in {}: {}/{} steps{}\n",
        run.id(),
        span_text(run.created_ms(), run.finished_ms(), run.finished_ms()),
        steps.done,
        steps.total,
        run.results().empty() ? ", no results" : "");
    }
    return k_exit_ok;
  });
}

} // namespace

void
register_run_commands(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<RunOptions>();

  auto* run = app.add_subcommand(
    "run", "Start a run of a deployed workflow (--wait: follow it to its end)");
  run->add_option("workflow", o->workflow, "Workflow id")->required();
  run
    ->add_option("--input",
                 o->inputs,
                 "A trigger value, converted by its declared type (repeatable)")
    ->type_name("NAME=VALUE")
    ->allow_extra_args(false);
  run
    ->add_option("--file",
                 o->files,
                 "A file or a directory for a trigger output (repeatable)")
    ->type_name("NAME=PATH")
    ->allow_extra_args(false);
  auto* wait =
    run->add_flag("--wait",
                  o->wait,
                  "Follow the run to its end and print its results; exit 6 "
                  "if it failed or was cancelled");
  run
    ->add_option("--timeout",
                 o->timeout,
                 "With --wait: stop waiting after DURATION (30s, 5m, 1h) and "
                 "exit 124; the run goes on")
    ->type_name("DURATION")
    ->needs(wait);
  run
    ->add_flag("--logs",
               o->logs,
               "With --wait: print the steps' log lines on stderr as they "
               "come")
    ->needs(wait);
  run
    ->add_option("--priority",
                 o->priority,
                 "Queue order of its steps when pools are full: higher first "
                 "(default 0)")
    ->type_name("N");
  run->callback([&ctx, o] { ctx.exit_code = run_start(ctx, *o); });

  register_runs_commands(app, ctx);
}

} // namespace ryax::cli
