#pragma once

// Worker agents for integration tests: a main daemon with a TLS address and
// real `ryaxd --join` workers in temp data dirs beside it.

#include "tests/support/run_fixture.hpp"

#include <memory>

namespace ryax::test {


// A `ryaxd --join` worker of the daemon at `main` in its own data dir.
class Worker
{
public:
  Worker(const DaemonFixture& main_daemon,
         std::string address,
         std::string site,
         std::string token,
         std::string config = {})
    : m_main(main_daemon), m_address(std::move(address)),
      m_site(std::move(site)), m_token(std::move(token))
  {
    if (!config.empty()) {
      fs::create_directories(data_dir());
      std::ofstream(data_dir() + "/ryaxd.yaml") << config;
    }
  }

  std::string data_dir() const { return m_dir / "data"; }
  std::string log_path() const { return m_dir / "worker.log"; }
  std::string log() const { return read_file(log_path()); }

  // The command line, with the token unless `with_token` is false.
  std::vector<std::string> argv(bool with_token = true) const
  {
    std::vector<std::string> args{ ryaxd_binary(), "--foreground",
                                   "--data-dir", data_dir(),
                                   "--join", m_address, "--site", m_site };
    if (with_token) {
      args.insert(args.end(), { "--join-token", m_token });
    }
    return args;
  }

  void start(bool with_token = true)
  {
    m_process = std::make_unique<BackgroundProcess>(argv(with_token),
                                                    m_main.env(), log_path());
  }

  BackgroundProcess* process() { return m_process.get(); }
  void stop() { m_process.reset(); }

private:
  const DaemonFixture& m_main;
  TempDir m_dir;
  std::string m_address;
  std::string m_site;
  std::string m_token;
  std::unique_ptr<BackgroundProcess> m_process;
};

// `ryax site list -o json` as a map of site name to its document.
inline std::map<std::string, json>
sites_of(const DaemonFixture& daemon)
{
  auto listed = daemon.ryax({ "site", "list", "-o", "json" });
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  std::map<std::string, json> sites;
  for (const auto& site : json::parse(listed.out)) {
    sites[site["name"].get<std::string>()] = site;
  }
  return sites;
}

// A join token made on `daemon`.
inline std::string
join_token(const DaemonFixture& daemon)
{
  auto made = daemon.ryax({ "site", "token", "create", "-q" });
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto token = made.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) {
    token.pop_back();
  }
  return token;
}

} // namespace ryax::test
