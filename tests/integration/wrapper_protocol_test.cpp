// The framed protocol of ryax-wrapper (proto/ryax/v1/wrapper.proto), spoken
// by hand on extra connections next to the WrapperClient that started the
// wrapper: cancel and health while an execution runs, bad frames, callers
// that go away.

#include "core/infrastructure/wrapper/frame_codec.hpp"
#include "core/infrastructure/wrapper/frame_socket.hpp"
#include "core/infrastructure/wrapper/wrapper_protocol.hpp"
#include "tests/integration/wrapper_fixture.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <regex>
#include <thread>

using namespace ryax;
using namespace ryax::test;
using app::ExecutionErrorKind;
using infra::wrapper::FrameSocket;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr auto k_answer_timeout = std::chrono::seconds(20);

// A hand-driven connection to a wrapper.
struct RawConnection
{
  std::unique_ptr<FrameSocket> socket;

  // Connect to the UNIX socket `path`.
  explicit RawConnection(const std::string& path)
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    socket = std::make_unique<FrameSocket>(fd);
  }

  // Connect to 127.0.0.1:`port`.
  explicit RawConnection(int port)
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    socket = std::make_unique<FrameSocket>(fd);
  }

  void send(std::uint64_t id, v1::WrapperRequest request)
  {
    request.set_request_id(id);
    REQUIRE(socket->send(request));
  }

  void send_bytes(const std::string& bytes)
  {
    REQUIRE(::send(socket->fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL)
            == static_cast<ssize_t>(bytes.size()));
  }

  v1::WrapperEvent receive()
  {
    v1::WrapperEvent event;
    auto received = socket->receive(event, std::chrono::steady_clock::now() + k_answer_timeout);
    REQUIRE_MESSAGE(received, (received ? std::string() : received.error().message));
    return event;
  }

  // Whether the wrapper closed the connection (EOF within the timeout).
  bool closed_by_wrapper()
  {
    v1::WrapperEvent event;
    auto received = socket->receive(event, std::chrono::steady_clock::now() + k_answer_timeout);
    return !received && received.error().code == ErrorCode::unavailable;
  }
};

v1::WrapperRequest
execute_request(const std::string& execution_id, const json& inputs)
{
  v1::WrapperRequest request;
  request.mutable_execute()->set_execution_id(execution_id);
  request.mutable_execute()->set_inputs_json(inputs.dump());
  return request;
}

v1::WrapperRequest
cancel_request(const std::string& execution_id)
{
  v1::WrapperRequest request;
  request.mutable_cancel()->set_execution_id(execution_id);
  return request;
}

v1::WrapperRequest
health_request()
{
  v1::WrapperRequest request;
  request.mutable_health();
  return request;
}

// Wait until the execution `id` of `w` has its working directory: the
// wrapper read its request and is about to run it.
void
wait_until_started(const Wrapper& w, const std::string& id)
{
  REQUIRE(eventually([&] { return fs::exists(fs::path(w.settings.work_root) / "exec" / id); }));
}

} // namespace

TEST_SUITE_BEGIN("integration: wrapper protocol");

TEST_CASE("a cancel on the connection of a running execution ends it, and the next one runs")
{
  Wrapper w("processor");
  w.require_started();
  RawConnection raw(w.socket_path());
  const auto start = std::chrono::steady_clock::now();
  raw.send(1, execute_request("long", processor_inputs("sleep")));
  wait_until_started(w, "long");
  raw.send(2, cancel_request("long"));
  // The cancel is answered at once, then the execution ends.
  const auto answer = raw.receive();
  CHECK(answer.request_id() == 2);
  CHECK(answer.has_cancelled());
  const auto last = raw.receive();
  CHECK(last.request_id() == 1);
  REQUIRE(last.execute().has_error());
  CHECK(last.execute().error().kind() == "cancelled");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Same connection, next execution.
  raw.send(3, execute_request("next", processor_inputs()));
  const auto next = raw.receive();
  CHECK(next.request_id() == 3);
  REQUIRE(next.execute().has_outputs());
  CHECK(json::parse(next.execute().outputs().outputs_json())[0]["y"] == 42);
}

TEST_CASE("a cancel from another connection ends the execution of the client")
{
  Wrapper w("processor");
  w.require_started();
  std::thread canceller([&] {
    wait_until_started(w, "long");
    RawConnection raw(w.socket_path());
    // Until the execution runs, the id is not found.
    CHECK(eventually([&] {
      raw.send(7, cancel_request("long"));
      const auto answer = raw.receive();
      CHECK(answer.request_id() == 7);
      return answer.has_cancelled();
    }));
  });
  const auto start = std::chrono::steady_clock::now();
  const auto result = w.execute("long", processor_inputs("sleep"));
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::cancelled);
  CHECK(outputs_of(w.execute("next", processor_inputs()))[0]["y"] == 42);
}

