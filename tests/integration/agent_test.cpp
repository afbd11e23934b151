// Worker agents end to end: real `ryaxd --join` workers link to a real main
// daemon over TLS on loopback, join with a token, come back with their
// credential, are refused once removed, and run the steps placed on their
// sites. (The network-namespace setup with link cuts is
// tests/agents/netns.sh.)

#include "tests/integration/agent_helpers.hpp"

#include <doctest/doctest.h>

#include <signal.h>

using namespace ryax::test;

TEST_SUITE_BEGIN("integration: agents");

TEST_CASE("a worker joins with a token, comes back with its credential, and "
          "is refused once its site is removed")
{
  DaemonFixture main_daemon(false);
  const auto address = "127.0.0.1:" + free_tcp_port();
  main_daemon.start({ "--listen", address });
  const auto token = join_token(main_daemon);
  CHECK(token.starts_with("ryaxjoin."));

  Worker worker(main_daemon, address, "worker-a", token);
  worker.start();
  REQUIRE_MESSAGE(eventually([&] { return sites_of(main_daemon).contains("worker-a"); }),
                  worker.log());
  auto sites = sites_of(main_daemon);
  CHECK(sites.at("worker-a")["kind"] == "worker");
  CHECK(sites.at("worker-a")["connected"] == true);
  CHECK(sites.at("local")["kind"] == "local");
  CHECK(worker.log().find("joined " + address + " as site worker-a")
        != std::string::npos);

  // A second machine under the same name is refused, however valid its
  // token.
  Worker twin(main_daemon, address, "worker-a", token);
  auto refused = run(twin.argv(), main_daemon.env());
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(read_file(twin.log_path()).empty(), "no log expected");
  CHECK_MESSAGE(refused.err.find("has joined already") != std::string::npos,
                refused.err);

  // Restarted without the token: the saved credential is enough.
  worker.stop();
  REQUIRE(eventually([&] {
    return sites_of(main_daemon).at("worker-a")["connected"] == false;
  }));
  worker.start(false);
  REQUIRE_MESSAGE(eventually([&] {
                    return sites_of(main_daemon).at("worker-a")["connected"] == true;
                  }),
                  worker.log());

  // Removed: the link closes and the credential is refused from now on.
  auto removed = main_daemon.ryax({ "site", "rm", "worker-a" });
  CHECK_MESSAGE(removed.exit_code == 0, removed.err);
  REQUIRE(worker.process()->wait(std::chrono::seconds(20)) == 1);
  CHECK_MESSAGE(worker.log().find("credential is revoked") != std::string::npos,
                worker.log());
  CHECK_FALSE(sites_of(main_daemon).contains("worker-a"));
  auto missing = main_daemon.ryax({ "site", "rm", "worker-a" });
  CHECK(missing.exit_code == 3);
}

TEST_CASE("a worker refuses a bad token and a main daemon whose CA is not "
          "the token's, in one line")
{
  DaemonFixture main_daemon(false);
  const auto address = "127.0.0.1:" + free_tcp_port();
  main_daemon.start({ "--listen", address });
  const auto token = join_token(main_daemon);

  Worker typo(main_daemon, address, "w", token.substr(0, token.size() - 1));
  auto bad = run(typo.argv(), main_daemon.env());
  CHECK(bad.exit_code == 1);
  CHECK_MESSAGE(bad.err.find("not a join token: its CA fingerprint is not 64 "
                             "hex digits")
                  != std::string::npos,
                bad.err);

  // Another daemon's token: its CA fingerprint is not this daemon's.
  DaemonFixture other(false);
  other.start({ "--listen", "127.0.0.1:" + free_tcp_port() });
  Worker stranger(main_daemon, address, "w", join_token(other));
  auto pinned = run(stranger.argv(), main_daemon.env());
  CHECK(pinned.exit_code == 1);
  CHECK_MESSAGE(pinned.err.find("is not the one of the join token") != std::string::npos,
                pinned.err);

  // A token of this daemon with a wrong secret.
  auto forged = token;
  forged[30] = forged[30] == 'a' ? 'b' : 'a';
  Worker forger(main_daemon, address, "w", forged);
  auto refused = run(forger.argv(), main_daemon.env());
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(refused.err.find("not one this daemon made") != std::string::npos,
                refused.err);

  // Without a TLS address, no token can be made.
  DaemonFixture plain;
  auto none = plain.ryax({ "site", "token", "create" });
  CHECK(none.exit_code != 0);
  CHECK(none.err.find("serves no TLS address") != std::string::npos);
}

