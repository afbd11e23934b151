// S3Client's retries, against a scripted local HTTP server: which answers
// are tried again, how many times, and what the error says at the end.

#include "core/infrastructure/s3/s3_client.hpp"

#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using ryax::ErrorCode;
using ryax::infra::s3::S3Client;

namespace {

// Answers the connections it gets with `replies`, one each in order (the
// last one again when they run out), and counts the requests.
class ScriptedServer
{
public:
  explicit ScriptedServer(std::vector<std::string> replies)
    : m_replies(std::move(replies))
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), size) == 0);
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    REQUIRE(::listen(m_fd, 8) == 0);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~ScriptedServer()
  {
    ::shutdown(m_fd, SHUT_RDWR); // ends the accept() of serve()
    m_thread.join();
    ::close(m_fd);
  }

  std::string endpoint() const
  {
    return "http://127.0.0.1:" + std::to_string(m_port);
  }
  int requests() const { return m_requests; }

private:
  void serve()
  {
    for (;;) {
      const int client = ::accept(m_fd, nullptr, nullptr);
      if (client < 0) {
        return;
      }
      std::string head;
      char buffer[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const auto got = ::read(client, buffer, sizeof buffer);
        if (got <= 0) {
          break;
        }
        head.append(buffer, static_cast<std::size_t>(got));
      }
      const auto n = static_cast<std::size_t>(m_requests++);
      const auto& reply = m_replies[std::min(n, m_replies.size() - 1)];
      (void)!::write(client, reply.data(), reply.size());
      ::shutdown(client, SHUT_WR);
      while (::read(client, buffer, sizeof buffer) > 0) {
      }
      ::close(client);
    }
  }

  std::vector<std::string> m_replies;
  int m_fd = -1;
  int m_port = 0;
  std::atomic<int> m_requests{ 0 };
  std::thread m_thread;
};

std::string
reply(int status, const std::string& reason, const std::string& body = {})
{
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

std::string
s3_error(const std::string& code, const std::string& message)
{
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
         "</Code><Message>" + message + "</Message></Error>";
}

ryax::infra::s3::S3Settings
settings_for(const ScriptedServer& server)
{
  ryax::infra::s3::S3Settings settings;
  settings.endpoint = server.endpoint();
  settings.bucket = "bucket";
  settings.access_key = "AK";
  settings.secret_key.value = "the-secret";
  settings.first_backoff = std::chrono::milliseconds(1);
  return settings;
}

} // namespace

TEST_SUITE_BEGIN("infra::s3::S3Client retries");

TEST_CASE("a 503 and a 429 are tried again, and the request then succeeds")
{
  ScriptedServer server({ reply(503, "Service Unavailable",
                                s3_error("SlowDown", "Reduce your rate")),
                          reply(429, "Too Many Requests"),
                          reply(204, "No Content") });
  S3Client client(settings_for(server));
  CHECK(client.remove("k"));
  CHECK(server.requests() == 3);
}

TEST_CASE("a 5xx on every attempt stops after max_attempts, unavailable, "
          "with the S3 code")
{
  ScriptedServer server({ reply(500, "Internal Server Error",
                                s3_error("InternalError", "We hit a bug")) });
  auto settings = settings_for(server);
  settings.max_attempts = 4;
  S3Client client(settings);
  const auto removed = client.remove("runs/k");
  REQUIRE_FALSE(removed);
  CHECK(server.requests() == 4);
  CHECK(removed.error().code == ErrorCode::unavailable);
  CHECK(removed.error().message ==
        "s3: DELETE \"runs/k\" in bucket \"bucket\": HTTP 500 InternalError "
        "(We hit a bug)");
}

TEST_CASE("a 403 is not tried again: permission_denied, without the secret")
{
  ScriptedServer server({ reply(403, "Forbidden",
                                s3_error("SignatureDoesNotMatch",
                                         "The request signature we "
                                         "calculated does not match")) });
  S3Client client(settings_for(server));
  ryax::test::TempDir tmp;
  ryax::test::write_file(tmp / "in", "x");
  const auto put = client.put_file("k", tmp / "in");
  REQUIRE_FALSE(put);
  CHECK(server.requests() == 1);
  CHECK(put.error().code == ErrorCode::permission_denied);
  CHECK(put.error().message.starts_with(
    "s3: PUT \"k\" in bucket \"bucket\": HTTP 403 SignatureDoesNotMatch"));
  CHECK(put.error().message.find("the-secret") == std::string::npos);
}

TEST_SUITE_END();
