#include "tests/support/s3rver_fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

namespace ryax::test {

namespace {

// A port nobody listens on now (the kernel's choice for port 0).
int
free_port()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), size) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool
listening(int port)
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok =
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string
s3rver_bin()
{
  return std::string(RYAX_SOURCE_DIR) + "/.test-tools/node_modules/.bin/s3rver";
}

} // namespace

bool
has_node_for_s3()
{
  return run({ "sh", "-c", "command -v node" }).exit_code == 0;
}

S3rverFixture::S3rverFixture()
{
  REQUIRE_MESSAGE(std::filesystem::exists(s3rver_bin()),
                  "s3rver is missing: run scripts/install-deps");
  m_port = free_port();
  REQUIRE(m_port > 0);
  std::filesystem::create_directories(m_dir / "data");
  m_process = std::make_unique<BackgroundProcess>(
    std::vector<std::string>{ "node", s3rver_bin(), "-d", m_dir / "data", "-a",
                              "127.0.0.1", "-p", std::to_string(m_port),
                              "--silent" },
    EnvOverrides{}, m_dir / "s3rver.log");
  REQUIRE_MESSAGE(eventually([&] { return listening(m_port); }),
                  "s3rver did not listen: see " << (m_dir / "s3rver.log"));
}

S3rverFixture::~S3rverFixture()
{
  if (m_process) {
    m_process->signal(SIGTERM);
    if (!m_process->wait(std::chrono::seconds(5))) {
      m_process->signal(SIGKILL);
      m_process->wait(std::chrono::seconds(5));
    }
  }
}

std::string
S3rverFixture::endpoint() const
{
  return "http://127.0.0.1:" + std::to_string(m_port);
}

infra::s3::S3Settings
S3rverFixture::settings(const std::string& bucket) const
{
  infra::s3::S3Settings settings;
  settings.endpoint = endpoint();
  settings.bucket = bucket;
  settings.access_key = "S3RVER";
  settings.secret_key.value = "S3RVER";
  settings.first_backoff = std::chrono::milliseconds(10);
  return settings;
}

std::string
S3rverFixture::object_file(const std::string& bucket,
                           const std::string& key) const
{
  return m_dir / ("data/" + bucket + "/" + key + "._S3rver_object");
}

} // namespace ryax::test