TEST_CASE("steps placed on a worker's site run there, with their logs, and a "
          "worker killed mid-step is lost and the step runs again on the main "
          "site")
{
  const auto port = free_tcp_port();
  const auto address = "127.0.0.1:" + port;
  RunFixture f({ "add", "sleeper" },
               "listen: \"" + address + "\"\nworker_timeout_seconds: 2\n"
               "site:\n  node_pools:\n  - {name: default, cpu: 2, memory: 2G, "
               "objectiveScores: {performance: 10}}\n");
  Worker worker(f.daemon, address, "worker-a", join_token(f.daemon),
                "site:\n  node_pools:\n  - {name: big, cpu: 2, memory: 2G, "
                "objectiveScores: {performance: 90}}\n");
  worker.start();
  REQUIRE_MESSAGE(eventually([&] {
                    auto sites = sites_of(f.daemon);
                    return sites.contains("worker-a")
                           && sites.at("worker-a")["connected"] == true;
                  }),
                  worker.log());

  f.deploy("remote",
           "    - {name: x, type: integer}\n",
           "  - {id: there, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
           "constraints: {site: worker-a}}\n"
           "  - {id: here, from: add, inputs_values: {x: \"{{ there.y }}\"}, "
           "constraints: {site: local}}\n",
           "  - {key: y, value: \"{{ here.y }}\"}\n");
  auto run = f.daemon.ryax({ "run", "remote", "--input", "x=1", "--wait", "-o", "json" });
  REQUIRE_MESSAGE(run.exit_code == 0, run.err, worker.log());
  const auto doc = json::parse(run.out);
  CHECK(RunFixture::result(doc, "y") == 3);
  CHECK(RunFixture::executions(doc, "there")[0]["placement"].get<std::string>().starts_with(
    "worker-a/big (constraint: site worker-a)"));
  CHECK(RunFixture::executions(doc, "here")[0]["placement"].get<std::string>().starts_with(
    "local/default"));
  // The worker fetched the bundle once and ran the step; its log line came
  // back to the main daemon.
  CHECK(fs::exists(worker.data_dir() + "/bundles"));
  auto logs = f.daemon.ryax({ "logs", doc["id"].get<std::string>() });
  CHECK_MESSAGE(logs.out.find("adding one to 1") != std::string::npos, logs.out);

  // A step the worker's pool scores best goes there; the worker dies
  // during it: after worker_timeout_seconds the step runs again here.
  f.deploy("slow",
           "    - {name: s, type: float}\n",
           "  - {id: nap, from: sleeper, inputs_values: {seconds: \"{{ start.s }}\"}, "
           "objectives: {performance: 100}}\n");
  auto started = f.daemon.ryax({ "run", "slow", "--input", "s=2", "-o", "json" });
  REQUIRE_MESSAGE(started.exit_code == 0, started.err);
  const auto id = json::parse(started.out)["id"].get<std::string>();
  REQUIRE(eventually([&] {
    const auto shown = f.show(id);
    const auto nap = RunFixture::executions(shown, "nap");
    return !nap.empty() && nap[0]["state"] == "running";
  }));
  CHECK(RunFixture::executions(f.show(id), "nap")[0]["placement"]
          .get<std::string>()
          .starts_with("worker-a/big"));
  worker.process()->signal(SIGKILL);
  REQUIRE(eventually([&] { return f.show(id)["state"] == "done"; },
                     std::chrono::seconds(40)));
  const auto nap = RunFixture::executions(f.show(id), "nap")[0];
  CHECK(nap["placement"].get<std::string>().starts_with("local/default"));
  CHECK(nap["attempt"] == 2);
  CHECK(sites_of(f.daemon).at("worker-a")["healthy"] == false);
}

TEST_SUITE_END();
