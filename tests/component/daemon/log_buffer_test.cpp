// A worker's log lines kept while its link is down.

#include "daemon/agent/log_buffer.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

using ryax::daemon::agent::LogBuffer;

namespace {

ryax::v1::AgentLog
line(const std::string& execution, const std::string& text)
{
  ryax::v1::AgentLog log;
  log.set_execution_id(execution);
  log.set_line(text);
  log.set_timestamp_unix_ns(42);
  return log;
}

} // namespace

TEST_SUITE_BEGIN("daemon: agent log buffer");

TEST_CASE("kept lines come back in order per execution, once, and survive a "
          "restart of the worker")
{
  ryax::test::TempDir tmp;
  {
    LogBuffer buffer(tmp / "logs", 1 << 20);
    buffer.add(line("run-1.a..1", "one"));
    buffer.add(line("run-1.a..1", "two"));
    buffer.add(line("run-1.b..1", "other"));
  }
  LogBuffer buffer(tmp / "logs", 1 << 20); // the worker started again
  std::vector<std::string> sent;
  CHECK(buffer.flush([&](const ryax::v1::AgentLog& l) {
          sent.push_back(l.execution_id() + ":" + l.line());
          CHECK(l.timestamp_unix_ns() == 42);
          return true;
        })
        == 3);
  const auto one = std::find(sent.begin(), sent.end(), "run-1.a..1:one");
  const auto two = std::find(sent.begin(), sent.end(), "run-1.a..1:two");
  REQUIRE(one != sent.end());
  REQUIRE(two != sent.end());
  CHECK(one < two);
  CHECK(std::find(sent.begin(), sent.end(), "run-1.b..1:other") != sent.end());
  CHECK(buffer.flush([](const ryax::v1::AgentLog&) { return true; }) == 0);
}

TEST_CASE("a link that fails during the flush keeps what was not sent, and a "
          "full buffer drops and counts")
{
  ryax::test::TempDir tmp;
  LogBuffer buffer(tmp / "logs", 1 << 20);
  buffer.add(line("run-2.a..1", "x"));
  CHECK(buffer.flush([](const ryax::v1::AgentLog&) { return false; }) == 0);
  CHECK(buffer.flush([](const ryax::v1::AgentLog&) { return true; }) == 1);

  LogBuffer small(tmp / "small", 64);
  small.add(line("run-3.a..1", std::string(20, 'a')));
  small.add(line("run-3.a..1", std::string(40, 'b')));
  CHECK(small.dropped() == 1);
  CHECK(small.flush([](const ryax::v1::AgentLog&) { return true; }) == 1);
}

TEST_SUITE_END();
