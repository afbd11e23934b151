// The rules of Slurm jobs: sbatch options of the hpc add-on, the batch
// script, job states and what they mean for a step.

#include "core/domain/slurm.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::domain;

TEST_SUITE_BEGIN("domain: slurm");

TEST_CASE("sbatch options: long, short, plain and quoted values")
{
  for (const char* good : { "--exclusive", "--nice=10", "--comment=\"a; b\"",
                            "-N 1", "-x", "--constraint=gpu&fast" }) {
    CAPTURE(good);
    // '&' is a shell character: it only passes quoted.
    const bool quoted_only = std::string_view(good).find('&') != std::string_view::npos;
    CHECK(check_sbatch_option(good).has_value() != quoted_only);
  }
  CHECK(check_sbatch_option("--constraint=\"gpu&fast\""));
}

TEST_CASE("sbatch options ryax sets, shell metacharacters and lines are refused")
{
  struct Bad
  {
    const char* option;
    const char* says;
  };
  for (const auto& [option, says] : std::initializer_list<Bad>{
         { "--output=/tmp/x", "set by ryax" },
         { "-o x", "set by ryax" },
         { "--job-name=x", "set by ryax" },
         { "--wrap=ls", "set by ryax" },
         { "--comment=$(id)", "must be inside a double-quoted value" },
         { "--comment=\"$(id)\"", "may not hold" },
         { "--nice=1\n#SBATCH --output=/x", "control character" },
         { "exclusive", "does not start with" },
         { "--=1", "is not \"--name\"" },
         { "--comment=", "empty value" },
       }) {
    CAPTURE(option);
    const auto checked = check_sbatch_option(option);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message.find(says) != std::string::npos);
  }
  CHECK_FALSE(check_sbatch_option(std::string(300, 'a').insert(0, "--")));
  HpcAddon many;
  many.sbatch_options.assign(33, "--exclusive");
  CHECK_FALSE(check_hpc_addon(many));
  HpcAddon big;
  big.custom_script.assign(k_max_custom_script_bytes + 1, 'x');
  CHECK_FALSE(check_hpc_addon(big));
}

TEST_CASE("the batch script asks for the step's resources, then the add-on's options")
{
  SlurmJobRequest request;
  request.job_name = "run1.a.0.1";
  request.partition = "gpu";
  request.cpus_per_task = 4;
  request.memory_bytes = 1536LL * 1024 * 1024 + 1;
  request.gpu = 2;
  request.time_seconds = 90061;
  request.output_file = "/c/executions/run1.a.0.1/job.log";
  request.extra_options = { "--exclusive" };
  request.body = "echo hi";
  const auto script = sbatch_script(request);
  CHECK(script.starts_with("#!/bin/sh\n#SBATCH --job-name=run1.a.0.1\n"));
  CHECK(script.find("#SBATCH --partition=gpu\n") != std::string::npos);
  CHECK(script.find("#SBATCH --cpus-per-task=4\n") != std::string::npos);
  CHECK(script.find("#SBATCH --mem=1537M\n") != std::string::npos);
  CHECK(script.find("#SBATCH --time=1-01:01:01\n") != std::string::npos);
  CHECK(script.find("#SBATCH --gres=gpu:2\n") != std::string::npos);
  CHECK(script.find("#SBATCH --output=/c/executions/run1.a.0.1/job.log\n") != std::string::npos);
  CHECK(script.find("--exclusive") > script.find("--gres"));
  CHECK(script.ends_with("\necho hi\n"));
  CHECK(slurm_time(0) == "0-00:00:01");
  CHECK(slurm_time(60) == "0-00:01:00");
}

TEST_CASE("squeue lines give states and reasons, and final states fail the step with Slurm's words")
{
  const auto jobs = parse_squeue("12|PENDING|Resources\n13|RUNNING|None\nnoise\n14|CANCELLED by 0|None\n");
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[0].state == SlurmJobState::pending);
  CHECK(jobs[0].reason == "Resources");
  CHECK(jobs[1].state == SlurmJobState::running);
  CHECK(jobs[2].state == SlurmJobState::cancelled);
  CHECK(is_final(jobs[2].state));
  CHECK_FALSE(is_final(jobs[0].state));
  CHECK(parse_slurm_state("NODE_FAIL") == SlurmJobState::node_fail);
  CHECK(parse_slurm_state("WEIRD") == SlurmJobState::unknown);

  const auto timeout = slurm_failure("12", SlurmJobState::timeout, "TIMEOUT", "TimeLimit");
  CHECK(timeout.kind == "timeout");
  CHECK(timeout.message == "Slurm job 12 ended TIMEOUT (TimeLimit): over its time limit");
  CHECK(slurm_failure("12", SlurmJobState::out_of_memory, "OUT_OF_MEMORY", "").kind
        == "memory_limit_exceeded");
  CHECK(slurm_failure("12", SlurmJobState::node_fail, "NODE_FAIL", "None").kind == "runtime_crashed");
}

TEST_CASE("a trigger may not be pinned to a Slurm site")
{
  std::vector<Site> sites(2);
  sites[1].name = "hpc";
  sites[1].type = std::string(k_slurm_site_type);
  Constraints pinned;
  pinned.site = "hpc";
  CHECK_FALSE(check_trigger_site(sites, pinned));
  Constraints typed;
  typed.site_type = "SLURM_SSH";
  CHECK_FALSE(check_trigger_site(sites, typed));
  Constraints local;
  local.site = "local";
  CHECK(check_trigger_site(sites, local));
}

TEST_CASE("shell quoting and execution slots")
{
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(execution_slot("run1.step.0.3") == "run1.step.0");
  CHECK(execution_slot("run1.step.x") == "run1.step.x");
  CHECK(execution_slot("plain") == "plain");
}
