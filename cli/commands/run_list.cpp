// `ryax runs list [-w]` and `ryax runs show --watch`.

#include "cli/commands/run_list.hpp"
#include "cli/output/printable.hpp"

#include "cli/commands/common.hpp"
#include "cli/commands/run_render.hpp"
#include "cli/commands/run_show.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"
#include "core/domain/suggest.hpp"

#include "ryax/v1/run.grpc.pb.h"
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

constexpr int k_default_limit = 50;

constexpr std::array<std::string_view, 5> k_run_states = { "pending",
                                                           "running",
                                                           "done",
                                                           "error",
                                                           "cancelled" };

Result<v1::ListRunsRequest>
list_request(const RunListOptions& o)
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
  return text; // a table fitted to a terminal shortens it
}

const std::vector<std::string> k_list_headers = {
  "ID", "WORKFLOW", "VERSION", "STATE", "STARTED", "DURATION", "STEPS", "ERROR"
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
        output::print_document(ctx, run_summary_json(*it));
      }
    }
  }
}

} // namespace


int
run_list(Context& ctx, const RunListOptions& o)
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
        output::print_document(ctx, run_summary_json(*it));
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


Result<int>
watch_run(Context& ctx, const Client& client, const v1::GetRunRequest& request)
{
  auto stub = v1::RunService::NewStub(client.channel());
  const bool redraw = ctx.for_people() && ctx.progress();
  v1::Run run;
  bool first = true;
  for (;;) {
    grpc::ClientContext context;
    auto reader = stub->WatchRun(&context, request);
    while (reader->Read(&run)) {
      const auto doc = run_json(run);
      if (!ctx.for_people()) {
        output::print_document(ctx, doc);
        continue;
      }
      if (redraw) {
        std::cout << "\033[H\033[2J";
      } else if (!first) {
        std::cout << "\n";
      }
      first = false;
      output::print_safely(std::cout, [&](std::ostream& out) {
        print_run(out, run, doc, now_ms(), ctx.color());
      });
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

} // namespace ryax::cli
