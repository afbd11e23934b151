#include "core/infrastructure/wrapper/wrapper_channel.hpp"

#include "core/infrastructure/wrapper/wrapper_protocol.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

using namespace ryax;
using namespace ryax::infra::wrapper;
using namespace std::chrono_literals;

namespace {

// A channel and, on the other end, a hand-driven fake wrapper.
struct ChannelPair
{
  std::unique_ptr<WrapperChannel> channel;
  std::unique_ptr<FrameSocket> wrapper;

  ChannelPair()
  {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    channel = std::make_unique<WrapperChannel>(fds[0]);
    wrapper = std::make_unique<FrameSocket>(fds[1]);
  }

  v1::WrapperRequest wrapper_receives()
  {
    v1::WrapperRequest request;
    REQUIRE(wrapper->receive(request, std::chrono::steady_clock::now() + 5s));
    return request;
  }

  void wrapper_sends(const v1::WrapperEvent& event) { REQUIRE(wrapper->send(event)); }
};

v1::WrapperEvent
log_event(std::uint64_t id, const std::string& line)
{
  v1::WrapperEvent event;
  event.set_request_id(id);
  event.mutable_execute()->mutable_log()->set_line(line);
  return event;
}

v1::WrapperEvent
cancelled_event(std::uint64_t id)
{
  v1::WrapperEvent event;
  event.set_request_id(id);
  event.mutable_cancelled();
  return event;
}

v1::WrapperRequest
health_request()
{
  v1::WrapperRequest request;
  request.mutable_health();
  return request;
}

} // namespace

TEST_SUITE_BEGIN("infra::wrapper::WrapperChannel");

TEST_CASE("requests get increasing ids and their events in order")
{
  ChannelPair pair;
  auto request = health_request();
  const auto first = pair.channel->send(request);
  const auto second = pair.channel->send(request);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*second > *first);
  CHECK(pair.wrapper_receives().request_id() == *first);
  CHECK(pair.wrapper_receives().request_id() == *second);
  // Answers out of order: each waiter gets its own.
  pair.wrapper_sends(log_event(*second, "to second"));
  pair.wrapper_sends(log_event(*first, "to first 1"));
  pair.wrapper_sends(log_event(*first, "to first 2"));
  auto event = pair.channel->next(*first, std::nullopt);
  REQUIRE(event);
  CHECK(event->execute().log().line() == "to first 1");
  event = pair.channel->next(*first, std::nullopt);
  REQUIRE(event);
  CHECK(event->execute().log().line() == "to first 2");
  event = pair.channel->next(*second, std::nullopt);
  REQUIRE(event);
  CHECK(event->execute().log().line() == "to second");
}

TEST_CASE("a thread waiting for its answer gets it from the thread that reads a stream")
{
  ChannelPair pair;
  auto execute = health_request();
  const auto stream = pair.channel->send(execute);
  REQUIRE(stream);
  pair.wrapper_receives();
  std::atomic<bool> cancel_answered{false};
  std::thread reader([&] {
    // Reads until its final event; parks the cancel's answer on the way.
    for (int i = 0; i < 3; ++i) {
      auto event = pair.channel->next(*stream, std::nullopt);
      REQUIRE(event);
    }
  });
  // Let the reader block in the socket first.
  pair.wrapper_sends(log_event(*stream, "one"));
  auto cancel = health_request();
  const auto cancel_id = pair.channel->send(cancel);
  REQUIRE(cancel_id);
  pair.wrapper_receives();
  std::thread canceller([&] {
    auto answer = pair.channel->next(*cancel_id, std::chrono::steady_clock::now() + 5s);
    REQUIRE(answer);
    CHECK(answer->has_cancelled());
    cancel_answered = true;
  });
  pair.wrapper_sends(cancelled_event(*cancel_id));
  pair.wrapper_sends(log_event(*stream, "two"));
  pair.wrapper_sends(log_event(*stream, "final"));
  canceller.join();
  reader.join();
  CHECK(cancel_answered);
}

TEST_CASE("a waiter past its deadline gets deadline_exceeded, the channel stays usable")
{
  ChannelPair pair;
  auto request = health_request();
  const auto id = pair.channel->send(request);
  REQUIRE(id);
  const auto late = pair.channel->next(*id, std::chrono::steady_clock::now() + 20ms);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == ErrorCode::deadline_exceeded);
  pair.wrapper_sends(cancelled_event(*id));
  CHECK(pair.channel->next(*id, std::nullopt)->has_cancelled());
}

TEST_CASE("events of a finished request are dropped")
{
  ChannelPair pair;
  auto request = health_request();
  const auto gone = pair.channel->send(request);
  const auto kept = pair.channel->send(request);
  pair.channel->finish(*gone);
  pair.wrapper_sends(cancelled_event(*gone));
  pair.wrapper_sends(log_event(*kept, "kept"));
  const auto event = pair.channel->next(*kept, std::nullopt);
  REQUIRE(event);
  CHECK(event->execute().log().line() == "kept");
}

TEST_CASE("the wrapper closing the connection breaks the channel for every waiter and later call")
{
  ChannelPair pair;
  auto request = health_request();
  const auto id = pair.channel->send(request);
  REQUIRE(id);
  std::thread waiter([&] {
    const auto event = pair.channel->next(*id, std::nullopt);
    REQUIRE_FALSE(event);
    CHECK(event.error().code == ErrorCode::unavailable);
  });
  pair.wrapper.reset();
  waiter.join();
  CHECK(pair.channel->send(request).error().code == ErrorCode::unavailable);
}

TEST_CASE("a failure answering no request breaks the channel with the wrapper's message")
{
  ChannelPair pair;
  auto request = health_request();
  const auto id = pair.channel->send(request);
  pair.wrapper_sends(failure_event(0, {ErrorCode::unavailable, "too many connections (at most 64)"}));
  const auto event = pair.channel->next(*id, std::nullopt);
  REQUIRE_FALSE(event);
  CHECK(event.error().code == ErrorCode::unavailable);
  CHECK(event.error().message == "ryax-wrapper refused the connection: too many connections (at most 64)");
}

TEST_CASE("connecting waits for the socket to appear, and gives up when asked")
{
  test::TempDir dir;
  const auto path = dir / "w.sock";
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::thread late_server([&] {
    std::this_thread::sleep_for(50ms); // the wrapper is still starting
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    const int client = ::accept(fd, nullptr, nullptr);
    ::close(client);
    ::close(fd);
  });
  const auto channel = WrapperChannel::connect_unix(path, deadline, [] { return false; });
  late_server.join();
  CHECK(channel);

  const auto nobody = WrapperChannel::connect_unix(dir / "none.sock", deadline, [] { return true; });
  REQUIRE_FALSE(nobody);
  CHECK(nobody.error().code == ErrorCode::unavailable);
  const auto too_long = WrapperChannel::connect_unix(std::string(200, 'x'), deadline, [] { return true; });
  CHECK(too_long.error().code == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
