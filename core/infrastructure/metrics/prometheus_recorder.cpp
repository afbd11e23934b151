#include "core/infrastructure/metrics/prometheus_recorder.hpp"

#include "core/infrastructure/metrics/text_format.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ryax::infra::metrics {

namespace {

// Seconds, from a millisecond to an hour.
const std::vector<double> k_step_buckets = {
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
  2.5,   5,     10,   30,    60,   120, 300,  900, 3600,
};
const std::vector<double> k_call_buckets = {
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
  0.1,    0.25,  0.5,    1,     2.5,  5,     10,
};
const std::vector<double> k_commit_buckets = {
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
  0.025,  0.05,    0.1,    0.25,  0.5,    1,
};
const std::vector<double> k_build_buckets = {
  1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600,
};

std::string
key_of(const void* family, std::initializer_list<std::string_view> values)
{
  std::string key(reinterpret_cast<const char*>(&family), sizeof(family));
  for (const auto value : values) {
    key += '\x1f';
    key += value;
  }
  return key;
}

prometheus::Labels
labels_of(std::initializer_list<std::string_view> names,
          std::initializer_list<std::string_view> values)
{
  prometheus::Labels labels;
  auto value = values.begin();
  for (const auto name : names) {
    labels.emplace(std::string(name),
                   value != values.end() ? std::string(*value++) : "");
  }
  return labels;
}

prometheus::MetricFamily
family_of(const SampledFamily& sampled)
{
  prometheus::MetricFamily family;
  family.name = sampled.name;
  family.help = sampled.help;
  family.type = sampled.counter ? prometheus::MetricType::Counter
                                : prometheus::MetricType::Gauge;
  for (const auto& [labels, value] : sampled.samples) {
    prometheus::ClientMetric metric;
    for (const auto& [name, label] : labels) {
      metric.label.push_back({ name, label });
    }
    if (sampled.counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(std::move(metric));
  }
  return family;
}

} // namespace

PrometheusRecorder::PrometheusRecorder()
  : m_registry(std::make_shared<prometheus::Registry>()),
    m_runs(prometheus::BuildCounter()
             .Name("ryax_runs_total")
             .Help("Runs that reached a state (pending: accepted)")
             .Register(*m_registry)),
    m_steps(prometheus::BuildCounter()
              .Name("ryax_steps_total")
              .Help("Step executions that ended (done, error) or were lost "
                    "with their site")
              .Register(*m_registry)),
    m_step_duration(prometheus::BuildHistogram()
                      .Name("ryax_step_duration_seconds")
                      .Help("Step executions, from start to end")
                      .Register(*m_registry)),
    m_step_wait(prometheus::BuildHistogram()
                  .Name("ryax_step_queue_wait_seconds")
                  .Help("Step executions, from ready to started")
                  .Register(*m_registry)),
    m_builds(prometheus::BuildCounter()
               .Name("ryax_builds_total")
               .Help("Action builds that ended, by state")
               .Register(*m_registry)),
    m_build_duration(prometheus::BuildHistogram()
                       .Name("ryax_build_duration_seconds")
                       .Help("Action builds, from start to end")
                       .Register(*m_registry)),
    m_calls(prometheus::BuildCounter()
              .Name("ryax_grpc_calls_total")
              .Help("gRPC calls served, by method and status code")
              .Register(*m_registry)),
    m_call_duration(prometheus::BuildHistogram()
                      .Name("ryax_grpc_call_duration_seconds")
                      .Help("gRPC calls served, by method")
                      .Register(*m_registry)),
    m_commit_duration(prometheus::BuildHistogram()
                        .Name("ryax_sqlite_commit_duration_seconds")
                        .Help("Run history commits to SQLite")
                        .Register(*m_registry)),
    m_commit_writes(prometheus::BuildCounter()
                      .Name("ryax_sqlite_commit_runs_total")
                      .Help("Run changes written by those commits")
                      .Register(*m_registry)),
    m_user_api(prometheus::BuildHistogram()
                 .Name("ryax_user_api_requests_duration_seconds")
                 .Help("Requests to the projects' HTTP APIs")
                 .Register(*m_registry)),
    m_user_api_codes(prometheus::BuildCounter()
                       .Name("ryax_user_api_requests_total")
                       .Help("Requests to the projects' HTTP APIs, by status")
                       .Register(*m_registry))
{
}

PrometheusRecorder::~PrometheusRecorder() = default;

prometheus::Counter&
PrometheusRecorder::counter(prometheus::Family<prometheus::Counter>& family,
                            Names names,
                            Values values)
{
  auto key = key_of(&family, values);
  std::lock_guard lock(m_mutex);
  auto& slot = m_counters[std::move(key)];
  if (slot == nullptr) {
    slot = &family.Add(labels_of(names, values));
  }
  return *slot;
}

prometheus::Histogram&
PrometheusRecorder::histogram(prometheus::Family<prometheus::Histogram>& family,
                              const std::vector<double>& buckets,
                              Names names,
                              Values values)
{
  auto key = key_of(&family, values);
  std::lock_guard lock(m_mutex);
  auto& slot = m_histograms[std::move(key)];
  if (slot == nullptr) {
    slot = &family.Add(labels_of(names, values), buckets);
  }
  return *slot;
}

void
PrometheusRecorder::run_state(std::string_view project,
                              std::string_view workflow,
                              domain::RunState state)
{
  counter(m_runs,
          { "project_id", "workflow", "state" },
          { project, workflow, domain::to_string(state) })
    .Increment();
}

void
PrometheusRecorder::step_ended(const app::metrics::StepSample& sample)
{
  counter(m_steps,
          { "project_id", "workflow", "action", "state" },
          { sample.project, sample.workflow, sample.action, sample.state })
    .Increment();
  if (sample.run_seconds >= 0) {
    histogram(m_step_duration,
              k_step_buckets,
              { "project_id", "workflow", "action" },
              { sample.project, sample.workflow, sample.action })
      .Observe(sample.run_seconds);
  }
  if (sample.queue_seconds >= 0) {
    histogram(m_step_wait,
              k_step_buckets,
              { "project_id", "workflow", "action" },
              { sample.project, sample.workflow, sample.action })
      .Observe(sample.queue_seconds);
  }
}

void
PrometheusRecorder::build_ended(std::string_view state, double seconds)
{
  counter(m_builds, { "state" }, { state }).Increment();
  histogram(m_build_duration, k_build_buckets, {}, {}).Observe(seconds);
}

void
PrometheusRecorder::call_ended(std::string_view method,
                               std::string_view code,
                               double seconds)
{
  counter(m_calls, { "method", "code" }, { method, code }).Increment();
  histogram(m_call_duration, k_call_buckets, { "method" }, { method })
    .Observe(seconds);
}

void
PrometheusRecorder::commit_ended(double seconds, int writes)
{
  histogram(m_commit_duration, k_commit_buckets, {}, {}).Observe(seconds);
  counter(m_commit_writes, {}, {}).Increment(writes);
}

void
PrometheusRecorder::http_request(std::string_view route,
                                 std::string_view method,
                                 std::string_view project,
                                 int status,
                                 double seconds)
{
  const auto code = std::to_string(status);
  counter(m_user_api_codes,
          { "ryax_user_api_http_path",
            "ryax_user_api_http_method",
            "ryax_project",
            "code" },
          { route, method, project, code })
    .Increment();
  histogram(m_user_api,
            k_call_buckets,
            { "ryax_user_api_http_path",
              "ryax_user_api_http_method",
              "ryax_project" },
            { route, method, project })
    .Observe(seconds);
}

std::string
PrometheusRecorder::expose(const std::vector<SampledFamily>& sampled)
{
  auto families = m_registry->Collect();
  for (const auto& family : sampled) {
    families.push_back(family_of(family));
  }
  std::string text;
  text.reserve(m_last_size.load(std::memory_order_relaxed) + 4096);
  write_text(text, families);
  m_last_size.store(text.size(), std::memory_order_relaxed);
  return text;
}

} // namespace ryax::infra::metrics
