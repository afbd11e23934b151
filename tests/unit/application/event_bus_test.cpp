// app::EventBus: numbering, paging, the capacity and waiting.

#include "core/application/event_bus.hpp"
#include "tests/support/fake_runner_ports.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace ryax;

TEST_SUITE_BEGIN("app::EventBus");

TEST_CASE("events are numbered from 1 in order and paged after a number")
{
  test::ManualClock clock;
  app::EventBus bus(clock);
  CHECK(bus.last() == 0);
  CHECK(bus.after(0, 10).empty());
  for (int i = 0; i < 5; ++i) {
    bus.publish("run.started", "p", "run-" + std::to_string(i), "m",
                { { "i", std::to_string(i) } });
    clock.advance_ms(10);
  }
  CHECK(bus.last() == 5);
  const auto first = bus.after(0, 2);
  REQUIRE(first.size() == 2);
  CHECK(first[0].sequence == 1);
  CHECK(first[0].subject == "run-0");
  CHECK(first[1].time_ms == first[0].time_ms + 10);
  const auto rest = bus.after(2, 100);
  REQUIRE(rest.size() == 3);
  CHECK(rest.front().sequence == 3);
  CHECK(rest.back().fields.at("i") == "4");
  CHECK(bus.after(5, 10).empty());
  CHECK(bus.after(99, 10).empty());
}

TEST_CASE("only the newest events up to the capacity are kept")
{
  test::ManualClock clock;
  app::EventBus bus(clock, 3);
  for (int i = 0; i < 10; ++i) {
    bus.publish("build.finished", "", std::to_string(i), "");
  }
  const auto kept = bus.after(0, 100);
  REQUIRE(kept.size() == 3);
  CHECK(kept.front().sequence == 8);
  CHECK(kept.back().sequence == 10);
  CHECK(bus.after(8, 100).size() == 2);
}

TEST_CASE("wait returns when an event is published and times out otherwise")
{
  test::ManualClock clock;
  app::EventBus bus(clock);
  CHECK_FALSE(bus.wait(0, std::chrono::steady_clock::now()
                            + std::chrono::milliseconds(20)));
  std::thread publisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    bus.publish("worker.joined", "", "w1", "worker of site w1 connected");
  });
  CHECK(bus.wait(0, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  publisher.join();
  CHECK(bus.after(0, 1).at(0).kind == "worker.joined");
}

TEST_CASE("the process's bus: publish goes to the installed bus, or nowhere")
{
  test::ManualClock clock;
  app::EventBus bus(clock);
  app::events::publish("run.started", "p", "a", "dropped: no bus yet");
  app::events::set_bus(&bus);
  app::events::publish("run.started", "p", "b", "kept");
  app::events::set_bus(nullptr);
  const auto kept = bus.after(0, 10);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].subject == "b");
}

TEST_SUITE_END();
