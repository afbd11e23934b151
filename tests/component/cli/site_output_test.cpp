#include "cli/commands/site_render.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace ryax::cli;
using nlohmann::json;

namespace {

constexpr std::int64_t k_gib = 1024LL * 1024 * 1024;

// The local site with a CPU pool half used and a GPU pool.
ryax::v1::Site
local_site()
{
  ryax::v1::Site site;
  site.set_name("local");
  site.set_kind("local");
  site.set_healthy(true);
  site.set_queued(3);
  auto* cpu = site.add_pools();
  cpu->set_name("default");
  cpu->set_cpu(16);
  cpu->set_memory_bytes(32 * k_gib);
  cpu->set_arch("x86_64");
  cpu->set_cost_score(50);
  cpu->set_energy_score(40);
  cpu->set_performance_score(60);
  cpu->set_filter_no_gpu_action(true);
  cpu->set_cpu_in_use(1.5);
  cpu->set_memory_in_use_bytes(512LL * 1024 * 1024);
  cpu->set_executions(3);
  cpu->set_queued(2);
  auto* gpu = site.add_pools();
  gpu->set_name("gpu");
  gpu->set_cpu(8);
  gpu->set_memory_bytes(16 * k_gib);
  gpu->set_gpu(2);
  gpu->set_time_seconds(3600);
  gpu->set_arch("x86_64");
  gpu->set_filter_no_gpu_action(false);
  gpu->set_gpu_in_use(1);
  gpu->set_cpu_in_use(0.1);
  gpu->set_executions(1);
  gpu->set_queued(1);
  return site;
}

// hello/resize: two replicas, one busy.
ryax::v1::Deployment
busy_deployment()
{
  ryax::v1::Deployment d;
  d.set_id("hello/resize");
  d.set_workflow_id("hello");
  d.set_action_id("resize");
  d.add_steps("small");
  d.add_steps("thumb");
  d.set_action("resize:1.0");
  d.set_state("busy");
  d.set_replicas(2);
  d.set_max_replicas(4);
  d.set_executions(17);
  d.set_idle_ms(0);
  d.set_idle_timeout_seconds(300);
  auto* busy = d.add_replica_list();
  busy->set_id("r12");
  busy->set_busy(true);
  busy->set_executions(10);
  busy->set_pid(4242);
  auto* idle = d.add_replica_list();
  idle->set_id("r13");
  idle->set_executions(7);
  idle->set_idle_ms(42'000);
  idle->set_pid(4243);
  return d;
}

} // namespace

TEST_SUITE_BEGIN("cli::site_render");

TEST_CASE("memory sizes are printed in base 1024 with at most one decimal")
{
  CHECK(format_memory(0) == "0");
  CHECK(format_memory(512) == "512");
  CHECK(format_memory(100 * 1024) == "100K");
  CHECK(format_memory(256LL * 1024 * 1024) == "256M");
  CHECK(format_memory(k_gib * 3 / 2) == "1.5G");
  CHECK(format_memory(static_cast<std::int64_t>(23.4 * k_gib)) == "23.4G");
  CHECK(format_memory(32 * k_gib) == "32G");
  CHECK(format_memory(2 * 1024 * k_gib) == "2T");
  // Rounding never prints "1024.0K".
  CHECK(format_memory(1024 * 1024 - 1) == "1M");
  CHECK(format_memory(-1) == "-");
}

TEST_CASE("cpu counts are printed as typed, without float noise")
{
  CHECK(format_cpu(16) == "16");
  CHECK(format_cpu(0.5) == "0.5");
  CHECK(format_cpu(0.1 + 0.2) == "0.3");
  CHECK(format_cpu(1.25) == "1.25");
  CHECK(format_cpu(0) == "0");
}

TEST_CASE("the site document has the proto fields with their proto names")
{
  const auto doc = site_json(local_site());
  CHECK(doc["name"] == "local");
  CHECK(doc["kind"] == "local");
  CHECK(doc["healthy"] == true);
  CHECK(doc["queued"] == 3);
  REQUIRE(doc["pools"].size() == 2);
  const auto& gpu = doc["pools"][1];
  CHECK(gpu["name"] == "gpu");
  CHECK(gpu["cpu"] == 8.0);
  CHECK(gpu["memory_bytes"] == 16 * k_gib);
  CHECK(gpu["gpu"] == 2);
  CHECK(gpu["time_seconds"] == 3600);
  CHECK(gpu["arch"] == "x86_64");
  CHECK(gpu["cost_score"] == 0);
  CHECK(gpu["energy_score"] == 0);
  CHECK(gpu["performance_score"] == 0);
  CHECK(gpu["filter_no_gpu_action"] == false);
  CHECK(gpu["cpu_in_use"] == 0.1);
  CHECK(gpu["memory_in_use_bytes"] == 0);
  CHECK(gpu["gpu_in_use"] == 1);
  CHECK(gpu["executions"] == 1);
  CHECK(gpu["queued"] == 1);
  CHECK(gpu.size() == 15);
  CHECK(doc.size() == 5);
}

TEST_CASE("site list sums the use and capacity of every pool, one row per "
          "site with its health")
{
  ryax::v1::ListSitesReply reply;
  *reply.add_sites() = local_site();
  auto& worker = *reply.add_sites();
  worker.set_name("worker-a");
  worker.set_kind("local");
  worker.set_healthy(false);
  worker.set_queued(1);
  auto* pool = worker.add_pools();
  pool->set_name("default");
  pool->set_cpu(4);
  pool->set_memory_bytes(8 * k_gib);
  std::ostringstream out;
  output::print_table(out, sites_table(reply), false);
  CHECK(out.str()
        == "SITE      KIND   HEALTH     POOLS  CPU     MEMORY    QUEUED\n"
           "local     local  healthy    2      1.6/24  512M/48G  3\n"
           "worker-a  local  unhealthy  1      0/4     0/8G      1\n");
}

TEST_CASE("site show prints the totals, then one row per pool")
{
  const auto site = local_site();
  std::ostringstream out;
  output::print_fields(out, site_fields(site));
  output::print_table(out, pools_table(site, "  "), false);
  CHECK(out.str() ==
        "site:    local\n"
        "kind:    local\n"
        "health:  healthy\n"
        "pools:   2\n"
        "cpu:     1.6/24\n"
        "memory:  512M/48G\n"
        "gpu:     1/2\n"
        "running: 4\n"
        "queued:  3\n"
        "  POOL     CPU     MEMORY    GPU  TIME   ARCH    SCORES    RUNNING  "
        "QUEUED  GPU FILTER\n"
        "  default  1.5/16  512M/32G  0/0  -      x86_64  50/40/60  3        "
        "2       -\n"
        "  gpu      0.1/8   0/16G     1/2  1h00m  x86_64  0/0/0     1        "
        "1       no\n");
}

TEST_CASE("the deployment document has the proto fields and its replicas")
{
  const auto doc = deployment_json(busy_deployment());
  CHECK(doc["id"] == "hello/resize");
  CHECK(doc["workflow_id"] == "hello");
  CHECK(doc["action_id"] == "resize");
  CHECK(doc["steps"] == nlohmann::json({ "small", "thumb" }));
  CHECK(doc["action"] == "resize:1.0");
  CHECK(doc["state"] == "busy");
  CHECK(doc["replicas"] == 2);
  CHECK(doc["max_replicas"] == 4);
  CHECK(doc["executions"] == 17);
  CHECK(doc["idle_ms"] == 0);
  CHECK(doc["idle_timeout_seconds"] == 300);
  CHECK(doc.size() == 12);
  REQUIRE(doc["replica_list"].size() == 2);
  CHECK(doc["replica_list"][1] == json{ { "id", "r13" },
                                        { "busy", false },
                                        { "executions", 7 },
                                        { "idle_ms", 42'000 },
                                        { "pid", 4243 } });
}

TEST_CASE("deployments list shows live/max replicas and no idle time while "
          "busy")
{
  ryax::v1::ListDeploymentsReply reply;
  *reply.add_deployments() = busy_deployment();
  auto* idle = reply.add_deployments();
  idle->set_id("hello/upper");
  idle->set_action("upper:2");
  idle->set_state("idle");
  idle->set_replicas(1);
  idle->set_max_replicas(1);
  idle->set_executions(1);
  idle->set_idle_ms(95'000);
  idle->set_idle_timeout_seconds(60);
  std::ostringstream out;
  output::print_table(out, deployments_table(reply), false);
  CHECK(out.str() ==
        "DEPLOYMENT    ACTION      REPLICAS  STATE  EXECUTIONS  IDLE   IDLE "
        "TIMEOUT\n"
        "hello/resize  resize:1.0  2/4       busy   17          -      "
        "5m00s\n"
        "hello/upper   upper:2     1/1       idle   1           1m35s  "
        "1m00s\n");
}

TEST_CASE("deployments show prints its fields, then one row per replica")
{
  const auto d = busy_deployment();
  std::ostringstream out;
  output::print_fields(out, deployment_fields(d));
  output::print_table(out, replicas_table(d, "  "), false);
  CHECK(out.str() == "deployment:   hello/resize\n"
                     "workflow:     hello\n"
                     "steps:        small, thumb\n"
                     "action:       resize:1.0\n"
                     "state:        busy\n"
                     "replicas:     2 live (max 4)\n"
                     "executions:   17\n"
                     "idle:         -\n"
                     "idle timeout: 5m00s\n"
                     "  ID   PID   BUSY  EXECUTIONS  IDLE\n"
                     "  r12  4242  yes   10          -\n"
                     "  r13  4243  no    7           42.0s\n");
}

TEST_CASE("a deployment id is WORKFLOW/STEP")
{
  CHECK(check_deployment_id("hello/resize"));
  for (const char* bad : { "hello", "/resize", "hello/", "" }) {
    CAPTURE(bad);
    const auto checked = check_deployment_id(bad);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ryax::ErrorCode::invalid_argument);
    CHECK(checked.error().message.starts_with("deployment \""));
  }
}

TEST_SUITE_END();
