// GET /metrics: the Prometheus text format checked by promtool, the token,
// and a real Prometheus scraping ryaxd.

#include "tests/integration/http_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/text.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

namespace {

using namespace ryax::test;

const char* const k_chain2 =
  "  - {id: a1, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n"
  "  - {id: a2, from: add, inputs_values: {x: \"{{ a1.y }}\"}}\n";

bool
on_path(const std::string& command)
{
  return std::system(("command -v " + command + " >/dev/null 2>&1").c_str())
         == 0;
}

// The value of the series `series` (its exact text, labels sorted) in the
// exposition `text`, or -1 when absent.
double
sample(const std::string& text, const std::string& series)
{
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) {
    return -1;
  }
  return std::stod(text.substr(at + series.size() + 2));
}

} // namespace

TEST_CASE("GET /metrics after a run counts its runs, steps, calls and deployments and promtool accepts it")
{
  RunFixture f({ "add" });
  f.deploy("chain", "    - {name: x, type: integer}\n", k_chain2);
  f.require_ok({ "run", "chain", "--input", "x=1", "--wait" });

  auto client = http_client(f);
  const auto reply = client.Get("/metrics");
  REQUIRE(reply);
  REQUIRE(reply->status == 200);
  CHECK(reply->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
  const auto& text = reply->body;
  INFO(text.substr(0, 4000));
  CHECK(sample(text, R"(ryax_runs_total{project_id="default",state="pending",workflow="chain"})") == 1);
  CHECK(sample(text, R"(ryax_runs_total{project_id="default",state="done",workflow="chain"})") == 1);
  CHECK(sample(text, R"(ryax_steps_total{action="add",project_id="default",state="done",workflow="chain"})") == 2);
  CHECK(sample(text, R"(ryax_step_duration_seconds_count{action="add",project_id="default",workflow="chain"})") == 2);
  CHECK(sample(text, R"(ryax_step_queue_wait_seconds_count{action="add",project_id="default",workflow="chain"})") == 2);
  CHECK(sample(text, R"(ryax_grpc_calls_total{code="OK",method="StartRun"})") == 1);
  CHECK(sample(text, R"(ryax_builds_total{state="built"})") == 1);
  CHECK(sample(text, R"(ryax_workflow_deployments{name="chain",project_id="default",state="deployed"})") == 1);
  CHECK(sample(text, R"(ryax_deployment_replicas{deployment="chain/add",project_id="default",state="live"})") == 1);
  CHECK(sample(text, R"(ryax_site_healthy{site="local"})") == 1);
  CHECK(sample(text, "ryax_sqlite_commit_duration_seconds_count") >= 1);
  CHECK(sample(text, "process_resident_memory_bytes") > 1e6);
  CHECK(sample(text, "process_open_fds") > 3);

  // A refused call is counted by its code.
  f.daemon.ryax({ "runs", "show", "no-such-run" });
  const auto again = client.Get("/metrics");
  REQUIRE(again);
  CHECK(sample(again->body, R"(ryax_grpc_calls_total{code="NOT_FOUND",method="GetRun"})") == 1);

  if (!on_path("promtool")) {
    MESSAGE("skipped: promtool check (the prometheus package is not installed)");
    return;
  }
  const auto checked = run({ "promtool", "check", "metrics" }, {}, again->body);
  INFO(checked.out, checked.err);
  CHECK(checked.exit_code == 0);
}

TEST_CASE("metrics_token: /metrics answers 401 without the bearer token and 200 with it")
{
  DaemonFixture d(false);
  fs::create_directories(d.home());
  std::ofstream(d.home() + "/ryaxd.yaml") << "metrics_token: s3cret-metrics\n";
  d.start();
  const auto status = json::parse(d.ryax({ "daemon", "status", "-o", "json" }).out);
  httplib::Client client(status.value("http_url", std::string()));
  const auto refused = client.Get("/metrics");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(refused->body.find("metrics_token") != std::string::npos);
  const auto wrong =
    client.Get("/metrics", { { "Authorization", "Bearer s3cret-metricz" } });
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  const auto ok =
    client.Get("/metrics", { { "Authorization", "Bearer s3cret-metrics" } });
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body.find("ryax_build_info{") != std::string::npos);
  // The token never shows in the effective configuration.
  const auto config = d.ryaxd({ "--print-config" });
  CHECK(config.out.find("s3cret") == std::string::npos);
}

