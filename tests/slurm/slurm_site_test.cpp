// The Slurm site end to end: a real ryaxd whose ryaxd.yaml names the
// cluster tests/slurm/cluster.sh started (slurmctld, slurmd, munge, sshd),
// real python actions run as sbatch jobs by the cluster's user.

#include "tests/slurm/slurm_site.hpp"
#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <regex>

using namespace ryax::test;

namespace {

// ryaxd.yaml with the cluster as site "hpc"; `credentials_extra` replaces
// the key and known_hosts lines (wrong key, unknown host key).
std::string
slurm_config(const SlurmSite& site,
             const std::string& key,
             const std::string& known_hosts,
             const std::string& extra = "")
{
  return "run_concurrency: 4\n"
         "sites:\n"
         "  - name: hpc\n"
         "    type: SLURM_SSH\n"
         "    credentials:\n"
         "      server: \"" + site.host + ":" + std::to_string(site.port) + "\"\n"
         "      username: " + site.user + "\n"
         "      privateKeyFile: " + key + "\n"
         "      knownHostsFile: " + known_hosts + "\n"
         "    partitions:\n"
         "      - {name: " + site.partition + ", cpu: 2, memory: 900M}\n"
         "    poll_interval: 200ms\n"
         "    squeue_interval: 2s\n" + extra;
}

std::string
default_config()
{
  const auto site = SlurmSite::from_environment();
  return slurm_config(site, site.key, site.known_hosts);
}

// A command run on the cluster as its user, over plain ssh.
std::string
on_cluster(const std::string& command)
{
  const auto site = SlurmSite::from_environment();
  auto done = run({ "ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
                            "-o", "UserKnownHostsFile=" + site.known_hosts,
                            "-i", site.key, "-p", std::to_string(site.port),
                            site.user + "@" + site.host, command });
  INFO(done.err);
  return done.out;
}

// The job ids ryaxd logged for executions of run `run_id` ("execution
// RUN.STEP... is Slurm job N").
std::vector<std::string>
jobs_of(const RunFixture& f, const std::string& run_id)
{
  const std::regex pattern("execution " + run_id + R"(\.\S+ is Slurm job (\d+))");
  std::vector<std::string> ids;
  const auto log = f.daemon.log();
  for (std::sregex_iterator it(log.begin(), log.end(), pattern), end; it != end;
       ++it) {
    ids.push_back((*it)[1]);
  }
  return ids;
}

// Workflow "nap": the sleeper on site hpc, its step with `extra` fields.
void
deploy_nap(RunFixture& f, const std::string& extra)
{
  f.deploy("nap",
           "    - {name: seconds, type: float}\n",
           "  - {id: s, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}, "
           "constraints: {site: hpc}" + extra + "}\n");
}

json
wait_run(const RunFixture& f, const std::string& run_id)
{
  json doc;
  REQUIRE(eventually(
    [&] {
      doc = f.show(run_id);
      return doc["state"] != "running" && doc["state"] != "pending"
             && doc["state"] != "queued";
    },
    std::chrono::seconds(180)));
  return doc;
}

} // namespace

TEST_SUITE_BEGIN("slurm: site");

TEST_CASE("a local step and a Slurm step pass files both ways")
{
  RunFixture f({ "writer", "reader" }, default_config());
  f.deploy("mixed",
           "    - {name: text, type: string}\n",
           "  - {id: w1, from: writer, inputs_values: {text: \"{{ start.text }}\"}, "
           "constraints: {site: local}}\n"
           "  - {id: r1, from: reader, inputs_values: {f: \"{{ w1.out }}\", d: \"{{ w1.tree }}\"}, "
           "constraints: {site: hpc}}\n"
           "  - {id: w2, from: writer, inputs_values: {text: \"{{ r1.summary }}\"}, "
           "constraints: {site_type: SLURM_SSH}}\n"
           "  - {id: r2, from: reader, inputs_values: {f: \"{{ w2.out }}\", d: \"{{ w2.tree }}\"}, "
           "constraints: {site: local}}\n",
           "  - {key: summary, value: \"{{ r2.summary }}\"}\n");
  auto run = f.daemon.ryax({ "run", "mixed", "--input", "text=hi", "--wait", "-o", "json" });
  INFO(run.err);
  INFO(f.daemon.log());
  REQUIRE(run.exit_code == 0);
  const auto doc = json::parse(run.out);
  CHECK(RunFixture::result(doc, "summary") == "hi|a.txt,sub/b.txt|a.txt,sub/b.txt");
  // r1 and w2 ran as Slurm jobs, w1 and r2 in local replicas.
  const auto log = f.daemon.log();
  const auto id = doc["id"].get<std::string>();
  CHECK(jobs_of(f, id).size() == 2);
  CHECK(log.find("execution " + id + ".r1.r.1 is Slurm job") != std::string::npos);
  CHECK(log.find("execution " + id + ".w2.r.1 is Slurm job") != std::string::npos);

  // `site show` asks sinfo.
  auto shown = f.daemon.ryax({ "site", "show", "hpc", "-o", "json" });
  REQUIRE_MESSAGE(shown.exit_code == 0, shown.err);
  const auto site = json::parse(shown.out);
  CHECK(site["kind"] == "SLURM_SSH");
  CHECK(site["healthy"] == true);
  REQUIRE(!site["sinfo"].empty());
  CHECK(site["sinfo"][0]["name"].get<std::string>().starts_with("debug"));
  CHECK(site["sinfo"][0]["nodes"] == 1);
  auto table = f.daemon.ryax({ "site", "show", "hpc" });
  CHECK(table.out.find("PARTITION") != std::string::npos);

  // Successful executions leave nothing in the cluster's cache.
  CHECK(on_cluster("ls ~/.ryax_cache/executions | grep -c " + doc["id"].get<std::string>())
          .starts_with("0"));
}

