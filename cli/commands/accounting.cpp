// `ryax accounting`: what the executions used, summed by project, workflow,
// action, site or pool, or listed one by one (--records).

#include "cli/commands/commands.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/csv.hpp"
#include "cli/output/output.hpp"
#include "cli/output/time_format.hpp"
#include "core/domain/accounting.hpp"

#include "ryax/v1/accounting.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

namespace ryax::cli {

namespace {

constexpr int k_default_records = 1000;
constexpr int k_max_records = 100000;

struct AccountingOptions
{
  std::string since;
  std::string until;
  std::string group_by = "project";
  bool records = false;
  int limit = k_default_records;
  bool limit_given = false;
};

// The request of `o`; invalid_argument naming the flag.
Result<v1::GetAccountingSummaryRequest>
summary_request(const Context& ctx, const AccountingOptions& o)
{
  v1::GetAccountingSummaryRequest request;
  const auto now = now_ms();
  if (!o.since.empty()) {
    RYAX_TRY_ASSIGN(const auto since,
                    domain::parse_time_bound(o.since, "--since", now));
    request.set_since_ms(std::max<std::int64_t>(0, since));
  }
  if (!o.until.empty()) {
    RYAX_TRY_ASSIGN(const auto until,
                    domain::parse_time_bound(o.until, "--until", now));
    if (until <= request.since_ms()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--until \"{}\" is not after --since \"{}\"",
                              o.until,
                              o.since.empty() ? "1970-01-01" : o.since));
    }
    request.set_until_ms(until);
  }
  RYAX_TRY_ASSIGN(const auto by,
                  domain::parse_accounting_group_by(o.group_by, "--group-by"));
  request.set_group_by(std::string(domain::to_string(by)));
  if (o.limit_given && !o.records) {
    return fail(ErrorCode::invalid_argument,
                "--limit: only with --records");
  }
  if (o.records) {
    request.set_records(static_cast<std::uint32_t>(o.limit));
  }
  // --project, else $RYAX_PROJECT; else every project the caller sees.
  request.set_project(ctx.project);
  if (ctx.project.empty()) {
    if (const char* env = std::getenv("RYAX_PROJECT"); env != nullptr) {
      request.set_project(env);
    }
  }
  return request;
}

std::string
seconds_text(double seconds)
{
  return fmt::format("{:.3f}", seconds);
}

nlohmann::json
to_json(const v1::AccountingTotals& t)
{
  return { { "executions", t.executions() },
           { "cpu_seconds", t.cpu_seconds() },
           { "gb_seconds", t.gb_seconds() },
           { "gpu_seconds", t.gpu_seconds() },
           { "duration_seconds", t.duration_seconds() } };
}

// The fields of a record's document, in the order CSV columns take.
constexpr const char* k_record_fields[] = {
  "execution_id",     "project",
  "workflow_id",      "workflow_version",
  "action_id",        "action_name",
  "action_version",   "run_id",
  "step",             "branch",
  "attempt",          "site",
  "node_pool",        "node",
  "state",            "submitted_ms",
  "started_ms",       "ended_ms",
  "submitted_at",     "started_at",
  "ended_at",         "duration_seconds",
  "requested_cpu",    "requested_memory_bytes",
  "requested_gpu",    "requested_time_seconds",
  "allocated_cpu",    "allocated_memory_bytes",
  "allocated_gpu"
};

nlohmann::json
to_json(const v1::AccountingRecord& r)
{
  return { { "execution_id", r.execution_id() },
           { "project", r.project() },
           { "workflow_id", r.workflow_id() },
           { "workflow_version", r.workflow_version() },
           { "action_id", r.action_id() },
           { "action_name", r.action_name() },
           { "action_version", r.action_version() },
           { "run_id", r.run_id() },
           { "step", r.step() },
           { "branch", r.branch() },
           { "attempt", r.attempt() },
           { "site", r.site() },
           { "node_pool", r.node_pool() },
           { "node", r.node() },
           { "state", r.state() },
           { "submitted_ms", r.submitted_ms() },
           { "started_ms", r.started_ms() },
           { "ended_ms", r.ended_ms() },
           { "submitted_at", output::rfc3339_ms(r.submitted_ms()) },
           { "started_at", output::rfc3339_ms(r.started_ms()) },
           { "ended_at", output::rfc3339_ms(r.ended_ms()) },
           { "duration_seconds",
             static_cast<double>(r.ended_ms() - r.started_ms()) / 1000.0 },
           { "requested_cpu", r.requested_cpu() },
           { "requested_memory_bytes", r.requested_memory_bytes() },
           { "requested_gpu", r.requested_gpu() },
           { "requested_time_seconds", r.requested_time_seconds() },
           { "allocated_cpu", r.allocated_cpu() },
           { "allocated_memory_bytes", r.allocated_memory_bytes() },
           { "allocated_gpu", r.allocated_gpu() } };
}

