// `ryax version` and `ryax daemon start|stop|status`.

#include "cli/client/client.hpp"
#include "cli/commands/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "core/infrastructure/process/lock_file.hpp"

#include "build_info.hpp" // RYAX_GIT_COMMIT (generated)
#include "ryax/v1/daemon.grpc.pb.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <thread>

namespace ryax::cli {

namespace {

Result<v1::HealthReply>
health(const Client& client)
{
  auto stub = v1::DaemonService::NewStub(client.channel());
  auto context = Client::call_context(std::chrono::seconds(5));
  v1::HealthReply reply;
  RYAX_TRY(client.check(stub->Health(context.get(), v1::HealthRequest{}, &reply)));
  return reply;
}

nlohmann::json
to_json(const v1::HealthReply& reply)
{
  return {
    {"version", reply.version()},
    {"uptime_seconds", reply.uptime_seconds()},
    {"data_dir", reply.data_dir()},
    {"schema_version", reply.schema_version()},
    {"pid", reply.pid()},
    {"addresses", std::vector<std::string>(reply.addresses().begin(),
                                           reply.addresses().end())},
    {"tls_ca_fingerprint", reply.tls_ca_fingerprint()},
    {"http_url", reply.http_url()},
  };
}

std::string
format_uptime(double seconds)
{
  const auto total = static_cast<long long>(seconds);
  if (total < 60) {
    return fmt::format("{:.1f}s", seconds);
  }
  if (total < 3600) {
    return fmt::format("{}m{}s", total / 60, total % 60);
  }
  return fmt::format("{}h{}m", total / 3600, (total % 3600) / 60);
}

void
print_health(const Context& ctx, const v1::HealthReply& reply)
{
  output::emit(ctx, to_json(reply), [&](std::ostream& out) {
    std::string addresses;
    for (const auto& address : reply.addresses()) {
      addresses += (addresses.empty() ? "" : ", ") + address;
    }
    output::print_fields(out, {
                                {"status", "running"},
                                {"version", reply.version()},
                                {"pid", std::to_string(reply.pid())},
                                {"uptime", format_uptime(reply.uptime_seconds())},
                                {"data dir", reply.data_dir()},
                                {"schema", std::to_string(reply.schema_version())},
                                {"addresses", addresses},
                                {"tls CA SHA-256",
                                 reply.tls_ca_fingerprint().empty()
                                   ? "-"
                                   : reply.tls_ca_fingerprint()},
                                {"http", reply.http_url().empty()
                                           ? "-"
                                           : reply.http_url()},
                              });
  });
}

int
run_version(Context& ctx)
{
  auto client = Client::connect_existing(ctx);
  std::optional<v1::HealthReply> reply;
  if (client) {
    if (auto h = health(*client)) {
      reply = *h;
    }
  }
  nlohmann::json doc = {
    {"client", {{"version", RYAX_VERSION}, {"commit", RYAX_GIT_COMMIT}}}};
  doc["daemon"] = reply ? nlohmann::json{{"running", true},
                                         {"version", reply->version()}}
                        : nlohmann::json{{"running", false}, {"version", nullptr}};
  output::emit(ctx, doc, [&](std::ostream& out) {
    out << "client: " << RYAX_VERSION << " (commit " << RYAX_GIT_COMMIT << ")\n";
    out << "daemon: " << (reply ? reply->version() : "not running") << "\n";
  });
  return k_exit_ok;
}

struct StartOptions
{
  std::string data_dir;
  std::string config;
  std::string listen;
  std::string log_level;
  std::string log_file;
};

int
run_start(Context& ctx, const StartOptions& options)
{
  if (!ctx.server.empty()) {
    ctx.fail({ErrorCode::invalid_argument,
              "daemon start runs a local ryaxd: use --socket, not --server"});
    return ctx.exit_code;
  }
  if (auto running = Client::connect_existing(ctx)) {
    if (!ctx.quiet) {
      std::cerr << "ryaxd is already running at " << running->address().display
                << "\n";
    }
    if (auto reply = health(*running)) {
      print_health(ctx, *reply);
    }
    return k_exit_ok;
  }
  std::vector<std::string> args;
  const auto pass = [&](const char* flag, const std::string& value) {
    if (!value.empty()) {
      args.emplace_back(flag);
      args.push_back(value);
    }
  };
  pass("--socket", ctx.socket);
  pass("--data-dir", options.data_dir);
  pass("--config", options.config);
  pass("--listen", options.listen);
  pass("--log-level", options.log_level);
  pass("--log-file", options.log_file);
  auto spawned = spawn_daemon(args, true);
  if (!spawned) {
    ctx.fail(spawned.error());
    return ctx.exit_code;
  }
  // --data-dir or the config file may move the socket: use the one the
  // daemon reported.
  Context probe = ctx;
  if (!spawned->empty()) {
    probe.socket = *spawned;
  }
  auto client = Client::connect_existing(probe);
  if (!client) {
    ctx.fail(client.error());
    return ctx.exit_code;
  }
  auto reply = health(*client);
  if (!reply) {
    ctx.fail(reply.error());
    return ctx.exit_code;
  }
  if (ctx.for_people()) {
    std::cout << "ryaxd " << reply->version() << " started, serving "
              << client->address().display << "\n";
  } else {
    print_health(ctx, *reply);
  }
  return k_exit_ok;
}

int
run_stop(Context& ctx)
{
  auto client = Client::connect_existing(ctx);
  if (!client) {
    if (client.error().code == ErrorCode::unavailable) {
      if (!ctx.quiet) {
        std::cerr << client.error().message << "\n";
      }
      return k_exit_ok; // Stopping a stopped daemon is not an error.
    }
    ctx.fail(client.error());
    return ctx.exit_code;
  }
  const auto before = health(*client);
  const auto address = client->address();
  {
    auto stub = v1::DaemonService::NewStub(client->channel());
    auto context = Client::call_context(std::chrono::seconds(10));
    v1::ShutdownReply reply;
    if (auto ok = client->check(
          stub->Shutdown(context.get(), v1::ShutdownRequest{}, &reply));
        !ok) {
      ctx.fail(ok.error());
      return ctx.exit_code;
    }
  }
  // An open connection would hold up the daemon's shutdown: close ours.
  client = fail(ErrorCode::unavailable, "closed");
  // Done when the daemon released its data dir lock (or, remotely, when it
  // stops answering).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    bool gone = false;
    if (before && !address.socket_path.empty()) {
      gone = infra::process::LockFile::acquire(before->data_dir()).has_value();
    } else {
      gone = !Client::connect_existing(ctx).has_value();
    }
    if (gone) {
      output::emit(ctx, { { "stopped", true } }, [&](std::ostream& out) {
        if (!ctx.quiet) {
          out << "ryaxd stopped\n";
        }
      });
      return k_exit_ok;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ctx.fail({ErrorCode::deadline_exceeded,
            "ryaxd did not stop within 60 s at " + address.display});
  return ctx.exit_code;
}

int
run_status(Context& ctx)
{
  auto client = Client::connect_existing(ctx);
  if (!client) {
    ctx.fail(client.error());
    return ctx.exit_code;
  }
  auto reply = health(*client);
  if (!reply) {
    ctx.fail(reply.error());
    return ctx.exit_code;
  }
  print_health(ctx, *reply);
  return k_exit_ok;
}

// The test hook: ask the daemon to fail with `code`, through the same client
// path as every other command (autostart included).
int
run_raise_error(Context& ctx, const std::string& code, const std::string& message)
{
  auto client = Client::connect(ctx);
  if (!client) {
    ctx.fail(client.error());
    return ctx.exit_code;
  }
  auto stub = v1::DaemonService::NewStub(client->channel());
  auto context = Client::call_context();
  v1::RaiseErrorRequest request;
  request.set_code(code);
  request.set_message(message);
  v1::RaiseErrorReply reply;
  if (auto ok = client->check(stub->RaiseError(context.get(), request, &reply));
      !ok) {
    ctx.fail(ok.error());
    return ctx.exit_code;
  }
  return k_exit_ok;
}

} // namespace

void
register_version_command(CLI::App& app, Context& ctx)
{
  auto* cmd = app.add_subcommand(
    "version", "Print the client and daemon versions (never starts ryaxd)");
  cmd->callback([&ctx] { ctx.exit_code = run_version(ctx); });
}

void
register_daemon_commands(CLI::App& app, Context& ctx)
{
  auto* daemon = app.add_subcommand("daemon", "Start, stop and inspect ryaxd");
  daemon->require_subcommand(1);

  auto options = std::make_shared<StartOptions>();
  auto* start = daemon->add_subcommand(
    "start", "Start ryaxd in the background and wait until it answers");
  start->add_option("--data-dir", options->data_dir, "Data directory");
  start->add_option("--config", options->config, "ryaxd.yaml to use");
  start->add_option("--listen", options->listen,
                    "Also serve on TCP HOST:PORT, with TLS");
  start->add_option("--log-level", options->log_level,
                    "trace, debug, info, warn, error or off");
  start->add_option("--log-file", options->log_file,
                    "Daemon log (default: <data dir>/ryaxd.log)");
  start->callback([&ctx, options] { ctx.exit_code = run_start(ctx, *options); });

  daemon->add_subcommand("stop", "Ask ryaxd to shut down and wait until it has")
    ->callback([&ctx] { ctx.exit_code = run_stop(ctx); });
  daemon->add_subcommand("status", "Show whether ryaxd runs, and its health")
    ->callback([&ctx] { ctx.exit_code = run_status(ctx); });

  // Hidden: the daemon's test hook (needs ryaxd --enable-test-rpcs).
  auto raise = std::make_shared<std::pair<std::string, std::string>>();
  auto* raise_cmd = daemon->add_subcommand("raise-error", "");
  raise_cmd->group("");
  raise_cmd->add_option("code", raise->first)->required();
  raise_cmd->add_option("message", raise->second);
  raise_cmd->callback([&ctx, raise] {
    ctx.exit_code = run_raise_error(ctx, raise->first, raise->second);
  });
}

} // namespace ryax::cli