TEST_CASE("sbatch header options of the hpc add-on reach the job")
{
  RunFixture f({ "add" }, default_config());
  f.deploy("opts",
           "    - {name: x, type: integer}\n",
           "  - {id: a, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
           "constraints: {site: hpc}, "
           "addons: {hpc: {sbatch_options: [\"--comment=ryaxtest\", \"--nice=7\"]}}}\n");
  auto run = f.daemon.ryax({ "run", "opts", "--input", "x=41", "--wait", "-o", "json" });
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto doc = json::parse(run.out);
  CHECK(RunFixture::executions(doc, "a")[0]["outputs"][0]["y"] == 42);
  const auto jobs = jobs_of(f, doc["id"]);
  REQUIRE(jobs.size() == 1);
  const auto job = on_cluster("scontrol show job " + jobs[0]);
  CHECK(job.find("Comment=ryaxtest") != std::string::npos);
  CHECK(job.find("Nice=7") != std::string::npos);
  CHECK(job.find("Partition=debug") != std::string::npos);
  // The job's log came back to the run.
  auto logs = f.daemon.ryax({ "logs", doc["id"].get<std::string>() });
  CHECK(logs.out.find("adding one to 41") != std::string::npos);

  // A reserved option is refused at push, naming the field.
  const auto path = f.daemon.dir() / "bad.yaml";
  std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: bad\n"
                         "  trigger: {id: start, from: manual, outputs: [{name: x, type: integer}]}\n"
                         "  actions:\n"
                         "  - {id: a, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
                         "addons: {hpc: {sbatch_options: [\"--output=/tmp/x\"]}}}\n";
  auto refused = f.daemon.ryax({ "workflow", "push", path });
  CHECK(refused.exit_code == 5);
  CHECK(refused.err.find("sbatch_options[0]") != std::string::npos);
  CHECK(refused.err.find("set by ryax") != std::string::npos);
}

TEST_CASE("a custom script's exported variables are the step's outputs")
{
  RunFixture f({ "add" }, default_config());
  f.deploy("custom",
           "    - {name: x, type: integer}\n",
           "  - {id: a, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
           "constraints: {site: hpc}, "
           "addons: {hpc: {custom_script: \"echo in $(pwd); export y=$((x * 10))\"}}}\n");
  auto run = f.daemon.ryax({ "run", "custom", "--input", "x=7", "--wait", "-o", "json" });
  INFO(run.err);
  INFO(f.daemon.log());
  REQUIRE(run.exit_code == 0);
  const auto doc = json::parse(run.out);
  CHECK(RunFixture::executions(doc, "a")[0]["outputs"][0]["y"] == 70);
  auto logs = f.daemon.ryax({ "logs", doc["id"].get<std::string>() });
  CHECK(logs.out.find("in /home/ryaxslurm/.ryax_cache/executions/" + doc["id"].get<std::string>())
        != std::string::npos);
}

