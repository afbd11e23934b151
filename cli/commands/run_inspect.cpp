// `ryax runs list|show|results|cancel|rm` and `ryax logs`.

#include "cli/commands/run_inspect.hpp"

#include "cli/commands/common.hpp"
#include "cli/commands/run_files.hpp"
#include "cli/commands/run_render.hpp"
#include "cli/commands/run_show.hpp"
#include "cli/commands/trigger_logs.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"
#include "core/domain/suggest.hpp"

#include "ryax/v1/run.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <grpcpp/client_context.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <map>
#include <string_view>
#include <thread>

namespace ryax::cli {

namespace {

struct RunsOptions
{
  // runs list
  std::string workflow;
  std::string status;
  std::string since;
  int limit = 0;
  bool limit_given = false;
  // runs show|results|cancel|rm, logs
  std::string run_id;
  std::string download;
  std::string step;
  bool follow = false;
  bool watch = false;  // runs list -w, runs show --watch
  std::string trigger; // logs --trigger
};

constexpr int k_default_limit = 50;
constexpr int k_max_limit = 10'000; // as ryaxd

constexpr std::array<std::string_view, 5> k_run_states = { "pending",
                                                           "running",
                                                           "done",
                                                           "error",
                                                           "cancelled" };

std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Print `error` and return its exit code: for checks made before the
// daemon is reached, so that a bad flag never autostarts it.
int
fail_early(Context& ctx, const Error& error)
{
  ctx.fail(error);
  return ctx.exit_code;
}

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

Result<v1::ListRunsRequest>
list_request(const RunsOptions& o)
{
  v1::ListRunsRequest request;
  request.set_workflow_id(o.workflow);
  if (!o.status.empty()) {
    if (std::find(k_run_states.begin(), k_run_states.end(), o.status) ==
        k_run_states.end()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--status \"{}\": expected pending, running, "
                              "done, error or cancelled{}",
                              o.status,
                              domain::did_you_mean(o.status, k_run_states)));
    }
    request.set_state(o.status);
  }
  if (!o.since.empty()) {
    RYAX_TRY_ASSIGN(const auto seconds,
                    parse_positive_duration("--since", o.since));
    request.set_since_ms(now_ms() - seconds * 1000);
  }
  // One more than shown, to tell whether the list was cut.
  request.set_limit((o.limit_given ? o.limit : k_default_limit) + 1);
  return request;
}

std::string
short_error(const v1::RunSummary& s)
{
  if (s.error_step().empty() && s.error_message().empty()) {
    return s.state() == "cancelled" ? "cancelled" : "";
  }
  auto text = s.error_message().substr(0, s.error_message().find('\n'));
  if (!s.error_step().empty()) {
    text = s.error_step() + ": " + text;
  }
  constexpr std::size_t k_width = 60;
  return text.size() > k_width ? text.substr(0, k_width - 3) + "..." : text;
}

// One document of a stream: a JSON line, or a YAML document after "---".
void
print_document(const Context& ctx, const nlohmann::json& doc)
{
  if (ctx.format() == OutputFormat::yaml) {
    std::cout << "---\n" << output::to_yaml(doc);
  } else if (ctx.format() == OutputFormat::name) {
    std::cout << output::name_of(doc) << "\n";
  } else {
    std::cout << output::dump(doc) << "\n";
  }
  std::cout.flush();
}

const std::vector<std::string> k_list_headers = {
  "ID", "WORKFLOW", "VERSION", "STATUS", "STARTED", "DURATION", "STEPS", "ERROR"
};

std::vector<std::string>
list_row(const v1::RunSummary& s, std::int64_t now)
{
  return { s.id(),
           s.workflow_id(),
           std::to_string(s.workflow_version()),
           s.state(),
           format_since(s.created_ms(), now),
           span_text(s.created_ms(), s.finished_ms(), now),
           fmt::format("{}/{}", s.steps_done(), s.steps_total()),
           short_error(s) };
}

// `runs list -w`: after the list, one line (a row, or a JSON document) for
// each run of the filter that starts or changes state or steps done, until
// Ctrl-C. ListRuns is polled every second.
void
watch_list(Context& ctx,
           const Client& client,
           const v1::ListRunsRequest& request,
           const v1::ListRunsReply& first)
{
  auto stub = v1::RunService::NewStub(client.channel());
  const auto seen_as = [](const v1::RunSummary& s) {
    return fmt::format("{}|{}|{}", s.state(), s.steps_done(), s.steps_total());
  };
  std::map<std::string, std::string> seen;
  for (const auto& s : first.runs()) {
    seen[s.id()] = seen_as(s);
  }
  for (;;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto reply = client.call<v1::ListRunsReply>([&](auto* c, auto* r) {
      return stub->ListRuns(c, request, r);
    });
    if (!reply) {
      ctx.fail(reply.error());
      return;
    }
    // Oldest first, as they happened.
    for (auto it = reply->runs().rbegin(); it != reply->runs().rend(); ++it) {
      auto& last = seen[it->id()];
      if (last == seen_as(*it)) {
        continue;
      }
      last = seen_as(*it);
      if (ctx.for_people()) {
        // Aligned on the headers' widths, without the headers again.
        const output::Table row{ k_list_headers, { list_row(*it, now_ms()) } };
        std::cout << output::table_lines(row, false).back() << "\n";
        std::cout.flush();
      } else {
        print_document(ctx, run_summary_json(*it));
      }
    }
  }
}