TEST_CASE("a real Prometheus scrapes ryaxd and answers a PromQL query about the run that just happened")
{
  if (!on_path("prometheus")) {
    MESSAGE("skipped: the prometheus package is not installed");
    return;
  }
  RunFixture f({ "add" });
  f.deploy("chain", "    - {name: x, type: integer}\n", k_chain2);
  f.require_ok({ "run", "chain", "--input", "x=1", "--wait" });

  const auto url = http_url(f);
  const auto target = url.substr(std::string("http://").size());
  const fs::path dir = f.daemon.dir() / "prometheus";
  fs::create_directories(dir / "data");
  std::ofstream(dir / "prometheus.yml")
    << "global:\n  scrape_interval: 1s\n"
       "scrape_configs:\n  - job_name: ryaxd\n    static_configs:\n"
       "      - targets: ['"
    << target << "']\n";
  const auto port = free_tcp_port();
  BackgroundProcess prometheus(
    { "prometheus",
      "--config.file=" + (dir / "prometheus.yml").string(),
      "--storage.tsdb.path=" + (dir / "data").string(),
      "--web.listen-address=127.0.0.1:" + port,
      "--log.level=warn" },
    {},
    (dir / "prometheus.log").string());

  httplib::Client promql("http://127.0.0.1:" + port);
  promql.set_read_timeout(5, 0);
  std::string last;
  const bool answered = eventually(
    [&] {
      const auto reply = promql.Get(
        "/api/v1/query?query="
        "sum(ryax_steps_total%7Bworkflow%3D%22chain%22%2Cstate%3D%22done%22%7D)");
      if (!reply || reply->status != 200) {
        return false;
      }
      last = reply->body;
      const auto doc = json::parse(reply->body, nullptr, false);
      return !doc.is_discarded() && doc["status"] == "success"
             && !doc["data"]["result"].empty()
             && doc["data"]["result"][0]["value"][1] == "2";
    },
    std::chrono::seconds(60));
  INFO("last answer: ", last);
  INFO("prometheus log: ", read_file((dir / "prometheus.log").string()));
  REQUIRE(answered);

  // Every query of the example Grafana dashboard is valid PromQL and names
  // only families ryaxd exposes.
  const auto exposed = http_client(f).Get("/metrics");
  REQUIRE(exposed);
  const auto dashboard = json::parse(read_file(
    std::string(RYAX_SOURCE_DIR) + "/examples/monitoring/grafana-dashboard.json"));
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      auto expr = target["expr"].get<std::string>();
      INFO(panel["title"], ": ", expr);
      for (const auto& [from, to] :
           { std::pair<std::string, std::string>{ "$__rate_interval", "1m" },
             { "$project", ".*" } }) {
        for (auto at = expr.find(from); at != std::string::npos;
             at = expr.find(from)) {
          expr.replace(at, from.size(), to);
        }
      }
      const auto answer = promql.Get("/api/v1/query",
                                     httplib::Params{ { "query", expr } },
                                     httplib::Headers{});
      REQUIRE(answer);
      CHECK(answer->status == 200);
      CHECK(json::parse(answer->body)["status"] == "success");
      // Series names: followed by a selector or a range (label names,
      // some of which start with ryax_ too, are not).
      for (std::size_t at = expr.find("ryax_"); at != std::string::npos;
           at = expr.find("ryax_", at + 1)) {
        const auto end =
          expr.find_first_not_of("abcdefghijklmnopqrstuvwxyz_", at);
        if (end == std::string::npos || (expr[end] != '{' && expr[end] != '[')) {
          continue;
        }
        auto name = expr.substr(at, end - at);
        if (name.ends_with("_bucket")) {
          name.resize(name.size() - std::string("_bucket").size());
        }
        // prometheus-cpp's registry shows a family from its first series:
        // the user API's come with the first request to it.
        const bool later = name.starts_with("ryax_user_api_");
        CHECK_MESSAGE((later
                       || exposed->body.find("# TYPE " + name + " ")
                            != std::string::npos),
                      name);
      }
      ++queries;
    }
  }
  CHECK(queries >= 15);
}

TEST_CASE("metrics: false records nothing and serves no /metrics, and a value that is not a boolean is refused")
{
  DaemonFixture d(false);
  fs::create_directories(d.home());
  std::ofstream(d.home() + "/ryaxd.yaml") << "metrics: maybe\n";
  const auto refused = d.ryaxd({ "--check-config" });
  CHECK(refused.exit_code == 1);
  CHECK((refused.out + refused.err).find("metrics: expected true or false")
        != std::string::npos);

  std::ofstream(d.home() + "/ryaxd.yaml") << "metrics: false\n";
  d.start();
  const auto status = json::parse(d.ryax({ "daemon", "status", "-o", "json" }).out);
  httplib::Client client(status.value("http_url", std::string()));
  const auto reply = client.Get("/metrics");
  REQUIRE(reply);
  CHECK(reply->status == 404);
}
