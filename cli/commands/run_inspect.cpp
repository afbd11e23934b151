// `ryax runs list|show|results|cancel|rm` and `ryax logs`.

#include "cli/commands/run_inspect.hpp"
#include "cli/output/printable.hpp"

#include "cli/commands/common.hpp"
#include "cli/commands/run_files.hpp"
#include "cli/commands/run_list.hpp"
#include "cli/commands/run_render.hpp"
#include "cli/commands/run_show.hpp"
#include "cli/commands/trigger_logs.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"

#include "ryax/v1/run.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>


#include <algorithm>
#include <chrono>
#include <iostream>
#include <string_view>

namespace ryax::cli {

namespace {

struct RunsOptions
{
  RunListOptions list;
  // runs show|results|cancel|rm, logs
  std::string workflow; // with @latest
  std::string run_id;
  std::vector<std::string> run_ids; // runs rm
  bool yes = false;                 // runs rm --yes
  std::string download;
  std::string step;
  bool follow = false;
  bool watch = false;  // runs show --watch
  std::string trigger; // logs --trigger
};


// The run `o.run_id` names: its id, the start of it, or @latest (of
// `o.workflow` when given).
v1::GetRunRequest
run_request(const RunsOptions& o)
{
  v1::GetRunRequest request;
  request.set_run_id(o.run_id);
  request.set_workflow_id(o.workflow);
  return request;
}

Result<v1::Run>
get_run(const Client& client, const RunsOptions& o)
{
  auto stub = v1::RunService::NewStub(client.channel());
  const auto request = run_request(o);
  return client.call<v1::Run>(
    [&](auto* c, auto* r) { return stub->GetRun(c, request, r); });
}

void
print_results(std::ostream& out, const nlohmann::json& results)
{
  for (const auto& line : result_lines(results)) {
    out << line << "\n";
  }
}

int
run_show(Context& ctx, const RunsOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    if (o.watch) {
      return watch_run(ctx, client, run_request(o));
    }
    RYAX_TRY_ASSIGN(const auto run, get_run(client, o));
    const auto doc = run_json(run);
    output::emit(ctx, doc, [&](std::ostream& out) {
      print_run(out, run, doc, now_ms(), ctx.color());
    });
    return k_exit_ok;
  });
}

nlohmann::json
written_json(const Download& d, const Written& w)
{
  return { { "key", d.result },         { "index", d.index },
           { "path", d.path.string() }, { "directory", d.value.directory },
           { "bytes", w.bytes },        { "files", w.files } };
}

int
run_results(Context& ctx, const RunsOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY_ASSIGN(const auto run, get_run(client, o));
    const auto full = run_json(run);
    nlohmann::json doc = { { "id", run.id() },
                           { "state", run.state() },
                           { "results", output::field(full, "results") } };
    if (!ctx.quiet && run.state() != "done") {
      std::cerr << fmt::format(
        "ryax: note: run {} {}\n",
        run.id(),
        run.state() == "error" ? "ended in error: its results may be partial"
        : run.state() == "cancelled"
          ? "was cancelled: its results may be partial"
          : "is " + run.state() + ": its results are not final yet");
    }
    std::vector<std::string> written;
    if (!o.download.empty()) {
      RYAX_TRY_ASSIGN(
        const auto downloads,
        plan_downloads(output::field(full, "results"), o.download));
      doc["downloaded"] = nlohmann::json::array();
      std::error_code ec;
      std::filesystem::create_directories(o.download, ec);
      for (const auto& d : downloads) {
        RYAX_TRY_ASSIGN(const auto w, fetch_download(client, run.id(), d));
        doc["downloaded"].push_back(written_json(d, w));
        written.push_back(
          d.value.directory
            ? fmt::format("wrote {}/ ({} files, {} bytes)",
                          d.path.string(),
                          w.files,
                          w.bytes)
            : fmt::format("wrote {} ({} bytes)", d.path.string(), w.bytes));
      }
      if (downloads.empty()) {
        written.emplace_back("no file or directory result to download");
      }
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      print_results(out, doc["results"]);
      if (run.results().empty() && !ctx.quiet) {
        out << "no results\n";
      }
      for (const auto& line : written) {
        out << line << "\n";
      }
    });
    return k_exit_ok;
  });
}

