#include "core/infrastructure/wrapper/frame_socket.hpp"

#include "ryax/v1/wrapper.pb.h"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

using namespace ryax;
using namespace ryax::infra::wrapper;
using namespace std::chrono_literals;

namespace {

// Both ends of a connected UNIX stream socket pair.
struct Pair
{
  std::unique_ptr<FrameSocket> a;
  std::unique_ptr<FrameSocket> b;

  Pair()
  {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    a = std::make_unique<FrameSocket>(fds[0]);
    b = std::make_unique<FrameSocket>(fds[1]);
  }

  void raw_to_b(const std::string& bytes)
  {
    REQUIRE(::send(a->fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
};

std::optional<std::chrono::steady_clock::time_point>
soon()
{
  return std::chrono::steady_clock::now() + 5s;
}

v1::WrapperRequest
execute_request(std::uint64_t id, const std::string& inputs)
{
  v1::WrapperRequest request;
  request.set_request_id(id);
  request.mutable_execute()->set_execution_id("e" + std::to_string(id));
  request.mutable_execute()->set_inputs_json(inputs);
  return request;
}

} // namespace

TEST_SUITE_BEGIN("infra::wrapper::FrameSocket");

TEST_CASE("messages sent one after another arrive whole and in order")
{
  Pair pair;
  const std::string big(300 * 1024, 'x'); // more than the socket buffer
  std::thread sender([&] {
    CHECK(pair.a->send(execute_request(1, "{}")));
    CHECK(pair.a->send(execute_request(2, big)));
    CHECK(pair.a->send(execute_request(3, "{\"x\":1}")));
  });
  v1::WrapperRequest received;
  REQUIRE(pair.b->receive(received, std::nullopt));
  CHECK(received.request_id() == 1);
  REQUIRE(pair.b->receive(received, soon()));
  CHECK(received.request_id() == 2);
  CHECK(received.execute().inputs_json() == big);
  REQUIRE(pair.b->receive(received, soon()));
  CHECK(received.execute().inputs_json() == "{\"x\":1}");
  sender.join();
}

TEST_CASE("a frame announcing more than the limit is refused before its bytes are awaited")
{
  Pair pair;
  pair.raw_to_b(std::string("\x04\x00\x00\x01", 4)); // 64 MiB + 1
  v1::WrapperRequest received;
  const auto result = pair.b->receive(received, soon());
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::invalid_argument);
  CHECK(result.error().message == "frame of 67108865 bytes exceeds the limit of 67108864 bytes");
}

TEST_CASE("a frame that does not parse is invalid_argument naming the message type")
{
  Pair pair;
  pair.raw_to_b(encode_frame("\xff\xff\xff\xff\xff"));
  v1::WrapperRequest received;
  const auto result = pair.b->receive(received, soon());
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::invalid_argument);
  CHECK(result.error().message == "a frame of 5 bytes is not a ryax.v1.WrapperRequest");
}

TEST_CASE("the end of the stream is unavailable, and says when it cut a frame")
{
  v1::WrapperRequest received;
  {
    Pair pair;
    ::shutdown(pair.a->fd(), SHUT_WR);
    const auto result = pair.b->receive(received, std::nullopt);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::unavailable);
    CHECK(result.error().message == "the connection was closed");
  }
  {
    Pair pair;
    pair.raw_to_b(std::string("\x00\x00\x00\x10half", 8));
    ::shutdown(pair.a->fd(), SHUT_WR);
    const auto result = pair.b->receive(received, soon());
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::unavailable);
    CHECK(result.error().message == "the connection ended in the middle of a frame");
  }
}

TEST_CASE("a receive past its deadline is deadline_exceeded and keeps a partial frame")
{
  Pair pair;
  const auto frame = encode_frame(execute_request(9, "{}").SerializeAsString());
  pair.raw_to_b(frame.substr(0, 5));
  v1::WrapperRequest received;
  const auto late = pair.b->receive(received, std::chrono::steady_clock::now() + 20ms);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == ErrorCode::deadline_exceeded);
  pair.raw_to_b(frame.substr(5));
  REQUIRE(pair.b->receive(received, soon()));
  CHECK(received.request_id() == 9);
}

TEST_CASE("without waiting, next() takes only what read_available() found")
{
  Pair pair;
  v1::WrapperRequest received;
  REQUIRE(pair.b->read_available()); // nothing there: not an error
  auto next = pair.b->next(received);
  REQUIRE(next);
  CHECK_FALSE(*next);
  REQUIRE(pair.a->send(execute_request(4, "{}")));
  REQUIRE(pair.b->read_available());
  next = pair.b->next(received);
  REQUIRE(next);
  CHECK(*next);
  CHECK(received.request_id() == 4);
  ::shutdown(pair.a->fd(), SHUT_WR);
  CHECK(pair.b->read_available().error().code == ErrorCode::unavailable);
}

TEST_CASE("queued messages leave with the next send or flush, in order")
{
  Pair pair;
  REQUIRE(pair.a->queue(execute_request(1, "{}")));
  REQUIRE(pair.a->queue(execute_request(2, "{}")));
  v1::WrapperRequest received;
  const auto nothing_yet = pair.b->receive(received, std::chrono::steady_clock::now() + 10ms);
  CHECK(nothing_yet.error().code == ErrorCode::deadline_exceeded);
  REQUIRE(pair.a->send(execute_request(3, "{}")));
  for (std::uint64_t id = 1; id <= 3; ++id) {
    REQUIRE(pair.b->receive(received, soon()));
    CHECK(received.request_id() == id);
  }
  REQUIRE(pair.a->queue(execute_request(4, "{}")));
  REQUIRE(pair.a->flush());
  REQUIRE(pair.b->receive(received, soon()));
  CHECK(received.request_id() == 4);
  // Past k_flush_bytes, queue() writes by itself.
  REQUIRE(pair.a->queue(execute_request(5, std::string(FrameSocket::k_flush_bytes, 'x'))));
  REQUIRE(pair.b->receive(received, soon()));
  CHECK(received.request_id() == 5);
}

TEST_CASE("a message over the limit is not sent")
{
  Pair pair;
  const auto request = execute_request(1, std::string(k_max_frame_bytes, 'x'));
  const auto sent = pair.a->send(request);
  REQUIRE_FALSE(sent);
  CHECK(sent.error().code == ErrorCode::invalid_argument);
  CHECK(sent.error().message.find("exceeds the frame limit") != std::string::npos);
  // Nothing reached the peer: the stream is still usable.
  REQUIRE(pair.a->send(execute_request(2, "{}")));
  v1::WrapperRequest received;
  REQUIRE(pair.b->receive(received, soon()));
  CHECK(received.request_id() == 2);
}

TEST_CASE("a write the peer does not take is given up after the send timeout")
{
  Pair pair;
  pair.a->set_send_timeout(50ms);
  const auto request = execute_request(1, std::string(1024 * 1024, 'x'));
  Result<void> sent;
  for (int i = 0; i < 64 && sent; ++i) {
    sent = pair.a->send(request); // nobody reads b
  }
  REQUIRE_FALSE(sent);
  CHECK(sent.error().code == ErrorCode::unavailable);
}

TEST_SUITE_END();
