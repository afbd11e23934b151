#include "core/domain/accounting.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::domain;

TEST_SUITE_BEGIN("domain::accounting");

TEST_CASE("time bounds are RFC 3339 times or dates or durations before now")
{
  const std::int64_t now = 1'764'547'200'000; // 2025-12-01T00:00:00Z
  CHECK(parse_time_bound("2025-12-01T00:00:00Z", "--since", now).value()
        == now);
  CHECK(parse_time_bound("2025-12-01", "--since", now).value() == now);
  CHECK(parse_time_bound("2025-12-01T01:00:00+01:00", "--since", now).value()
        == now);
  CHECK(parse_time_bound("2025-11-30t19:00:00.25-05:00", "--since", now)
          .value()
        == now + 250);
  CHECK(parse_time_bound("2025-12-01 00:00:01z", "--since", now).value()
        == now + 1000);
  CHECK(parse_time_bound("7d", "--since", now).value()
        == now - 7LL * 24 * 3600 * 1000);
  CHECK(parse_time_bound("90m", "--since", now).value() == now - 5'400'000);
}

TEST_CASE("a bad time bound is refused naming the flag and the forms")
{
  const std::int64_t now = 1'764'547'200'000;
  for (const char* bad :
       { "", "yesterday", "2025-13-01", "2025-02-30", "2025-12-01T25:00:00Z",
         "2025-12-01T00:00:00", "2025-12-01T00:00Z", "-1d", "1w",
         "2025-12-01T00:00:00+1:00", "99999999d" }) {
    auto parsed = parse_time_bound(bad, "--until", now);
    REQUIRE_MESSAGE(!parsed, bad);
    CHECK(parsed.error().code == ErrorCode::invalid_argument);
    CHECK(parsed.error().message.starts_with("--until \""));
    CHECK(parsed.error().message.find("RFC 3339") != std::string::npos);
  }
}

TEST_CASE("group names parse and an unknown one suggests the near miss")
{
  CHECK(parse_accounting_group_by("pool", "--group-by").value()
        == AccountingGroupBy::pool);
  CHECK(to_string(AccountingGroupBy::workflow) == "workflow");
  auto bad = parse_accounting_group_by("sites", "--group-by");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message
        == "--group-by \"sites\": expected project, workflow, action, site or "
           "pool (did you mean \"site\"?)");
}

TEST_CASE("totals count allocated amounts times duration and never a "
          "negative duration")
{
  AccountingRecord r;
  r.started_ms = 1'000;
  r.ended_ms = 3'000;
  r.allocated_cpu = 0.5;
  r.allocated_memory_bytes = 512LL << 20;
  r.allocated_gpu = 2;
  AccountingTotals t;
  t.add(r);
  CHECK(t.executions == 1);
  CHECK(t.duration_seconds == doctest::Approx(2.0));
  CHECK(t.cpu_seconds == doctest::Approx(1.0));
  CHECK(t.gb_seconds == doctest::Approx(1.0));
  CHECK(t.gpu_seconds == doctest::Approx(4.0));
  r.ended_ms = 0;
  CHECK(r.duration_ms() == 0);
}

TEST_CASE("each grouping keys records by its fields")
{
  AccountingRecord r;
  r.project = "p";
  r.workflow_id = "w";
  r.action_id = "a";
  r.action_version = "1.0";
  r.site = "s";
  r.node_pool = "gpu";
  CHECK(group_of(r, AccountingGroupBy::project).key() == "p");
  CHECK(group_of(r, AccountingGroupBy::workflow).key() == "p/w");
  CHECK(group_of(r, AccountingGroupBy::action).key() == "p/a:1.0");
  CHECK(group_of(r, AccountingGroupBy::site).key() == "s");
  CHECK(group_of(r, AccountingGroupBy::pool).key() == "s/gpu");
  CHECK(group_of(r, AccountingGroupBy::site).project.empty());
}

TEST_SUITE_END();