TEST_CASE("cancel ends the Slurm job, and a job over its time limit fails")
{
  RunFixture f({ "sleeper" }, default_config());
  deploy_nap(f, ", resources: {time: 1}");
  const auto first = start_run(f, { "nap", "--input", "seconds=300" });
  REQUIRE(eventually([&] { return jobs_of(f, first).size() == 1; }, std::chrono::seconds(60)));
  const auto job = jobs_of(f, first)[0];
  REQUIRE(eventually([&] { return on_cluster("squeue -h -j " + job + " -o %T").starts_with("RUNNING"); },
                     std::chrono::seconds(30)));
  // `runs show` says what squeue says of the job.
  CHECK(eventually(
    [&] {
      const auto status = RunFixture::executions(f.show(first), "s")[0]["runtime_status"];
      return status == "Slurm job " + job + " RUNNING";
    },
    std::chrono::seconds(20)));
  CHECK(RunFixture::executions(f.show(first), "s")[0]["placement"].get<std::string>().starts_with("hpc/debug"));
  f.require_ok({ "runs", "cancel", first });
  const auto cancelled = wait_run(f, first);
  CHECK(cancelled["state"] == "cancelled");
  CHECK(eventually([&] { return on_cluster("squeue -h -t all -j " + job + " -o %T").starts_with("CANCELLED"); },
                   std::chrono::seconds(30)));

  // time: 1 second is one minute for Slurm, which then kills the job.
  const auto second = start_run(f, { "nap", "--input", "seconds=600" });
  const auto doc = wait_run(f, second);
  CHECK(doc["state"] == "error");
  CHECK(doc["error"]["kind"] == "timeout");
  CHECK(doc["error"]["message"].get<std::string>().find("TIMEOUT") != std::string::npos);
  CHECK(doc["error"]["message"].get<std::string>().find("stay on site hpc") != std::string::npos);
}

TEST_CASE("a wrong key or an unknown host key is refused with a clear message")
{
  const auto site = SlurmSite::from_environment();
  TempDir dir;
  const auto wrong_key = (dir.path() / "wrong").string();
  REQUIRE(run({ "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", wrong_key }).exit_code == 0);
  const auto empty_known = (dir.path() / "known_hosts").string();
  std::ofstream(empty_known) << "";

  for (const auto& [key, known, expected] :
       { std::tuple{ wrong_key, site.known_hosts, std::string("refused the key") },
         std::tuple{ site.key, empty_known, std::string("is not in") } }) {
    RunFixture f({ "add" }, slurm_config(site, key, known));
    json shown;
    REQUIRE(eventually(
      [&] {
        auto result = f.daemon.ryax({ "site", "show", "hpc", "-o", "json" });
        shown = json::parse(result.out.empty() ? "{}" : result.out);
        return shown.contains("sinfo_error");
      },
      std::chrono::seconds(30)));
    INFO(shown.dump());
    CHECK(shown["healthy"] == false);
    CHECK(shown["sinfo_error"].get<std::string>().find(expected) != std::string::npos);
    CHECK(f.daemon.log().find(expected) != std::string::npos);
  }
}

TEST_CASE("a trigger pinned to a Slurm site is refused at deploy")
{
  RunFixture f({ "add" }, default_config());
  const auto path = f.daemon.dir() / "pinned.yaml";
  std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: pinned\n"
                         "  trigger: {id: start, from: manual, constraints: {site: hpc}, "
                         "outputs: [{name: x, type: integer}]}\n"
                         "  actions:\n"
                         "  - {id: a, from: add, inputs_values: {x: \"{{ start.x }}\"}}\n";
  auto pushed = f.daemon.ryax({ "workflow", "push", path, "--deploy" });
  CHECK(pushed.exit_code != 0);
  CHECK(pushed.err.find("a trigger never runs on a Slurm site") != std::string::npos);
}

TEST_CASE("ryaxd killed while a job runs finds the job again after restart")
{
  RunFixture f({ "sleeper" }, default_config());
  deploy_nap(f, "");
  const auto run = start_run(f, { "nap", "--input", "seconds=6" });
  REQUIRE(eventually([&] { return jobs_of(f, run).size() == 1; }, std::chrono::seconds(60)));
  const auto job = jobs_of(f, run)[0];
  f.daemon.process()->signal(SIGKILL);
  f.daemon.process()->wait(std::chrono::seconds(10));
  f.daemon.start();
  const auto doc = wait_run(f, run);
  INFO(f.daemon.log());
  CHECK(doc["state"] == "done");
  CHECK(f.daemon.log().find("follows Slurm job " + job) != std::string::npos);
  // One job only: the second attempt followed the first one's.
  const auto names = on_cluster("squeue -h -t all -o %j");
  std::size_t count = 0;
  for (std::size_t at = names.find(run); at != std::string::npos; at = names.find(run, at + 1)) {
    ++count;
  }
  CHECK(count == 1);
}