int
run_list(Context& ctx, const RunsOptions& o)
{
  const auto request = list_request(o);
  if (!request) {
    return fail_early(ctx, request.error());
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RunService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(auto reply,
                    client.call<v1::ListRunsReply>([&](auto* c, auto* r) {
                      return stub->ListRuns(c, *request, r);
                    }));
    if (reply.runs_size() >= request->limit()) {
      reply.mutable_runs()->RemoveLast();
      if (!ctx.quiet) {
        std::cerr << fmt::format("ryax: note: the newest {} runs are shown; "
                                 "--limit N shows more\n",
                                 reply.runs_size());
      }
    }
    const auto now = now_ms();
    auto doc = nlohmann::json::array();
    output::Table table{ k_list_headers, {} };
    for (const auto& s : reply.runs()) {
      doc.push_back(run_summary_json(s));
      table.rows.push_back(list_row(s, now));
    }
    if (o.watch && !ctx.for_people()) {
      // Each run its own document, oldest first, as the changes that follow.
      for (auto it = reply.runs().rbegin(); it != reply.runs().rend(); ++it) {
        print_document(ctx, run_summary_json(*it));
      }
      watch_list(ctx, client, *request, reply);
      return k_exit_ok;
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (table.rows.empty()) {
        if (!ctx.quiet && !o.watch) {
          out << "no runs\n";
        }
        return;
      }
      output::print_table(out, table, ctx.color());
    });
    if (!o.watch) {
      return k_exit_ok;
    }
    watch_list(ctx, client, *request, reply);
    return k_exit_ok;
  });
}

Result<int> watch_run(Context& ctx, const Client& client, const RunsOptions& o);

int
run_show(Context& ctx, const RunsOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    if (o.watch) {
      return watch_run(ctx, client, o);
    }
    RYAX_TRY_ASSIGN(const auto run, get_run(client, o));
    const auto doc = run_json(run);
    output::emit(ctx, doc, [&](std::ostream& out) {
      print_run(out, run, doc, now_ms(), ctx.color());
    });
    return k_exit_ok;
  });
}

// `runs show RUN --watch`: the run at each change (at most 5 a second)
// until it is final; on a terminal the screen is redrawn, otherwise each
// document follows the last (JSON: one per line).
Result<int>
watch_run(Context& ctx, const Client& client, const RunsOptions& o)
{
  auto stub = v1::RunService::NewStub(client.channel());
  const bool redraw = ctx.for_people() && ctx.progress();
  v1::Run run;
  bool first = true;
  for (;;) {
    grpc::ClientContext context;
    const auto request = run_request(o);
    auto reader = stub->WatchRun(&context, request);
    while (reader->Read(&run)) {
      const auto doc = run_json(run);
      if (!ctx.for_people()) {
        print_document(ctx, doc);
        continue;
      }
      if (redraw) {
        std::cout << "\033[H\033[2J";
      } else if (!first) {
        std::cout << "\n";
      }
      first = false;
      print_run(std::cout, run, doc, now_ms(), ctx.color());
      std::cout.flush();
    }
    const auto status = reader->Finish();
    if (is_final_state(run.state())) {
      return k_exit_ok;
    }
    RYAX_TRY(client.check(status));
    // The stream ended early (ryaxd restarting its watchers): again.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
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
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RunService::NewStub(client.channel());
    const auto request = run_request(o);
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::RemoveRunReply>([&](auto* c, auto* r) {
                      return stub->RemoveRun(c, request, r);
                    }));
    const nlohmann::json doc = { { "run_id", reply.run_id() },
                                 { "files_removed", reply.files_removed() } };
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << fmt::format(
          "run {} removed with its logs and {} stored file{}\n",
          reply.run_id(),
          reply.files_removed(),
          reply.files_removed() == 1 ? "" : "s");
      }
    });
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
            std::cout << output::dump(log_line_json(line)) << "\n";
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
  list->add_option("--workflow", o->workflow, "Only runs of this workflow")
    ->type_name("ID");
  list
    ->add_option("--status",
                 o->status,
                 "Only runs in this state: pending, running, done, error or "
                 "cancelled")
    ->check(CLI::IsMember(
      { "pending", "running", "done", "error", "cancelled" })) // exit 2
    ->type_name("STATE");
  list
    ->add_option("--since",
                 o->since,
                 "Only runs started within DURATION (30s, 5m, 1h, 2d)")
    ->type_name("DURATION");
  auto* limit =
    list->add_option("--limit", o->limit, "At most N runs (default: 50)")
      ->check(CLI::Range(1, k_max_limit)) // exit 2
      ->type_name("N");
  list->add_flag("-w,--watch",
                 o->watch,
                 "After the list, print a line for each run that starts or "
                 "changes, until Ctrl-C");
  list->callback([&ctx, o, limit] {
    o->limit_given = limit->count() > 0;
    ctx.exit_code = run_list(ctx, *o);
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
    "rm", "Remove a finished run with its logs and its files");
  add_run_id(rm);
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
