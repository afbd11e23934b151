// ryax accounting: a real ryaxd records every execution of a real run; the
// real ryax sums them (table, JSON, CSV), filters by project and period,
// and shows a user only its projects. The records outlive runs rm.

#include "tests/integration/identity_helpers.hpp"
#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace ryax::test;
using nlohmann::json;

namespace {

// The records of RFC 4180 `text` (CRLF line ends, quoted fields with
// doubled quotes): a small reader, enough to check what ryax writes.
std::vector<std::vector<std::string>>
parse_csv(const std::string& text)
{
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      REQUIRE_MESSAGE(c != '\n', "a bare LF in CSV output");
      field += c;
    }
  }
  const bool ended = field.empty() && row.empty();
  REQUIRE_MESSAGE(ended, "CSV not ended by CRLF");
  return rows;
}

json
accounting(const RunFixture& f, std::vector<std::string> args)
{
  args.insert(args.begin(), "accounting");
  args.insert(args.end(), { "-o", "json" });
  auto r = f.daemon.ryax(args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return json::parse(r.out);
}

const std::string k_steps =
  "  - {id: inc, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n"
  "  - {id: nap, from: sleeper, inputs_values: {seconds: 0.3}, "
  "resources: {cpu: 1, memory: 512M}, after: [inc]}\n";

} // namespace

TEST_SUITE_BEGIN("integration: accounting");

TEST_CASE("each execution of a run is accounted with its duration and sums "
          "group by project workflow action site and pool")
{
  RunFixture f({ "add", "sleeper" });
  f.deploy("metered", "    - {name: x, type: integer}\n", k_steps);
  const auto run = start_run(f, { "metered", "--input", "x=1", "--wait" });

  auto records = accounting(f, { "--records" });
  REQUIRE(records.size() == 2);
  for (const auto& r : records) {
    CHECK(r["run_id"] == run);
    CHECK(r["project"] == "default");
    CHECK(r["workflow_id"] == "metered");
    CHECK(r["site"] == "local");
    CHECK(r["state"] == "done");
    CHECK(r["ended_ms"].get<std::int64_t>() > r["started_ms"].get<std::int64_t>());
    CHECK(r["started_ms"].get<std::int64_t>()
          >= r["submitted_ms"].get<std::int64_t>());
    CHECK(r["ended_at"].get<std::string>().ends_with("Z"));
  }
  const auto& nap = records[0]["step"] == "nap" ? records[0] : records[1];
  CHECK(nap["action_id"] == "sleeper");
  CHECK(nap["requested_cpu"] == 1.0);
  CHECK(nap["allocated_memory_bytes"] == 512LL << 20);
  CHECK(nap["duration_seconds"].get<double>() >= 0.3);

  auto by_project = accounting(f, {});
  CHECK(by_project["group_by"] == "project");
  REQUIRE(by_project["groups"].size() == 1);
  const auto& group = by_project["groups"][0];
  CHECK(group["key"] == "default");
  CHECK(group["project"] == "default");
  CHECK(group["executions"] == 2);
  CHECK(group["duration_seconds"].get<double>() >= 0.3);
  CHECK(group["cpu_seconds"].get<double>() >= 0.3); // cpu 1 x 0.3 s at least
  CHECK(group["gb_seconds"].get<double>() > 0);
  CHECK(by_project["total"]["executions"] == 2);

  auto by_action = accounting(f, { "--group-by", "action" });
  REQUIRE(by_action["groups"].size() == 2);
  CHECK(by_action["groups"][0]["key"] == "default/add:1.0");
  CHECK(by_action["groups"][1]["key"] == "default/sleeper:1.0");
  auto by_workflow = accounting(f, { "--group-by", "workflow" });
  REQUIRE(by_workflow["groups"].size() == 1);
  CHECK(by_workflow["groups"][0]["workflow_id"] == "metered");
  auto by_site = accounting(f, { "--group-by", "site" });
  CHECK(by_site["groups"][0]["key"] == "local");
  auto by_pool = accounting(f, { "--group-by", "pool" });
  CHECK(by_pool["groups"][0]["site"] == "local");
  CHECK_FALSE(by_pool["groups"][0]["node_pool"].get<std::string>().empty());

  // The period: nothing ended in the future or before an hour ago... ends.
  CHECK(accounting(f, { "--since", "1h" })["total"]["executions"] == 2);
  CHECK(accounting(f, { "--until", "1h" })["groups"].empty());
  CHECK(accounting(f, { "--since", "2099-01-01T00:00:00Z" })["groups"].empty());

  // CSV parses: a header, one row per group, numbers as text.
  auto csv = f.daemon.ryax({ "accounting", "--group-by", "action", "-o", "csv" });
  REQUIRE_MESSAGE(csv.exit_code == 0, csv.err);
  const auto rows = parse_csv(csv.out);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]
        == std::vector<std::string>{ "PROJECT", "ACTION", "VERSION",
                                     "EXECUTIONS", "CPU_SECONDS", "GB_SECONDS",
                                     "GPU_SECONDS", "DURATION_SECONDS" });
  CHECK(rows[2][1] == "sleeper");
  CHECK(std::stod(rows[2][7]) >= 0.3);
  auto record_csv =
    f.daemon.ryax({ "accounting", "--records", "-o", "csv", "--no-headers" });
  REQUIRE(record_csv.exit_code == 0);
  CHECK(parse_csv(record_csv.out).size() == 2);
  // With its header: every field of a record's JSON document.
  auto with_header = f.daemon.ryax({ "accounting", "--records", "-o", "csv" });
  REQUIRE(with_header.exit_code == 0);
  const auto record_rows = parse_csv(with_header.out);
  REQUIRE(record_rows.size() == 3);
  CHECK(record_rows[0].size() == records[0].size());
  CHECK(record_rows[0].front() == "execution_id");
  CHECK(record_rows[1].front() == records[0]["execution_id"]);

  // The table, with the project's row.
  auto table = f.daemon.ryax({ "accounting" });
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("EXECUTIONS") != std::string::npos);
  CHECK(table.out.find("default") != std::string::npos);

  // Billing outlives run history.
  f.require_ok({ "runs", "rm", run });
  CHECK(accounting(f, {})["total"]["executions"] == 2);
}