TEST_CASE("health is answered during an execution, on its connection and on another")
{
  Wrapper w("processor");
  w.require_started();
  std::thread executor([&] { w.execute("long", processor_inputs("sleep")); });
  wait_until_started(w, "long");
  // The client's own connection, while its execute() waits on another thread.
  const auto start = std::chrono::steady_clock::now();
  const auto mine = w.client->health();
  REQUIRE_MESSAGE(mine, (mine ? std::string() : mine.error().message));
  CHECK(mine->initialized);
  CHECK(mine->runtime_pid == w.client->info().runtime_pid);
  // Another connection.
  RawConnection raw(w.socket_path());
  raw.send(1, health_request());
  const auto other = raw.receive();
  REQUIRE(other.has_health());
  CHECK(other.health().initialized());
  CHECK(other.health().runtime_pid() == w.client->info().runtime_pid);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // An execution on another connection waits for the running one.
  raw.send(2, execute_request("queued", processor_inputs()));
  REQUIRE(w.client->cancel("long"));
  executor.join();
  const auto queued = raw.receive();
  CHECK(queued.request_id() == 2);
  CHECK(queued.execute().has_outputs());
}

TEST_CASE("a request sent while the connection's execution runs is refused")
{
  Wrapper w("processor");
  w.require_started();
  RawConnection raw(w.socket_path());
  raw.send(1, execute_request("long", processor_inputs("sleep")));
  wait_until_started(w, "long");
  raw.send(2, execute_request("second", processor_inputs()));
  const auto refused = raw.receive();
  CHECK(refused.request_id() == 2);
  REQUIRE(refused.has_failure());
  CHECK(infra::wrapper::from_wire(refused.failure().code()) == ErrorCode::failed_precondition);
  CHECK(refused.failure().message().find("request 1 still runs") != std::string::npos);
  raw.send(3, cancel_request("long"));
  CHECK(raw.receive().has_cancelled());
  CHECK(raw.receive().execute().error().kind() == "cancelled");
}

TEST_CASE("a frame over the size limit is refused with its size, and the wrapper goes on serving")
{
  Wrapper w("processor");
  w.require_started();
  RawConnection raw(w.socket_path());
  // Announce 2 GiB; nothing of it is sent or awaited.
  raw.send_bytes(std::string("\x80\x00\x00\x00", 4));
  const auto refused = raw.receive();
  CHECK(refused.request_id() == 0);
  REQUIRE(refused.has_failure());
  CHECK(infra::wrapper::from_wire(refused.failure().code()) == ErrorCode::invalid_argument);
  CHECK(refused.failure().message()
        == "frame of 2147483648 bytes exceeds the limit of "
             + std::to_string(infra::wrapper::k_max_frame_bytes) + " bytes");
  CHECK(raw.closed_by_wrapper());
  CHECK(outputs_of(w.execute("after", processor_inputs()))[0]["y"] == 42);
  CHECK(w.wrapper_log().find("exceeds the limit") != std::string::npos);
}

TEST_CASE("a garbage or truncated frame closes only its connection")
{
  Wrapper w("processor");
  w.require_started();
  {
    RawConnection raw(w.socket_path());
    raw.send_bytes(infra::wrapper::encode_frame("\xff\xff\xff\xff garbage"));
    const auto refused = raw.receive();
    REQUIRE(refused.has_failure());
    CHECK(infra::wrapper::from_wire(refused.failure().code()) == ErrorCode::invalid_argument);
    CHECK(refused.failure().message().find("is not a ryax.v1.WrapperRequest") != std::string::npos);
    CHECK(raw.closed_by_wrapper());
  }
  {
    RawConnection raw(w.socket_path());
    raw.send_bytes(std::string("\x00\x00\x01\x00partial", 11)); // 256 bytes announced
    ::shutdown(raw.socket->fd(), SHUT_WR);
    CHECK(raw.closed_by_wrapper());
  }
  {
    RawConnection raw(w.socket_path());
    raw.send_bytes(infra::wrapper::encode_frame("")); // parses, but holds no request
    const auto refused = raw.receive();
    REQUIRE(refused.has_failure());
    CHECK(infra::wrapper::from_wire(refused.failure().code()) == ErrorCode::invalid_argument);
    raw.send(4, health_request());
    CHECK(raw.receive().has_health()); // that one stays open
  }
  CHECK(outputs_of(w.execute("after", processor_inputs()))[0]["y"] == 42);
}

