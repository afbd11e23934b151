// The Prometheus recorder's exposition: series, labels, histograms and the
// families sampled at a scrape.

#include "core/infrastructure/metrics/process_stats.hpp"
#include "core/infrastructure/metrics/prometheus_recorder.hpp"
#include "core/infrastructure/metrics/text_format.hpp"

#include <cmath>

#include <doctest/doctest.h>

using namespace ryax;

namespace {

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE_BEGIN("infra::metrics");

TEST_CASE("recorded runs, steps, calls and commits come out as counters and histograms")
{
  infra::metrics::PrometheusRecorder recorder;
  recorder.run_state("default", "wf", domain::RunState::pending);
  recorder.run_state("default", "wf", domain::RunState::done);
  recorder.run_state("default", "wf", domain::RunState::done);
  app::metrics::StepSample sample;
  sample.project = "default";
  sample.workflow = "wf";
  sample.action = "add";
  sample.state = "done";
  sample.queue_seconds = 0.002;
  sample.run_seconds = 0.3;
  recorder.step_ended(sample);
  sample.state = "lost";
  sample.run_seconds = -1; // unknown: no observation
  recorder.step_ended(sample);
  recorder.call_ended("GetRun", "NOT_FOUND", 0.0007);
  recorder.commit_ended(0.0003, 4);
  recorder.build_ended("built", 12);
  recorder.http_request("/predict", "POST", "default", 200, 0.01);

  const auto text = recorder.expose({});
  INFO(text);
  CHECK(contains(text, "# TYPE ryax_runs_total counter"));
  CHECK(contains(text, "ryax_runs_total{project_id=\"default\",state=\"done\",workflow=\"wf\"} 2"));
  CHECK(contains(text, "ryax_steps_total{action=\"add\",project_id=\"default\",state=\"lost\",workflow=\"wf\"} 1"));
  CHECK(contains(text, "# TYPE ryax_step_duration_seconds histogram"));
  CHECK(contains(text, "ryax_step_duration_seconds_count{action=\"add\",project_id=\"default\",workflow=\"wf\"} 1"));
  CHECK(contains(text, "ryax_step_duration_seconds_bucket{action=\"add\",project_id=\"default\",workflow=\"wf\",le=\"0.25\"} 0"));
  CHECK(contains(text, "ryax_step_duration_seconds_bucket{action=\"add\",project_id=\"default\",workflow=\"wf\",le=\"0.5\"} 1"));
  CHECK(contains(text, "ryax_step_queue_wait_seconds_count{action=\"add\",project_id=\"default\",workflow=\"wf\"} 2"));
  CHECK(contains(text, "ryax_grpc_calls_total{code=\"NOT_FOUND\",method=\"GetRun\"} 1"));
  CHECK(contains(text, "ryax_sqlite_commit_runs_total 4"));
  CHECK(contains(text, "ryax_build_duration_seconds_sum 12"));
  CHECK(contains(text, "ryax_user_api_requests_total{code=\"200\",ryax_project=\"default\",ryax_user_api_http_method=\"POST\",ryax_user_api_http_path=\"/predict\"} 1"));
}

TEST_CASE("sampled families follow the recorded ones, with label values escaped")
{
  infra::metrics::PrometheusRecorder recorder;
  infra::metrics::SampledFamily family;
  family.name = "ryax_workflow_deployments";
  family.help = "Workflows by deployment state";
  family.samples.push_back(
    { { { "name", "a\"b\\c\nd" }, { "state", "deployed" } }, 1 });
  const auto text = recorder.expose({ family });
  INFO(text);
  CHECK(contains(text, "# TYPE ryax_workflow_deployments gauge"));
  CHECK(contains(text, R"(ryax_workflow_deployments{name="a\"b\\c\nd",state="deployed"} 1)"));
}

TEST_CASE("the text format as the exposition spec writes it: HELP escaping, +Inf, NaN, histogram series, a family without samples")
{
  prometheus::MetricFamily gauge;
  gauge.name = "g";
  gauge.help = "a \\ b\nc";
  gauge.type = prometheus::MetricType::Gauge;
  for (const double value : { 1.5, -0.25, 1e21, double(INFINITY),
                              -double(INFINITY), double(NAN) }) {
    prometheus::ClientMetric metric;
    metric.gauge.value = value;
    gauge.metric.push_back(metric);
  }
  prometheus::MetricFamily histogram;
  histogram.name = "h_seconds";
  histogram.help = "h";
  histogram.type = prometheus::MetricType::Histogram;
  prometheus::ClientMetric observed;
  observed.label = { { "a", "x" } };
  observed.histogram.sample_count = 3;
  observed.histogram.sample_sum = 0.75;
  observed.histogram.bucket = { { 1, 0.1 }, { 3, 1 } };
  histogram.metric.push_back(observed);
  prometheus::MetricFamily empty;
  empty.name = "e_total";
  empty.help = "none yet";
  empty.type = prometheus::MetricType::Counter;

  std::string text;
  infra::metrics::write_text(text, { gauge, histogram, empty });
  CHECK(text
        == "# HELP g a \\\\ b\\nc\n"
           "# TYPE g gauge\n"
           "g 1.5\ng -0.25\ng 1e+21\ng +Inf\ng -Inf\ng NaN\n"
           "# HELP h_seconds h\n"
           "# TYPE h_seconds histogram\n"
           "h_seconds_bucket{a=\"x\",le=\"0.1\"} 1\n"
           "h_seconds_bucket{a=\"x\",le=\"1\"} 3\n"
           "h_seconds_bucket{a=\"x\",le=\"+Inf\"} 3\n"
           "h_seconds_sum{a=\"x\"} 0.75\n"
           "h_seconds_count{a=\"x\"} 3\n"
           "# HELP e_total none yet\n"
           "# TYPE e_total counter\n");
}

TEST_CASE("the process families describe this process")
{
  bool rss = false;
  bool fds = false;
  for (const auto& family : infra::metrics::process_families()) {
    REQUIRE(family.samples.size() == 1);
    const auto value = family.samples[0].second;
    if (family.name == "process_resident_memory_bytes") {
      rss = value > 1024 * 1024;
    }
    if (family.name == "process_open_fds") {
      fds = value >= 3;
    }
    if (family.name == "process_cpu_seconds_total") {
      CHECK(family.counter);
    }
  }
  CHECK(rss);
  CHECK(fds);
}

TEST_SUITE_END();
