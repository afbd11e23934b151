// ryaxd over TCP: TLS only, with a CA it makes itself; `ryax login`,
// contexts and logout; a full run from another network namespace.

#include "tests/support/run_fixture.hpp"

#include "ryax/v1/daemon.grpc.pb.h"
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ryax::test;

namespace {

mode_t
mode_of(const std::string& path)
{
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// The context environment: no socket, so the current context decides.
EnvOverrides
remote()
{
  return { { "RYAX_SOCKET", std::nullopt } };
}

} // namespace

TEST_SUITE_BEGIN("tls");

TEST_CASE("--listen serves TLS only, with a CA ryaxd made in its data dir, "
          "a plaintext client and an untrusted CA are refused")
{
  DaemonFixture d(false);
  CHECK(d.ryaxd({ "--foreground", "--listen", "nonsense" }).exit_code == 1);
  const auto port = free_tcp_port();
  const auto address = "127.0.0.1:" + port;
  d.start({ "--listen", address });
  const auto tls = d.home() + "/tls";
  CHECK(mode_of(tls) == 0700);
  CHECK(mode_of(tls + "/ca.key") == 0600);
  CHECK(mode_of(tls + "/server.key") == 0600);
  CHECK(d.log().find("CA SHA-256 fingerprint") != std::string::npos);

  // Plaintext gets nothing.
  auto plain = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now()
                       + std::chrono::seconds(3));
  ryax::v1::HealthReply health;
  CHECK_FALSE(ryax::v1::DaemonService::NewStub(plain)
                ->Health(&context, {}, &health)
                .ok());

  // A stranger's daemon status: the version and fingerprint, nothing more.
  const auto ca_early = tls + "/ca.pem";
  auto stranger = d.ryax({ "--server", address, "--ca-file", ca_early,
                           "daemon", "status", "-o", "json" });
  REQUIRE_MESSAGE(stranger.exit_code == 0, stranger.err);
  CHECK(json::parse(stranger.out)["data_dir"] == "");
  CHECK(json::parse(stranger.out)["version"] != "");

  // With the CA: no credentials on TCP, then a token.
  const auto ca = tls + "/ca.pem";
  auto anonymous =
    d.ryax({ "--server", address, "--ca-file", ca, "workflow", "list" });
  CHECK(anonymous.exit_code == 4);
  CHECK(anonymous.err.find("no credentials") != std::string::npos);
  auto made = d.ryax({ "token", "create", "--name", "tcp", "-q" });
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const auto token = made.out.substr(0, made.out.find('\n'));
  auto status = d.ryax(
    { "--server", address, "--ca-file", ca, "daemon", "status", "-o", "json" },
    "", { { "RYAX_TOKEN", token } });
  REQUIRE_MESSAGE(status.exit_code == 0, status.err);
  const auto doc = json::parse(status.out);
  CHECK(doc["data_dir"] == d.home());
  const std::string print = doc["tls_ca_fingerprint"];
  CHECK(print.size() == 95); // 32 bytes as XX:...
  CHECK(d.log().find(print) != std::string::npos);

  // Another daemon's CA: refused, naming both fingerprints.
  DaemonFixture other(false);
  other.start({ "--listen", "127.0.0.1:" + free_tcp_port() });
  auto wrong = d.ryax({ "--server", address, "--ca-file",
                        other.home() + "/tls/ca.pem", "workflow", "list" },
                      "", { { "RYAX_TOKEN", token } });
  CHECK(wrong.exit_code == 4);
  CHECK(wrong.err.find("presents a certificate of CA " + print)
        != std::string::npos);
  // The certificate survives a restart: clients keep trusting it.
  REQUIRE(d.stop() == 0);
  d.start({ "--listen", address });
  auto again = d.ryax({ "--server", address, "--ca-file", ca, "whoami" }, "",
                      { { "RYAX_TOKEN", token } });
  CHECK_MESSAGE(again.exit_code == 0, again.err);
}