int
run_cancel(Context& ctx, const RunsOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RunService::NewStub(client.channel());
    const auto request = run_request(o);
    RYAX_TRY_ASSIGN(const auto run, client.call<v1::Run>([&](auto* c, auto* r) {
      return stub->CancelRun(c, request, r);
    }));
    output::emit(ctx, run_json(run), [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << fmt::format("run {} {}\n",
                           run.id(),
                           run.state() == "cancelled"
                             ? "cancelled"
                             : "cancelling: " + run.state());
      }
    });
    return k_exit_ok;
  });
}

int
run_remove(Context& ctx, const RunsOptions& o)
{
  if (o.run_ids.size() > 1
      && !confirmed(fmt::format("Remove {} runs with their logs and files?",
                                o.run_ids.size()),
                    o.yes)) {
    std::cerr << "ryax: nothing removed\n";
    return k_exit_ok;
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RunService::NewStub(client.channel());
    auto doc = nlohmann::json::array();
    std::optional<Error> failed;
    for (const auto& selector : o.run_ids) {
      auto request = run_request(o);
      request.set_run_id(selector);
      auto reply = client.call<v1::RemoveRunReply>([&](auto* c, auto* r) {
        return stub->RemoveRun(c, request, r);
      });
      if (!reply) {
        // The others are still removed; the exit code is the last failure's.
        if (failed) {
          std::cerr << "ryax: error: " << output::printable_text(failed->message) << "\n";
        }
        failed = reply.error();
        continue;
      }
      doc.push_back({ { "run_id", reply->run_id() },
                      { "files_removed", reply->files_removed() } });
      if (!ctx.quiet && ctx.for_people()) {
        std::cout << fmt::format(
          "run {} removed with its logs and {} stored file{}\n",
          reply->run_id(),
          reply->files_removed(),
          reply->files_removed() == 1 ? "" : "s");
      }
    }
    if (!ctx.for_people()) {
      // One run: its document; several: an array.
      output::emit(ctx, o.run_ids.size() == 1 && doc.size() == 1 ? doc[0] : doc,
                   [](std::ostream&) {});
    }
    if (failed) {
      return std::unexpected(*failed);
    }
    return k_exit_ok;
  });
}

int
run_logs(Context& ctx, const RunsOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RunService::NewStub(client.channel());
    // Following has no deadline: it ends with the run.
    grpc::ClientContext context;
    if (!o.follow) {
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::minutes(10));
    }
    v1::StreamRunLogsRequest request;
    request.set_run_id(o.run_id);
    request.set_workflow_id(o.workflow);
    request.set_step(o.step);
    request.set_follow(o.follow);
    auto reader = stub->StreamRunLogs(&context, request);
    v1::RunLogChunk chunk;
    const auto format = ctx.format();
    while (reader->Read(&chunk)) {
      for (const auto& line : chunk.lines()) {
        switch (format) {
          case OutputFormat::json:
          case OutputFormat::jq:
            output::print_document(ctx, log_line_json(line));
            break;
          case OutputFormat::yaml:
            std::cout << "---\n" << output::to_yaml(log_line_json(line));
            break;
          case OutputFormat::table:
          case OutputFormat::wide:
          case OutputFormat::name: // refused above
            std::cout << log_line_text(line) << "\n";
            break;
        }
      }
      std::cout.flush();
    }
    RYAX_TRY(client.check(reader->Finish()));
    return k_exit_ok;
  });
}

constexpr const char* k_run_selector_help =
  "Run id, the start of one (unique), or @latest";

// --workflow, for @latest.
void
add_latest_of(CLI::App* cmd, RunsOptions& o)
{
  cmd->add_option("--workflow", o.workflow,
                  "With @latest: the newest run of this workflow")
    ->type_name("ID");
}

} // namespace

