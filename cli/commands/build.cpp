// `ryax action build|build-log|build-cancel`.

#include "cli/commands/commands.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "cli/output/progress.hpp"

#include "ryax/v1/build.grpc.pb.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <thread>

namespace ryax::cli {

namespace {

struct BuildOptions
{
  std::vector<std::string> refs;
  std::string repository;
  bool all = false;
  bool force = false;
  bool wait = false;
  bool verbose = false;
};

bool
is_final(const std::string& state)
{
  return state == "built" || state == "error" || state == "cancelled";
}

nlohmann::json
to_json(const v1::BuildJob& job)
{
  return {
    {"id", job.id()},
    {"action_id", job.action_id()},
    {"version", job.version()},
    {"state", job.state()},
    {"force", job.force()},
    {"cache_hit", job.cache_hit()},
    {"queued_at", output::rfc3339_seconds(job.queued_at())},
    {"started_at", output::rfc3339_seconds(job.started_at())},
    {"finished_at", output::rfc3339_seconds(job.finished_at())},
    {"attempts", job.attempts()},
    {"error", job.error()},
    {"bundle_key", job.bundle_key()},
    {"warnings", std::vector<std::string>(job.warnings().begin(), job.warnings().end())},
  };
}

std::string
ref_of(const v1::BuildJob& job)
{
  return job.action_id() + ":" + job.version();
}

// Print the log of `ref` as it is written, until its build ends.
Result<v1::BuildJob>
follow_log(const Client& client, const std::string& ref, bool follow, std::ostream& out)
{
  auto stub = v1::BuildService::NewStub(client.channel());
  auto context = Client::call_context(std::chrono::hours(24));
  v1::StreamBuildLogRequest request;
  request.set_ref(ref);
  request.set_follow(follow);
  auto reader = stub->StreamBuildLog(context.get(), request);
  v1::BuildLogChunk chunk;
  v1::BuildJob last;
  while (reader->Read(&chunk)) {
    out << chunk.text() << std::flush;
    last = chunk.job();
  }
  RYAX_TRY(client.check(reader->Finish()));
  return last;
}

Result<v1::BuildJob>
get_build(const Client& client, const std::string& ref)
{
  auto stub = v1::BuildService::NewStub(client.channel());
  v1::GetBuildRequest request;
  request.set_ref(ref);
  return client.call<v1::BuildJob>(
    [&](auto* c, auto* r) { return stub->GetBuild(c, request, r); });
}

int
run_build(Context& ctx, const BuildOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::BuildService::NewStub(client.channel());
    v1::BuildActionsRequest request;
    for (const auto& ref : o.refs) {
      request.add_refs(ref);
    }
    request.set_repository(o.repository);
    request.set_all(o.all);
    request.set_force(o.force);
    RYAX_TRY_ASSIGN(const auto reply, client.call<v1::BuildActionsReply>([&](auto* c, auto* r) {
      return stub->BuildActions(c, request, r);
    }));
    std::vector<v1::BuildJob> jobs(reply.jobs().begin(), reply.jobs().end());
    if (o.wait) {
      for (auto& job : jobs) {
        if (o.verbose) {
          RYAX_TRY_ASSIGN(job, follow_log(client, ref_of(job), true, std::cerr));
          continue;
        }
        output::Spinner spinner(ctx.progress(), "building " + ref_of(job));
        // Poll quickly first: a cache hit ends within milliseconds.
        auto pause = std::chrono::milliseconds(2);
        while (!is_final(job.state())) {
          std::this_thread::sleep_for(pause);
          pause = std::min(pause * 2, std::chrono::milliseconds(100));
          RYAX_TRY_ASSIGN(job, get_build(client, ref_of(job)));
        }
      }
    }
    nlohmann::json doc = nlohmann::json::array();
    int failed = 0;
    output::Table table{{"ACTION", "VERSION", "BUILD", "STATE", "DETAIL"}, {}};
    for (const auto& job : jobs) {
      doc.push_back(to_json(job));
      failed += (job.state() == "error" || job.state() == "cancelled") ? 1 : 0;
      std::string detail = job.error();
      if (job.cache_hit()) {
        detail = "cache hit";
      } else if (detail.empty() && !job.warnings().empty()) {
        detail = fmt::format("{} warning(s): {}", job.warnings_size(), job.warnings(0));
      }
      table.rows.push_back({job.action_id(), job.version(), std::to_string(job.id()),
                            job.state(), detail});
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (!ctx.quiet || failed > 0) {
        output::print_table(out, table, ctx.color());
      }
    });
    if (failed > 0) {
      std::cerr << fmt::format("ryax: error: {} of {} builds failed\n", failed, jobs.size());
      return k_exit_run_failed;
    }
    return k_exit_ok;
  });
}

int
run_log(Context& ctx, const std::string& ref, bool follow)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY(follow_log(client, ref, follow, std::cout));
    return k_exit_ok;
  });
}

int
run_cancel(Context& ctx, const std::string& ref)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::BuildService::NewStub(client.channel());
    v1::CancelBuildRequest request;
    request.set_ref(ref);
    RYAX_TRY_ASSIGN(const auto job, client.call<v1::BuildJob>([&](auto* c, auto* r) {
      return stub->CancelBuild(c, request, r);
    }));
    output::emit(ctx, to_json(job), [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << fmt::format("build {} of {} cancelled\n", job.id(), ref_of(job));
      }
    });
    return k_exit_ok;
  });
}

} // namespace

void
register_build_commands(CLI::App& action, Context& ctx)
{
  auto o = std::make_shared<BuildOptions>();
  auto* build = action.add_subcommand(
    "build", "Build action versions (a queue in ryaxd; see --wait)");
  build->add_option("refs", o->refs, "ID (latest version) or ID:VERSION");
  build->add_option("--repo", o->repository, "With --all: the repository to build");
  build->add_flag("--all", o->all, "Every action of --repo still at its head");
  build->add_flag("--force", o->force, "Ignore the bundle cache and build again");
  build->add_flag("--wait", o->wait, "Wait for the builds to end; exit 6 if one failed");
  build->add_flag("-v,--verbose", o->verbose, "With --wait: stream the build logs");
  build->callback([&ctx, o] { ctx.exit_code = run_build(ctx, *o); });

  auto ref = std::make_shared<std::string>();
  auto follow = std::make_shared<bool>(false);
  auto* log = action.add_subcommand("build-log", "Print the log of the latest build");
  log->add_option("ref", *ref, "ID or ID:VERSION")->required();
  log->add_flag("-f,--follow", *follow, "Keep printing until the build ends");
  log->callback([&ctx, ref, follow] { ctx.exit_code = run_log(ctx, *ref, *follow); });

  auto* cancel = action.add_subcommand("build-cancel", "Cancel a pending or running build");
  cancel->add_option("ref", *ref, "ID or ID:VERSION")->required();
  cancel->callback([&ctx, ref] { ctx.exit_code = run_cancel(ctx, *ref); });
}

} // namespace ryax::cli