TEST_CASE("ryax login pins the CA and keeps a context (mode 0600), contexts "
          "switch between daemons, logout and context rm revoke the session")
{
  DaemonFixture d(false);
  const auto address = "127.0.0.1:" + free_tcp_port();
  d.start({ "--listen", address });
  REQUIRE(d.ryax({ "user", "add", "dev", "--role", "developer",
                   "--password-stdin" },
                 "s3cret\n")
            .exit_code
          == 0);
  // Unverifiable without a terminal: the fingerprint and the way out.
  auto unverified = d.ryax({ "login", "https://" + address, "--user", "dev",
                             "--password-stdin" },
                           "s3cret\n", remote());
  CHECK(unverified.exit_code == 5);
  CHECK(unverified.err.find("its CA fingerprint (SHA-256) is ")
        != std::string::npos);
  const auto config = d.dir() / "config/ryax/config.yaml";
  CHECK_FALSE(std::filesystem::exists(config));

  auto wrong = d.ryax({ "login", address, "--user", "dev", "--password-stdin",
                        "--ca-file", d.home() + "/tls/ca.pem" },
                      "nope\n", remote());
  CHECK(wrong.exit_code == 4);
  CHECK(wrong.err == "ryax: error: wrong user or password\n");
  CHECK_FALSE(std::filesystem::exists(config));

  auto login = d.ryax({ "login", address, "--user", "dev", "--password-stdin",
                        "--ca-file", d.home() + "/tls/ca.pem" },
                      "s3cret\n", remote());
  REQUIRE_MESSAGE(login.exit_code == 0, login.err);
  CHECK(mode_of(config) == 0600);
  const auto saved = read_file(config);
  CHECK(saved.find("s3cret") == std::string::npos);
  CHECK(saved.find("BEGIN CERTIFICATE") != std::string::npos);
  const auto at = saved.find("ryax_");
  REQUIRE(at != std::string::npos);
  const auto token = saved.substr(at, 69);

  auto who = d.ryax({ "whoami", "-o", "json" }, "", remote());
  REQUIRE_MESSAGE(who.exit_code == 0, who.err);
  CHECK(json::parse(who.out)["user"] == "dev");
  auto list = d.ryax({ "context", "list", "-o", "json" }, "", remote());
  const auto contexts = json::parse(list.out);
  REQUIRE(contexts.size() == 2);
  CHECK(contexts[1]["name"] == "dev@" + address);
  CHECK(contexts[1]["current"] == true);

  REQUIRE(d.ryax({ "context", "use", "local" }, "", remote()).exit_code == 0);
  // The local daemon's default socket (RYAX_HOME's: this fixture serves
  // another one), not the context's server.
  auto local = d.ryax({ "whoami" }, "", remote());
  CHECK(local.exit_code == 7);
  CHECK(local.err
        == "ryax: error: ryaxd is not running at " + d.home()
             + "/ryaxd.sock\n");
  auto typo = d.ryax({ "context", "use", "dev@" + address + "x" }, "",
                     remote());
  CHECK(typo.exit_code == 3);
  CHECK(typo.err.find("did you mean") != std::string::npos);
  REQUIRE(d.ryax({ "context", "use", "dev@" + address }, "", remote())
            .exit_code
          == 0);

  auto logout = d.ryax({ "logout" }, "", remote());
  REQUIRE_MESSAGE(logout.exit_code == 0, logout.err);
  CHECK(read_file(config).find("ryax_") == std::string::npos);
  auto stale = d.ryax({ "--server", address, "--ca-file",
                        d.home() + "/tls/ca.pem", "whoami" },
                      "", { { "RYAX_TOKEN", token } });
  CHECK(stale.exit_code == 4);
  CHECK(stale.err.find("was revoked") != std::string::npos);

  // context rm revokes too; with the daemon gone it still forgets, and warns.
  const auto log_in = [&] {
    auto again = d.ryax({ "login", address, "--user", "dev", "--password-stdin",
                          "--ca-file", d.home() + "/tls/ca.pem" },
                        "s3cret\n", remote());
    REQUIRE_MESSAGE(again.exit_code == 0, again.err);
    const auto text = read_file(config);
    return text.substr(text.find("ryax_"), 69);
  };
  const auto second = log_in();
  auto removed = d.ryax({ "context", "rm", "dev@" + address }, "", remote());
  REQUIRE_MESSAGE(removed.exit_code == 0, removed.err);
  CHECK(removed.err.find("warning") == std::string::npos);
  CHECK(read_file(config).find("ryax_") == std::string::npos);
  auto revoked = d.ryax({ "--server", address, "--ca-file",
                          d.home() + "/tls/ca.pem", "whoami" },
                        "", { { "RYAX_TOKEN", second } });
  CHECK(revoked.exit_code == 4);
  CHECK(revoked.err.find("was revoked") != std::string::npos);
  log_in();
  REQUIRE(d.stop() == 0);
  auto offline = d.ryax({ "context", "rm", "dev@" + address }, "", remote());
  CHECK(offline.exit_code == 0);
  CHECK(offline.err.find("ryax: warning: the token of context dev@" + address
                         + " was not revoked")
        != std::string::npos);
  CHECK(read_file(config).find("ryax_") == std::string::npos);
}