// The key columns of a grouping, and the group's values for them.
std::vector<std::string>
key_headers(const std::string& by)
{
  if (by == "workflow") {
    return { "PROJECT", "WORKFLOW" };
  }
  if (by == "action") {
    return { "PROJECT", "ACTION", "VERSION" };
  }
  if (by == "site") {
    return { "SITE" };
  }
  if (by == "pool") {
    return { "SITE", "POOL" };
  }
  return { "PROJECT" };
}

std::vector<std::string>
key_values(const std::string& by, const v1::AccountingGroup& g)
{
  if (by == "workflow") {
    return { g.project(), g.workflow_id() };
  }
  if (by == "action") {
    return { g.project(), g.action_id(), g.action_version() };
  }
  if (by == "site") {
    return { g.site() };
  }
  if (by == "pool") {
    return { g.site(), g.node_pool() };
  }
  return { g.project() };
}

std::vector<std::string>
total_cells(const v1::AccountingTotals& t)
{
  return { std::to_string(t.executions()),
           seconds_text(t.cpu_seconds()),
           seconds_text(t.gb_seconds()),
           seconds_text(t.gpu_seconds()),
           seconds_text(t.duration_seconds()) };
}

void
print_summary(Context& ctx,
              const v1::GetAccountingSummaryRequest& request,
              const v1::AccountingSummary& reply)
{
  const auto& by = reply.group_by();
  output::Table table{ key_headers(by), {} };
  for (const char* h :
       { "EXECUTIONS", "CPU_SECONDS", "GB_SECONDS", "GPU_SECONDS",
         "DURATION_SECONDS" }) {
    table.headers.emplace_back(h);
  }
  auto groups = nlohmann::json::array();
  for (const auto& g : reply.groups()) {
    auto row = key_values(by, g);
    for (auto& cell : total_cells(g.totals())) {
      row.push_back(std::move(cell));
    }
    table.rows.push_back(std::move(row));
    auto doc = to_json(g.totals());
    doc["key"] = g.key();
    const auto headers = key_headers(by);
    const auto values = key_values(by, g);
    for (std::size_t i = 0; i < headers.size(); ++i) {
      static const std::map<std::string, std::string> k_fields = {
        { "PROJECT", "project" }, { "WORKFLOW", "workflow_id" },
        { "ACTION", "action_id" }, { "VERSION", "action_version" },
        { "SITE", "site" },       { "POOL", "node_pool" }
      };
      doc[k_fields.at(headers[i])] = values[i];
    }
    groups.push_back(std::move(doc));
  }
  if (ctx.csv()) {
    output::print_csv(std::cout, table, !ctx.no_headers);
    std::cout.flush();
    return;
  }
  if (ctx.format() == OutputFormat::name) {
    output::emit(ctx, groups, [](std::ostream&) {});
    return;
  }
  const auto bound = [](std::int64_t ms) {
    return ms == 0 ? nlohmann::json(nullptr) : nlohmann::json(ms);
  };
  const nlohmann::json doc = {
    { "group_by", by },
    { "project",
      request.project().empty() ? nlohmann::json(nullptr)
                                : nlohmann::json(request.project()) },
    { "since_ms", bound(request.since_ms()) },
    { "until_ms", bound(request.until_ms()) },
    { "since_at",
      request.since_ms() == 0 ? nlohmann::json(nullptr)
                              : output::rfc3339_ms(request.since_ms()) },
    { "until_at",
      request.until_ms() == 0 ? nlohmann::json(nullptr)
                              : output::rfc3339_ms(request.until_ms()) },
    { "groups", groups },
    { "total", to_json(reply.total()) }
  };
  output::emit(ctx, doc, [&](std::ostream& out) {
    if (reply.groups().empty()) {
      if (!ctx.quiet) {
        out << "no executions\n";
      }
      return;
    }
    if (reply.groups_size() > 1) {
      auto row = std::vector<std::string>(key_headers(by).size(), "");
      row.front() = "TOTAL";
      for (auto& cell : total_cells(reply.total())) {
        row.push_back(std::move(cell));
      }
      table.rows.push_back(std::move(row));
    }
    output::print_table(out, table, ctx.color());
  });
}

