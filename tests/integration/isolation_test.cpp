// User code in its sandbox (bubblewrap), and a ryax-wrapper killed while it
// runs a step: the real ryaxd, ryax and ryax-wrapper.

#include "tests/support/run_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The probe action's report for `paths`, run on a fresh workflow "probe".
json
probe(RunFixture& f, const std::vector<std::string>& paths)
{
  f.deploy("probe", "    - {name: paths, type: string}\n",
           "  - {id: p, from: probe, inputs_values: {paths: \"{{ start.paths "
           "}}\"}}\n");
  std::string joined;
  for (const auto& path : paths) {
    joined += (joined.empty() ? "" : ",") + path;
  }
  auto run = f.daemon.ryax(
    { "run", "probe", "--input", "paths=" + joined, "--wait", "-o", "json" });
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const auto doc = json::parse(run.out);
  REQUIRE(doc["state"] == "done");
  return json::parse(
    doc["steps"][0]["outputs"][0]["report"].get<std::string>());
}

bool
bwrap_installed()
{
  return fs::exists("/usr/bin/bwrap") || fs::exists("/bin/bwrap");
}

// The pids of the processes whose command line contains `text`.
std::vector<int>
processes_with(const std::string& text)
{
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    for (auto& c : cmdline) {
      c = c == '\0' ? ' ' : c;
    }
    if (cmdline.find(text) != std::string::npos) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

} // namespace

TEST_SUITE("integration: isolation of user code")
{
  TEST_CASE("user code runs sandboxed: its own uid, a read-only system, "
            "none of the daemon's files or sockets, its own processes")
  {
    if (!bwrap_installed()) {
      MESSAGE("skipped: bubblewrap (bwrap) is not installed");
      return;
    }
    RunFixture f({ "probe" });
    const auto home = f.daemon.home();
    const auto report =
      probe(f, { home + "/ryax.db", home + "/secret.key", "/etc/hostname",
                 f.daemon.socket(), f.daemon.socket() + ".id" });
    INFO(report.dump(1));
    CHECK(report["uid"] == 65534);
    CHECK(report["read"][home + "/ryax.db"] == false);
    CHECK(report["read"][home + "/secret.key"] == false);
    CHECK(report["read"]["/etc/hostname"] == true);
    CHECK(report["connect"][f.daemon.socket()] == false);
    CHECK(report["write_etc"] == false);
    CHECK(report["write_cwd"] == true);
    CHECK(report["write_tmp"] == true);
    // bwrap's init, the runtime: nothing of the machine's.
    CHECK(report["pids"].get<int>() <= 4);
    // The network is allowed by default.
    CHECK(report["links"].size() > 1);
  }

  TEST_CASE("a sandbox_writable directory that holds the data dir does not "
            "show it")
  {
    if (!bwrap_installed()) {
      MESSAGE("skipped: bubblewrap (bwrap) is not installed");
      return;
    }
    RunFixture f({ "probe" }, "", {}, [](const std::string& home) {
      std::ofstream(home + "/ryaxd.yaml")
        << "site:\n  sandbox_writable: ["
        << fs::path(home).parent_path().string() << "]\n";
    });
    const auto home = f.daemon.home();
    const auto report = probe(f, { home + "/ryax.db", home + "/secret.key" });
    INFO(report.dump(1));
    CHECK(report["read"][home + "/ryax.db"] == false);
    CHECK(report["read"][home + "/secret.key"] == false);
  }

  TEST_CASE("site network false leaves the sandbox a loopback only")
  {
    if (!bwrap_installed()) {
      MESSAGE("skipped: bubblewrap (bwrap) is not installed");
      return;
    }
    RunFixture f({ "probe" }, "site:\n  network: false\n");
    const auto report = probe(f, {});
    INFO(report.dump(1));
    CHECK(report["links"] == json::array({ "lo" }));
  }

  TEST_CASE("site sandbox none runs user code as the daemon's user, "
            "with its files in reach")
  {
    RunFixture f({ "probe" }, "site:\n  sandbox: none\n");
    const auto report = probe(f, { f.daemon.home() + "/ryax.db" });
    INFO(report.dump(1));
    CHECK(report["uid"] == static_cast<int>(::getuid()));
    CHECK(report["read"][f.daemon.home() + "/ryax.db"] == true);
  }

  TEST_CASE("a ryax-wrapper killed mid-step takes the user's processes "
            "with it and the step runs again as attempt 2 with the reason")
  {
    const TempDir shared;
    RunFixture f({ "napper" }, sandbox_writable(shared));
    f.deploy("nap", "    - {name: tag, type: string}\n",
             "  - {id: n, from: napper, inputs_values: {marker: "
               + (shared / "marker") + ", tag: \"{{ start.tag }}\"}}\n");
    const auto tag =
      std::to_string(std::random_device{}() % 900000 + 100000);
    const auto run_id = start_run(f, { "nap", "--input", "tag=" + tag });
    const auto sleeper = "sleep 999." + tag;
    REQUIRE(eventually([&] { return !processes_with(sleeper).empty(); },
                       std::chrono::seconds(60)));
    const auto wrappers =
      processes_with("ryax-wrapper --socket " + f.daemon.home() + "/wrappers/");
    REQUIRE(wrappers.size() == 1);
    REQUIRE(::kill(wrappers[0], SIGKILL) == 0);

    // What the user's code started dies with the wrapper.
    CHECK(eventually([&] { return processes_with(sleeper).empty(); },
                     std::chrono::seconds(10)));
    json doc;
    REQUIRE(eventually(
      [&] {
        doc = f.show(run_id);
        return doc["state"] == "done" || doc["state"] == "error";
      },
      std::chrono::seconds(60)));
    INFO(doc.dump(1));
    REQUIRE(doc["state"] == "done");
    const auto& step = doc["steps"][0];
    CHECK(step["attempt"] == 2);
    CHECK(step["outputs"][0]["attempts"] == 2);
    const auto why = step["retried_because"].get<std::string>();
    CHECK(why.starts_with("attempt 1 was lost: "));
    CHECK(why.find("(pid " + std::to_string(wrappers[0])
                   + ") was killed by signal 9 (SIGKILL)")
          != std::string::npos);
    auto shown = f.daemon.ryax({ "runs", "show", run_id });
    REQUIRE(shown.exit_code == 0);
    CHECK(shown.out.find("  retried: attempt 1 was lost: ")
          != std::string::npos);
  }

  TEST_CASE("outputs over the wrapper's frame limit fail the step once with "
            "the limit and what to do, and are not retried")
  {
    RunFixture f({ "big" });
    f.deploy("big", "    - {name: mb, type: integer}\n",
             "  - {id: b, from: big, inputs_values: {mb: \"{{ start.mb }}\"}}\n");
    auto run = f.daemon.ryax(
      { "run", "big", "--input", "mb=70", "--wait", "-o", "json" });
    const auto doc = json::parse(run.out);
    INFO(doc.dump(1).substr(0, 2000));
    CHECK(doc["state"] == "error");
    CHECK(doc["steps"][0]["attempt"] == 1);
    CHECK(doc["error"]["kind"] == "invalid_output");
    const auto message = doc["error"]["message"].get<std::string>();
    CHECK(message.find("more than the 63 MiB a step's values may hold")
          != std::string::npos);
    CHECK(message.find("as a file output") != std::string::npos);
  }
}