TEST_CASE("accounting is per project: --project filters and a user sees "
          "only the projects it is a member of")
{
  RunFixture f({ "add" });
  auto& d = f.daemon;
  f.require_ok({ "project", "create", "team-b" });
  f.deploy("here", "    - {name: x, type: integer}\n",
           "  - {id: inc, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n");
  (void)start_run(f, { "here", "--input", "x=1", "--wait" });

  // An admin sees every project; --project names one.
  CHECK(accounting(f, {})["groups"].size() == 1);
  CHECK(accounting(f, { "--project", "default" })["total"]["executions"] == 1);
  CHECK(accounting(f, { "--project", "team-b" })["groups"].empty());

  // A user of team-b alone sees nothing of default, and is refused it.
  add_user(d, "bea", "user", "team-b");
  const auto bea = login(d, "bea", "pw-bea");
  auto theirs =
    d.ryax({ "accounting", "-o", "json" }, "", { { "RYAX_TOKEN", bea } });
  REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
  CHECK(json::parse(theirs.out)["groups"].empty());
  auto refused = d.ryax({ "accounting", "--project", "default" }, "",
                        { { "RYAX_TOKEN", bea } });
  CHECK(refused.exit_code == 4);
  CHECK(refused.err
        == "ryax: error: user \"bea\" is not a member of project \"default\"\n");

  // A member of default sees its runs.
  add_user(d, "dan", "user", "default");
  const auto dan = login(d, "dan", "pw-dan");
  auto mine =
    d.ryax({ "accounting", "-o", "json" }, "", { { "RYAX_TOKEN", dan } });
  REQUIRE_MESSAGE(mine.exit_code == 0, mine.err);
  CHECK(json::parse(mine.out)["total"]["executions"] == 1);
}

TEST_CASE("bad accounting flags are refused in one line before any call")
{
  DaemonFixture d(false); // no daemon: nothing is autostarted for these
  auto since = d.ryax({ "accounting", "--since", "last week" });
  CHECK(since.exit_code == 5);
  CHECK(since.err
        == "ryax: error: --since \"last week\": expected an RFC 3339 time "
           "(2026-11-30T08:00:00Z), a date (2026-11-30) or a duration before "
           "now (7d, 24h, 30m)\n");
  auto until = d.ryax({ "accounting", "--since", "1d", "--until", "2d" });
  CHECK(until.exit_code == 5);
  CHECK(until.err == "ryax: error: --until \"2d\" is not after --since \"1d\"\n");
  auto group = d.ryax({ "accounting", "--group-by", "flow" });
  CHECK(group.exit_code == 2);
  CHECK(group.err.starts_with("ryax: error: ryax accounting: --group-by: "
                              "\"flow\" is not one of project, workflow, "
                              "action, site, pool"));
  auto csv = d.ryax({ "runs", "list", "-o", "csv" });
  CHECK(csv.exit_code == 2);
  CHECK(csv.err.find("csv is taken only by: accounting") != std::string::npos);
}

TEST_SUITE_END();
