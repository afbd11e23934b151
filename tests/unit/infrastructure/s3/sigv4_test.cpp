// The SigV4 signatures libcurl computes for us (CURLOPT_AWS_SIGV4), checked
// against AWS's published test suite (aws-sig-v4-test-suite: example
// credentials, region us-east-1, service "service", 20150830T123600Z).
// libcurl 7.88 takes a caller-given X-Amz-Date as the signing time, so the
// requests go, signed by libcurl itself, to a local socket that records
// them. Findings that shape S3Client: libcurl signs the query string as
// given (it does not sort it: get-vanilla-query-order-key-case holds only
// for the sorted query, so the client builds sorted queries), signs a
// Content-Type or x-amz-* header the caller sets, and takes
// x-amz-content-sha256 as the payload hash.

#include "core/infrastructure/s3/s3_client.hpp"

#include <curl/curl.h>
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* k_credential =
  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
  "aws4_request, ";

// A server on 127.0.0.1 that records the head of one request and answers
// 200.
class Recorder
{
public:
  Recorder()
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), size) == 0);
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    REQUIRE(::listen(m_fd, 1) == 0);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~Recorder()
  {
    m_thread.join();
    ::close(m_fd);
  }
  int port() const { return m_port; }
  // The request head; valid once the client is done.
  const std::string& head() const { return m_head; }

  // The value of header `name` (exact case) in the recorded head.
  std::string header(const std::string& name)
  {
    m_thread.join();
    m_thread = std::thread([] {});
    const auto at = m_head.find("\r\n" + name + ": ");
    if (at == std::string::npos) {
      return {};
    }
    const auto from = at + name.size() + 4;
    return m_head.substr(from, m_head.find("\r\n", from) - from);
  }

private:
  void serve()
  {
    const int client = ::accept(m_fd, nullptr, nullptr);
    if (client < 0) {
      return;
    }
    char buffer[4096];
    while (m_head.find("\r\n\r\n") == std::string::npos) {
      const auto got = ::read(client, buffer, sizeof buffer);
      if (got <= 0) {
        break;
      }
      m_head.append(buffer, static_cast<std::size_t>(got));
    }
    const std::string reply =
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!::write(client, reply.data(), reply.size());
    ::shutdown(client, SHUT_WR);
    while (::read(client, buffer, sizeof buffer) > 0) {
    }
    ::close(client);
  }

  int m_fd = -1;
  int m_port = 0;
  std::string m_head;
  std::thread m_thread;
};

// The Authorization header libcurl sends for `method` on `target` of
// example.amazonaws.com with the suite's credentials, date and scope.
std::string
authorization(const std::string& method,
              const std::string& target,
              const std::string& body = {},
              const std::vector<std::string>& extra = {})
{
  Recorder recorder;
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  const auto url = "http://example.amazonaws.com" + target;
  // Connect to the recorder, keeping the Host the suite signs.
  const auto connect_to =
    "example.amazonaws.com:80:127.0.0.1:" + std::to_string(recorder.port());
  curl_slist* connect = curl_slist_append(nullptr, connect_to.c_str());
  curl_slist* headers =
    curl_slist_append(nullptr, "X-Amz-Date: 20150830T123600Z");
  for (const auto& header : extra) {
    headers = curl_slist_append(headers, header.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:service");
  curl_easy_setopt(curl, CURLOPT_USERNAME, "AKIDEXAMPLE");
  curl_easy_setopt(curl, CURLOPT_PASSWORD,
                   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  }
  CHECK(curl_easy_perform(curl) == CURLE_OK);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect);
  return recorder.header("Authorization");
}

} // namespace

TEST_SUITE_BEGIN("infra::s3::SigV4");

TEST_CASE("get-vanilla signs as the AWS test suite says")
{
  CHECK(authorization("GET", "/") ==
        std::string(k_credential) +
          "SignedHeaders=host;x-amz-date, "
          "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("get-vanilla-query-order-key-case signs as the suite says once the "
          "query is sorted, as S3Client always sends it")
{
  CHECK(authorization("GET", "/?Param1=value1&Param2=value2") ==
        std::string(k_credential) +
          "SignedHeaders=host;x-amz-date, "
          "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_CASE("post-vanilla signs as the AWS test suite says")
{
  CHECK(authorization("POST", "/") ==
        std::string(k_credential) +
          "SignedHeaders=host;x-amz-date, "
          "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST_CASE("post-x-www-form-urlencoded signs its content type and body hash "
          "as the suite says")
{
  CHECK(authorization("POST", "/", "Param1=value1",
                      { "Content-Type: application/x-www-form-urlencoded" }) ==
        std::string(k_credential) +
          "SignedHeaders=content-type;host;x-amz-date, "
          "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST_CASE("a request of S3Client signs x-amz-content-sha256 with scope s3")
{
  Recorder recorder;
  ryax::infra::s3::S3Settings settings;
  settings.endpoint = "http://127.0.0.1:" + std::to_string(recorder.port());
  settings.bucket = "bucket";
  settings.access_key = "AKIDEXAMPLE";
  settings.secret_key.value = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  settings.max_attempts = 1;
  ryax::infra::s3::S3Client client(settings);
  REQUIRE(client.remove("some key/x"));
  const auto auth = recorder.header("Authorization");
  CHECK(auth.find("Credential=AKIDEXAMPLE/") != std::string::npos);
  CHECK(auth.find("/us-east-1/s3/aws4_request") != std::string::npos);
  CHECK(auth.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date") !=
        std::string::npos);
  // The SHA-256 of the empty body.
  CHECK(recorder.header("x-amz-content-sha256") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(recorder.head().starts_with("DELETE /bucket/some%20key/x HTTP/1.1"));
  CHECK(recorder.head().find("wJalrXUtnFEMI") == std::string::npos);
}

TEST_CASE("keys are percent-encoded as SigV4 wants, slashes kept")
{
  using ryax::infra::s3::uri_encode;
  CHECK(uri_encode("runs/ab/a b+c~d.txt", true) == "runs/ab/a%20b%2Bc~d.txt");
  CHECK(uri_encode("a/b", false) == "a%2Fb");
  CHECK(uri_encode("\xc3\xa9", true) == "%C3%A9");
}

TEST_SUITE_END();
