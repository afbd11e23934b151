#pragma once

#include "core/application/metrics.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace prometheus {
class Counter;
class Histogram;
class Registry;
template<typename T> class Family;
} // namespace prometheus

namespace ryax::infra::metrics {

// A family of values read when scraped (deployments, queues, the process):
// not kept between scrapes.
struct SampledFamily
{
  std::string name;
  std::string help;
  bool counter = false; // else a gauge
  std::vector<std::pair<std::map<std::string, std::string>, double>> samples;
};

// The daemon's metrics (prometheus-cpp's registry, Debian's
// prometheus-cpp-dev): the counters and histograms the application records
// through app::metrics, and the text exposition of them with the sampled
// families of a scrape (write_text). Thread-safe.
//
// Families (labels):
//   ryax_runs_total (project_id, workflow, state): runs reaching a state,
//     "pending" when accepted
//   ryax_steps_total (project_id, workflow, action, state): executions
//     ended with a result ("done", "error") or lost with their site
//   ryax_step_duration_seconds, ryax_step_queue_wait_seconds (workflow,
//     action): histograms
//   ryax_builds_total (state), ryax_build_duration_seconds
//   ryax_grpc_calls_total (method, code), ryax_grpc_call_duration_seconds
//     (method)
//   ryax_sqlite_commit_duration_seconds, ryax_sqlite_commit_writes_total
//   ryax_user_api_requests_duration_seconds (ryax_user_api_http_path,
//     ryax_user_api_http_method, ryax_project), as Ryax's, and
//   ryax_user_api_requests_total (the same and code)
class PrometheusRecorder final : public app::metrics::Recorder
{
public:
  PrometheusRecorder();
  ~PrometheusRecorder() override;
  PrometheusRecorder(const PrometheusRecorder&) = delete;
  PrometheusRecorder& operator=(const PrometheusRecorder&) = delete;

  void run_state(std::string_view project,
                 std::string_view workflow,
                 domain::RunState state) override;
  void step_ended(const app::metrics::StepSample& sample) override;
  void build_ended(std::string_view state, double seconds) override;
  void call_ended(std::string_view method,
                  std::string_view code,
                  double seconds) override;
  void commit_ended(double seconds, int writes) override;
  void http_request(std::string_view route,
                    std::string_view method,
                    std::string_view project,
                    int status,
                    double seconds) override;

  // The text exposition format (version 0.0.4) of every family recorded,
  // then of `sampled`.
  std::string expose(const std::vector<SampledFamily>& sampled);

private:
  using Names = std::initializer_list<std::string_view>;
  using Values = std::initializer_list<std::string_view>;

  // The series of `family` with labels `names` = `values`, made on first
  // use and kept (a family's Add allocates: the hot path looks up a map
  // instead).
  prometheus::Counter& counter(prometheus::Family<prometheus::Counter>& family,
                               Names names,
                               Values values);
  prometheus::Histogram& histogram(
    prometheus::Family<prometheus::Histogram>& family,
    const std::vector<double>& buckets,
    Names names,
    Values values);

  std::shared_ptr<prometheus::Registry> m_registry;
  prometheus::Family<prometheus::Counter>& m_runs;
  prometheus::Family<prometheus::Counter>& m_steps;
  prometheus::Family<prometheus::Histogram>& m_step_duration;
  prometheus::Family<prometheus::Histogram>& m_step_wait;
  prometheus::Family<prometheus::Counter>& m_builds;
  prometheus::Family<prometheus::Histogram>& m_build_duration;
  prometheus::Family<prometheus::Counter>& m_calls;
  prometheus::Family<prometheus::Histogram>& m_call_duration;
  prometheus::Family<prometheus::Histogram>& m_commit_duration;
  prometheus::Family<prometheus::Counter>& m_commit_writes;
  prometheus::Family<prometheus::Histogram>& m_user_api;
  prometheus::Family<prometheus::Counter>& m_user_api_codes;

  std::atomic<std::size_t> m_last_size{ 0 }; // of the last exposition
  std::mutex m_mutex; // the caches
  std::unordered_map<std::string, prometheus::Counter*> m_counters;
  std::unordered_map<std::string, prometheus::Histogram*> m_histograms;
};

} // namespace ryax::infra::metrics