void
print_records(Context& ctx, const v1::AccountingSummary& reply)
{
  auto docs = nlohmann::json::array();
  for (const auto& r : reply.records()) {
    docs.push_back(to_json(r));
  }
  if (ctx.csv()) {
    // Every field of the JSON document, in the record's order.
    output::Table table;
    table.headers.assign(std::begin(k_record_fields), std::end(k_record_fields));
    for (const auto& doc : docs) {
      std::vector<std::string> row;
      for (const auto& header : table.headers) {
        const auto& value = doc.at(header);
        row.push_back(value.is_string() ? value.get<std::string>()
                                        : value.dump());
      }
      table.rows.push_back(std::move(row));
    }
    output::print_csv(std::cout, table, !ctx.no_headers);
  } else {
    output::emit(ctx, docs, [&](std::ostream& out) {
      output::Table table{ { "ENDED", "PROJECT", "WORKFLOW", "ACTION", "RUN",
                             "STEP", "SITE", "POOL", "STATE", "DURATION_S",
                             "CPU", "MEMORY_MB" },
                           {} };
      for (const auto& r : reply.records()) {
        table.rows.push_back(
          { format_time(r.ended_ms() / 1000),
            r.project(),
            r.workflow_id(),
            r.action_id() + ":" + r.action_version(),
            r.run_id(),
            r.branch().empty() ? r.step() : r.step() + "#" + r.branch(),
            r.site(),
            r.node_pool(),
            r.state(),
            seconds_text(static_cast<double>(r.ended_ms() - r.started_ms())
                         / 1000.0),
            fmt::format("{:g}", r.allocated_cpu()),
            std::to_string(r.allocated_memory_bytes() / (1024 * 1024)) });
      }
      if (table.rows.empty()) {
        if (!ctx.quiet) {
          out << "no executions\n";
        }
        return;
      }
      output::print_table(out, table, ctx.color());
    });
  }
  std::cout.flush();
  if (reply.records_cut() && !ctx.quiet) {
    std::cerr << fmt::format("ryax: note: the first {} executions shown; "
                             "more matched (--limit)\n",
                             reply.records_size());
  }
}

int
run_accounting(Context& ctx, const AccountingOptions& o)
{
  auto request = summary_request(ctx, o);
  if (!request) {
    return fail_early(ctx, request.error());
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::AccountingService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(
      const auto reply,
      client.call<v1::AccountingSummary>([&](auto* c, auto* r) {
        return stub->GetAccountingSummary(c, *request, r);
      }));
    if (o.records) {
      print_records(ctx, reply);
    } else {
      print_summary(ctx, *request, reply);
    }
    return output::output_failure();
  });
}

} // namespace

void
register_accounting_commands(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<AccountingOptions>();
  auto* cmd = app.add_subcommand(
    "accounting",
    "What executions used: CPU-seconds, GB-seconds, GPU-seconds and time, "
    "summed by project, workflow, action, site or pool, in --project or in "
    "every project you are a member of");
  cmd
    ->add_option("--since",
                 o->since,
                 "Only executions that ended at or after TIME: RFC 3339 "
                 "(2026-11-30T08:00:00Z), a date (2026-11-30) or a duration "
                 "ago (7d, 24h)")
    ->type_name("TIME");
  cmd
    ->add_option("--until",
                 o->until,
                 "Only executions that ended before TIME (same forms)")
    ->type_name("TIME");
  cmd
    ->add_option("--group-by",
                 o->group_by,
                 "Sum by project (default), workflow, action, site or pool")
    ->check(CLI::IsMember({ "project", "workflow", "action", "site", "pool" }))
    ->type_name("KEY");
  cmd->add_flag("--records",
                o->records,
                "List the executions one by one (oldest first) instead of "
                "their sums");
  auto* limit =
    cmd
      ->add_option("--limit",
                   o->limit,
                   "With --records: at most N executions (default: 1000)")
      ->check(CLI::Range(1, k_max_records)) // exit 2
      ->type_name("N");
  cmd->callback([&ctx, o, limit] {
    o->limit_given = limit->count() > 0;
    ctx.exit_code = run_accounting(ctx, *o);
  });
}

} // namespace ryax::cli
