#include "daemon/agent/agent_hub.hpp"
#include "tests/support/fake_runner_ports.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

using ryax::daemon::agent::AgentHub;
using ryax::daemon::agent::FleetEvents;
namespace v1 = ryax::v1;

namespace {

// A hub with one worker site "w" linked, an execution waiting on it, and
// the fleet events it sends recorded against that execution's end.
struct OneWorker
{
  ryax::test::FakeRuntimePool local;
  AgentHub hub{ local, "local", std::chrono::milliseconds(1) };
  std::atomic<bool> sent{ false };
  std::atomic<bool> ended{ false };
  // Whether the execution had ended when the runner heard of the loss.
  std::atomic<int> told_before_end{ 0 };
  std::atomic<int> told_after_end{ 0 };
  bool lost = false;
  std::string error;
  std::thread execution;

  OneWorker()
  {
    // Given time, an execution already let go would end meanwhile.
    auto tell = [this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      (ended ? told_after_end : told_before_end)++;
    };
    hub.set_events(FleetEvents{
      nullptr,
      [tell](const std::string&, bool healthy) {
        if (!healthy) {
          tell();
        }
      },
      [tell](const std::string&) { tell(); } });
    ryax::domain::Site site;
    site.name = "w";
    hub.attach(site,
               [this](const v1::MainMessage& message) {
                 sent = sent || message.has_execute();
                 return true;
               },
               {});
    execution = std::thread([this] {
      auto result =
        hub.execute("w", "e1", {}, {}, [](const ryax::app::LogLine&) {}, lost);
      error = result ? "" : result.error().message;
      ended = true;
    });
    while (!sent) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  ~OneWorker()
  {
    hub.stop();
    if (execution.joinable()) {
      execution.join();
    }
  }
};

} // namespace

TEST_SUITE_BEGIN("daemon::agent_hub");

TEST_CASE("a silent site is unhealthy for the runner before its executions "
          "come back lost, so none is placed there again")
{
  OneWorker w;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  w.hub.check_health();
  w.execution.join();
  CHECK(w.lost);
  CHECK(w.error == "site w was lost during the execution");
  CHECK(w.told_before_end == 1);
  CHECK(w.told_after_end == 0);
  CHECK_FALSE(w.hub.view("w").healthy);
}

TEST_CASE("a removed site is forgotten by the runner before its executions "
          "come back lost")
{
  OneWorker w;
  w.hub.remove("w");
  w.execution.join();
  CHECK(w.lost);
  CHECK(w.told_before_end == 1);
  CHECK(w.told_after_end == 0);
}

TEST_CASE("an execution sent to a site that is not healthy is lost at once")
{
  ryax::test::FakeRuntimePool local;
  AgentHub hub{ local, "local", std::chrono::milliseconds(1) };
  bool lost = false;
  auto result = hub.execute("nowhere", "e1", {}, {}, [](const ryax::app::LogLine&) {}, lost);
  CHECK(lost);
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "site nowhere is not connected");
}

TEST_SUITE_END();