void
register_runs_commands(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<RunsOptions>();

  auto* runs = app.add_subcommand(
    "runs", "List, inspect, cancel and remove workflow runs");
  runs->require_subcommand(1);
  const auto add_run_id = [&](CLI::App* cmd) {
    cmd->add_option("run", o->run_id, k_run_selector_help)->required();
    add_latest_of(cmd, *o);
  };

  auto* list = runs->add_subcommand("list", "List runs, newest first");
  list->add_option("--workflow", o->list.workflow, "Only runs of this workflow")
    ->type_name("ID");
  list
    ->add_option("--status",
                 o->list.status,
                 "Only runs in this state: pending, running, done, error or "
                 "cancelled")
    ->check(CLI::IsMember(
      { "pending", "running", "done", "error", "cancelled" })) // exit 2
    ->type_name("STATE");
  list
    ->add_option("--since",
                 o->list.since,
                 "Only runs started within DURATION (30s, 5m, 1h, 2d)")
    ->type_name("DURATION");
  auto* limit =
    list->add_option("--limit", o->list.limit, "At most N runs (default: 50)")
      ->check(CLI::Range(1, k_max_run_limit)) // exit 2
      ->type_name("N");
  list->add_flag("-w,--watch",
                 o->list.watch,
                 "After the list, print a line for each run that starts or "
                 "changes, until Ctrl-C");
  list->callback([&ctx, o, limit] {
    o->list.limit_given = limit->count() > 0;
    ctx.exit_code = run_list(ctx, o->list);
  });

  auto* show = runs->add_subcommand(
    "show",
    "Show a run: its steps, their inputs and outputs, the error, results");
  add_run_id(show);
  show->add_flag("-w,--watch",
                 o->watch,
                 "Print the run again at each change until it ends (redrawn "
                 "on a terminal; one JSON document per line with -o json)");
  show->callback([&ctx, o] { ctx.exit_code = run_show(ctx, *o); });

  auto* results = runs->add_subcommand(
    "results", "Print the results of a run; --download writes its files");
  add_run_id(results);
  results
    ->add_option("--download",
                 o->download,
                 "Write each file or directory result into DIR (created)")
    ->type_name("DIR");
  results->callback([&ctx, o] { ctx.exit_code = run_results(ctx, *o); });

  auto* cancel = runs->add_subcommand(
    "cancel", "Cancel a run: running steps are stopped, nothing new starts");
  add_run_id(cancel);
  cancel->callback([&ctx, o] { ctx.exit_code = run_cancel(ctx, *o); });

  auto* rm = runs->add_subcommand(
    "rm", "Remove finished runs with their logs and their files");
  rm->add_option("run", o->run_ids, std::string(k_run_selector_help) + " (several: asks on a terminal)")
    ->required();
  add_latest_of(rm, *o);
  rm->add_flag("-y,--yes", o->yes, "Do not ask before removing several runs");
  rm->callback([&ctx, o] { ctx.exit_code = run_remove(ctx, *o); });

  auto* logs = app.add_subcommand(
    "logs",
    "Print the log lines of a run (TIME STEP[BRANCH] LINE), or of a "
    "workflow's trigger (TIME ORIGIN LINE)");
  auto* run = logs->add_option("run", o->run_id, k_run_selector_help);
  add_latest_of(logs, *o);
  auto* step =
    logs->add_option("--step", o->step, "Only the lines of this step")
      ->type_name("STEP");
  auto* trigger =
    logs
      ->add_option("--trigger",
                   o->trigger,
                   "The trigger log of this workflow: its source's output "
                   "and ryaxd's lines about its trigger")
      ->type_name("WORKFLOW");
  trigger->excludes(run);
  trigger->excludes(step);
  logs->add_flag("-f,--follow",
                 o->follow,
                 "Keep printing new lines until the run ends (the workflow "
                 "is undeployed, with --trigger)");
  logs->callback([&ctx, o, run, trigger] {
    if (run->count() == 0 && trigger->count() == 0) {
      throw CLI::RequiredError("a run id or --trigger WORKFLOW");
    }
    if (ctx.format() == OutputFormat::name) {
      ctx.fail(Error{ ErrorCode::invalid_argument,
                      "-o name: log lines have no names (use -o json)" });
      ctx.exit_code = k_exit_usage;
      return;
    }
    ctx.exit_code = trigger->count() > 0
                      ? trigger_logs(ctx, o->trigger, o->follow)
                      : run_logs(ctx, *o);
  });
}

} // namespace ryax::cli