TEST_CASE("a full run from another network namespace, over TLS")
{
  if (::geteuid() != 0 || std::system("command -v ip >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: needs root and iproute2 for a network namespace");
    return;
  }
  const auto ns = "ryaxt" + std::to_string(::getpid());
  const auto veth = "vr" + std::to_string(::getpid() % 100000);
  const auto sh = [](const std::string& command) {
    return std::system(command.c_str());
  };
  // Root namespace 10.201.x.1, the client's namespace 10.201.x.2.
  const auto net = "10.201." + std::to_string(::getpid() % 250) + ".";
  sh("ip netns del " + ns + " 2>/dev/null");
  REQUIRE(sh("ip netns add " + ns) == 0);
  struct Cleanup
  {
    std::string ns, veth;
    ~Cleanup()
    {
      (void)std::system(("ip netns del " + ns + " 2>/dev/null").c_str());
      (void)std::system(("ip link del " + veth + " 2>/dev/null").c_str());
    }
  } cleanup{ ns, veth };
  REQUIRE(sh("ip link add " + veth + " type veth peer name " + veth + "p") == 0);
  REQUIRE(sh("ip link set " + veth + "p netns " + ns) == 0);
  REQUIRE(sh("ip addr add " + net + "1/24 dev " + veth) == 0);
  REQUIRE(sh("ip link set " + veth + " up") == 0);
  REQUIRE(sh("ip -n " + ns + " addr add " + net + "2/24 dev " + veth + "p") == 0);
  REQUIRE(sh("ip -n " + ns + " link set lo up") == 0);
  REQUIRE(sh("ip -n " + ns + " link set " + veth + "p up") == 0);

  const auto address = net + "1:" + free_tcp_port();
  RunFixture f({ "add" }, "listen: " + address + "\n");
  f.deploy("remote", "    - {name: x, type: integer}\n",
           "  - {id: a1, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n",
           "  - {key: y, value: \"{{ a1.y }}\"}\n");
  REQUIRE(f.daemon.ryax({ "user", "add", "remote-dev", "--role", "developer",
                          "--password-stdin" },
                        "pw\n")
            .exit_code
          == 0);
  // The client side: the ryax binary in the other namespace.
  const auto in_ns = [&](const std::vector<std::string>& args,
                         const std::string& input = "") {
    std::vector<std::string> argv{ "ip", "netns", "exec", ns, ryax_binary() };
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = f.daemon.env();
    env["RYAX_SOCKET"] = std::nullopt;
    env["RYAX_HOME"] = f.daemon.dir() / "client-home";
    return run(argv, env, input);
  };
  auto login = in_ns({ "login", "https://" + address, "--user", "remote-dev",
                       "--password-stdin", "--insecure-skip-verify" },
                     "pw\n");
  REQUIRE_MESSAGE(login.exit_code == 0, login.err);
  CHECK(login.err.find("trusting " + address + " unverified")
        != std::string::npos);
  auto ran = in_ns({ "run", "remote", "--input", "x=41", "--wait", "-o",
                     "json" });
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
  const auto doc = json::parse(ran.out);
  CHECK(doc["state"] == "done");
  CHECK(RunFixture::result(doc, "y") == 42);
  auto logs = in_ns({ "logs", doc["id"] });
  CHECK(logs.out.find("adding one to 41") != std::string::npos);
}

TEST_SUITE_END();