TEST_CASE("a caller that goes away mid-execution cancels it, the runtime restarts and serves the next")
{
  Wrapper w("processor");
  w.require_started();
  const auto first_pid = w.client->info().runtime_pid;
  const auto start = std::chrono::steady_clock::now();
  {
    RawConnection raw(w.socket_path());
    raw.send(1, execute_request("orphan", processor_inputs("sleep")));
    wait_until_started(w, "orphan");
  } // closed
  // The wrapper's executions run one at a time: this one waits for the
  // orphan's end, which must not take its 10 s.
  const auto next = outputs_of(w.execute("next", processor_inputs("pid")));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(next[0]["y"] != first_pid);
  CHECK(::kill(static_cast<pid_t>(first_pid), 0) != 0); // the old runtime is gone
  const auto health = w.client->health();
  REQUIRE(health);
  CHECK(health->runtime_pid == next[0]["y"].get<std::int64_t>());
}

TEST_CASE("a wrapper that dies mid-execution makes the execution fail with unavailable")
{
  Wrapper w("processor");
  w.require_started();
  std::thread killer([&] {
    wait_until_started(w, "long");
    ::kill(w.client->info().wrapper_pid, SIGKILL);
  });
  auto result = w.client->execute("long", processor_inputs("sleep").dump(), nullptr);
  killer.join();
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::unavailable);
  CHECK(result.error().message.starts_with("execution \"long\": "));
  // The connection stays broken.
  CHECK(w.client->health().error().code == ErrorCode::unavailable);
  CHECK(w.client->cancel("long").error().code == ErrorCode::unavailable);
}

TEST_CASE("SIGTERM during an execution cancels it and stops the wrapper at once")
{
  Wrapper w("processor");
  w.require_started();
  RawConnection raw(w.socket_path());
  raw.send(1, execute_request("long", processor_inputs("sleep")));
  wait_until_started(w, "long");
  const auto pid = w.client->info().wrapper_pid;
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(::kill(pid, SIGTERM) == 0);
  // The execution ends (cancelled) or the connection does, and the process
  // is gone (a zombie of ours until the client reaps it).
  v1::WrapperEvent event;
  const auto received = raw.socket->receive(event, std::chrono::steady_clock::now() + k_answer_timeout);
  if (received) {
    CHECK(event.execute().error().kind() == "cancelled");
  }
  CHECK(eventually([&] {
    const auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto state = stat.find(") ");
    return state == std::string::npos || stat[state + 2] == 'Z';
  }));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(w.wrapper_log().find("ryax-wrapper: stopped") != std::string::npos);
}

TEST_CASE("connections over the limit are refused, the others are served")
{
  Wrapper w("processor");
  w.require_started();
  std::vector<std::unique_ptr<RawConnection>> open;
  // The client holds one connection already.
  for (int i = 1; i < 64; ++i) {
    open.push_back(std::make_unique<RawConnection>(w.socket_path()));
    open.back()->send(1, health_request());
    REQUIRE(open.back()->receive().has_health());
  }
  RawConnection extra(w.socket_path());
  const auto refused = extra.receive();
  REQUIRE(refused.has_failure());
  CHECK(infra::wrapper::from_wire(refused.failure().code()) == ErrorCode::unavailable);
  CHECK(refused.failure().message().find("too many connections") != std::string::npos);
  open.clear();
  CHECK(outputs_of(w.execute("after", processor_inputs()))[0]["y"] == 42);
  // The closed connections are counted out as their threads end.
  CHECK(eventually([&] {
    RawConnection again(w.socket_path());
    v1::WrapperRequest request = health_request();
    v1::WrapperEvent event;
    return again.socket->send(request).has_value()
           && again.socket->receive(event, std::chrono::steady_clock::now() + k_answer_timeout)
           && event.has_health();
  }));
}

TEST_CASE("a wrapper serves loopback TCP with --listen, port 0 picking a free port")
{
  TempDir dir;
  const auto log = dir / "wrapper.log";
  BackgroundProcess wrapper({RYAX_WRAPPER_BIN, "--listen", "127.0.0.1:0"}, {}, log);
  std::smatch match;
  std::string text; // `match` points into it
  const std::regex serving("serving on 127\\.0\\.0\\.1:([0-9]+)");
  REQUIRE(eventually([&] {
    text = read_file(log);
    return std::regex_search(text, match, serving);
  }));
  const int port = std::stoi(match[1].str());
  RawConnection raw(port);
  raw.send(1, health_request());
  const auto health = raw.receive();
  REQUIRE(health.has_health());
  CHECK_FALSE(health.health().initialized());
  raw.send(2, execute_request("e", json::object()));
  const auto refused = raw.receive();
  REQUIRE(refused.has_failure());
  CHECK(infra::wrapper::from_wire(refused.failure().code()) == ErrorCode::failed_precondition);
  CHECK(refused.failure().message() == "the wrapper is not initialised");
  wrapper.signal(SIGTERM);
  CHECK(wrapper.wait(std::chrono::seconds(10)) == 0);
}

TEST_SUITE_END();
