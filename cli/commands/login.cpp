// `ryax login`, `ryax logout` and `ryax context list|use|rm`.

#include "cli/client/contexts.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/commands.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "core/domain/suggest.hpp"
#include "core/infrastructure/config/paths.hpp"
#include "core/infrastructure/crypto/tls_material.hpp"
#include "core/infrastructure/rpc/status.hpp"

#include "ryax/v1/identity.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

struct LoginOptions
{
  std::string server;
  std::string user;
  std::string context;
  bool password_stdin = false;
  bool insecure_skip_verify = false;
};

bool
interactive()
{
  return ::isatty(STDIN_FILENO) != 0 && ::isatty(STDERR_FILENO) != 0;
}

// A line typed at the terminal; without echo for a password.
std::string
prompt(const std::string& question, bool secret)
{
  std::cerr << question << std::flush;
  termios saved{};
  const bool hide = secret && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hide) {
    auto quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  return line;
}

// The CA to trust `host`:`port` with: --ca-file, else the one it presents
// once its fingerprint is accepted (at the terminal, or by
// --insecure-skip-verify).
Result<std::string>
choose_ca(const Context& ctx, const LoginOptions& o, const std::string& host,
          const std::string& port)
{
  if (!ctx.ca_file.empty()) {
    return read_ca_file(ctx.ca_file);
  }
  RYAX_TRY_ASSIGN(auto pem, infra::crypto::fetch_server_ca(host, port));
  RYAX_TRY_ASSIGN(const auto print, infra::crypto::fingerprint(pem));
  if (o.insecure_skip_verify) {
    if (!ctx.quiet) {
      std::cerr << fmt::format(
        "warning: trusting {}:{} unverified (--insecure-skip-verify): CA "
        "SHA-256 {}\n",
        host, port, print);
    }
    return pem;
  }
  if (interactive() && !o.password_stdin) {
    const auto answer = prompt(
      fmt::format("{}:{} shows a CA certificate of SHA-256 fingerprint\n  {}\n"
                  "Compare it with what ryaxd printed at start (ryax daemon "
                  "status on its machine). Trust it? [y/N] ",
                  host, port, print),
      false);
    if (answer == "y" || answer == "Y" || answer == "yes") {
      return pem;
    }
    return fail(ErrorCode::permission_denied,
                "not trusted: nothing was saved");
  }
  return fail(ErrorCode::invalid_argument,
              fmt::format("cannot verify {}:{}: its CA fingerprint (SHA-256) "
                          "is {}; pass --ca-file (tls/ca.pem in its data dir) "
                          "or, once you compared it, --insecure-skip-verify",
                          host, port, print));
}

int
run_login(Context& ctx, LoginOptions o)
{
  const auto fail_with = [&](const Error& error) {
    ctx.fail(error);
    return ctx.exit_code;
  };
  for (const char* scheme : { "https://", "grpcs://" }) {
    if (o.server.starts_with(scheme)) {
      o.server = o.server.substr(std::string_view(scheme).size());
    }
  }
  while (o.server.ends_with('/')) {
    o.server.pop_back();
  }
  auto host_port = infra::config::split_host_port(o.server);
  if (!host_port) {
    return fail_with(host_port.error());
  }
  const auto port = std::to_string(host_port->second);
  auto ca = choose_ca(ctx, o, host_port->first, port);
  if (!ca) {
    return fail_with(ca.error());
  }
  std::string password;
  if (o.password_stdin) {
    auto read = read_secret_stdin("--password-stdin");
    if (!read) {
      return fail_with(read.error());
    }
    password = std::move(*read);
  } else if (interactive()) {
    password = prompt(fmt::format("password for {}: ", o.user), true);
  } else {
    return fail_with({ ErrorCode::invalid_argument,
                       "no password: standard input is not a terminal; use "
                       "--password-stdin" });
  }

  auto contexts = load_contexts();
  if (!contexts) {
    return fail_with(contexts.error());
  }
  // The context of this login, saved once the daemon gave a token.
  SavedContext saved{ o.context.empty() ? o.user + "@" + o.server : o.context,
                      o.server, *ca, o.user, "", ctx.project };
  if (saved.name == k_local_context) {
    return fail_with({ ErrorCode::invalid_argument,
                       "\"local\" names the local daemon: choose another "
                       "--context" });
  }
  ContextFile updated = *contexts;
  std::erase_if(updated.contexts,
                [&](const auto& c) { return c.name == saved.name; });
  updated.contexts.insert(updated.contexts.begin(), saved);
  grpc::ChannelArguments args;
  if (infra::crypto::is_ryaxd_ca(*ca)) {
    args.SetSslTargetNameOverride(infra::crypto::k_server_name);
  }
  auto channel = grpc::CreateCustomChannel(
    o.server, grpc::SslCredentials({ *ca, "", "" }), args);
  auto stub = v1::IdentityService::NewStub(channel);
  v1::LoginRequest request;
  request.set_user(o.user);
  request.set_password(password);
  v1::CreatedToken reply;
  auto context = Client::call_context(std::chrono::seconds(20));
  const auto status = stub->Login(context.get(), request, &reply);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      return fail_with({ ErrorCode::unavailable,
                         fmt::format("cannot reach ryaxd at {} over TLS with "
                                     "that CA: {}",
                                     o.server, status.error_message()) });
    }
    return fail_with(infra::rpc::from_grpc_status(status));
  }
  updated.contexts.front().token = reply.token();
  updated.current = saved.name;
  if (auto written = save_contexts(updated); !written) {
    return fail_with(written.error());
  }
  output::emit(ctx,
               { { "context", saved.name },
                 { "server", o.server },
                 { "user", o.user },
                 { "expires_at", output::rfc3339_seconds(reply.info().expires_at()) } },
               [&](std::ostream& out) {
                 if (!ctx.quiet) {
                   out << fmt::format("logged in to {} as {} (context {}, "
                                      "until {})\n",
                                      o.server, o.user, saved.name,
                                      format_time(reply.info().expires_at()));
                 }
               });
  return k_exit_ok;
}

// Ask the daemon of `saved` to revoke its token (Logout). Nothing is
// printed; the error says why it could not be told.
Result<void>
revoke_token(const Context& ctx, const SavedContext& saved)
{
  Context remote = ctx; // that context's daemon, whatever RYAX_SOCKET says
  remote.socket.clear();
  remote.server = saved.server;
  RYAX_TRY_ASSIGN(const auto client, Client::connect(remote));
  auto stub = v1::IdentityService::NewStub(client.channel());
  RYAX_TRY(client.call<v1::LogoutReply>(
    [&](auto* c, auto* r) { return stub->Logout(c, {}, r); }));
  return {};
}

// `ryax logout`: end the session of the current context (the daemon revokes
// its token) and forget the context.
int
run_logout(Context& ctx)
{
  auto contexts = load_contexts();
  if (!contexts) {
    ctx.fail(contexts.error());
    return ctx.exit_code;
  }
  const auto* current = contexts->find(contexts->current);
  if (current == nullptr) {
    ctx.fail({ ErrorCode::failed_precondition,
               "not logged in: the current context is the local daemon" });
    return ctx.exit_code;
  }
  const auto name = current->name;
  const auto revoked = revoke_token(ctx, *current);
  // The context goes even when the daemon cannot be told (its token then
  // expires on its own): say so.
  std::erase_if(contexts->contexts,
                [&](const auto& c) { return c.name == name; });
  contexts->current.clear();
  if (auto written = save_contexts(*contexts); !written) {
    ctx.fail(written.error());
    return ctx.exit_code;
  }
  if (!revoked) {
    ctx.fail(revoked.error());
    return ctx.exit_code;
  }
  if (!ctx.quiet) {
    std::cerr << "logged out of " << name << "\n";
  }
  return k_exit_ok;
}

int
run_context_list(Context& ctx)
{
  auto contexts = load_contexts();
  if (!contexts) {
    ctx.fail(contexts.error());
    return ctx.exit_code;
  }
  auto doc = nlohmann::json::array();
  output::Table table{ { "", "NAME", "SERVER", "USER", "PROJECT" }, {} };
  doc.push_back({ { "name", k_local_context },
                  { "server", "" },
                  { "user", "" },
                  { "project", "" },
                  { "current", contexts->current.empty() } });
  table.rows.push_back({ contexts->current.empty() ? "*" : "", k_local_context,
                         "(UNIX socket)", "-", "-" });
  for (const auto& c : contexts->contexts) {
    const bool current = c.name == contexts->current;
    doc.push_back({ { "name", c.name },
                    { "server", c.server },
                    { "user", c.user },
                    { "project", c.project },
                    { "current", current } });
    table.rows.push_back({ current ? "*" : "", c.name, c.server, c.user,
                           c.project.empty() ? "-" : c.project });
  }
  output::emit(ctx, doc, [&](std::ostream& out) {
    output::print_table(out, table, ctx.color());
  });
  return k_exit_ok;
}

int
run_context_change(Context& ctx, const std::string& name, bool remove)
{
  auto contexts = load_contexts();
  if (!contexts) {
    ctx.fail(contexts.error());
    return ctx.exit_code;
  }
  if (name == k_local_context && !remove) {
    contexts->current.clear();
  } else if (contexts->find(name) == nullptr) {
    std::vector<std::string> names{ k_local_context };
    for (const auto& c : contexts->contexts) {
      names.push_back(c.name);
    }
    ctx.fail({ ErrorCode::not_found,
               fmt::format("no context \"{}\"", name)
                 + domain::did_you_mean(name, names) });
    return ctx.exit_code;
  } else if (remove) {
    // As logout: the daemon revokes the token first, when it can be told.
    if (auto revoked = revoke_token(ctx, *contexts->find(name)); !revoked) {
      std::cerr << "ryax: warning: the token of context " << name
                << " was not revoked (" << revoked.error().message
                << "): it stays valid until it expires\n";
    }
    std::erase_if(contexts->contexts,
                  [&](const auto& c) { return c.name == name; });
    if (contexts->current == name) {
      contexts->current.clear();
    }
  } else {
    contexts->current = name;
  }
  if (auto written = save_contexts(*contexts); !written) {
    ctx.fail(written.error());
    return ctx.exit_code;
  }
  if (!ctx.quiet) {
    std::cerr << (remove ? "removed context " : "current context: ") << name
              << "\n";
  }
  return k_exit_ok;
}

} // namespace

void
register_login_commands(CLI::App& app, Context& ctx)
{
  auto options = std::make_shared<LoginOptions>();
  auto* login = app.add_subcommand(
    "login", "Log in to a remote ryaxd over TLS and make it the current "
             "context");
  login->add_option("server", options->server,
                    "https://HOST:PORT (or HOST:PORT) of ryaxd --listen")
    ->required();
  login->add_option("--user", options->user, "Your user name")->required();
  login->add_flag("--password-stdin", options->password_stdin,
                  "Read the password from standard input");
  login->add_option("--context", options->context,
                    "Name of the context (default USER@HOST:PORT)");
  login->add_flag("--insecure-skip-verify", options->insecure_skip_verify,
                  "Trust the CA the server shows without asking (unsafe "
                  "unless you compared its fingerprint)");
  login->callback(
    [&ctx, options] { ctx.exit_code = run_login(ctx, *options); });

  app.add_subcommand("logout", "End the session of the current context and "
                               "forget it")
    ->callback([&ctx] { ctx.exit_code = run_logout(ctx); });

  auto name = std::make_shared<std::string>();
  auto* context = app.add_subcommand(
    "context", "List, choose and remove the daemons you logged in to");
  context->require_subcommand(1);
  context->add_subcommand("list", "List contexts; * marks the current one")
    ->callback([&ctx] { ctx.exit_code = run_context_list(ctx); });
  auto* use = context->add_subcommand(
    "use", "Make a context current (\"local\" for the local daemon)");
  use->add_option("name", *name, "Context name")->required();
  use->callback(
    [&ctx, name] { ctx.exit_code = run_context_change(ctx, *name, false); });
  auto* rm = context->add_subcommand(
    "rm", "Forget a context, its token revoked first (as logout does) when "
          "its daemon answers");
  rm->add_option("name", *name, "Context name")->required();
  rm->callback(
    [&ctx, name] { ctx.exit_code = run_context_change(ctx, *name, true); });
}

} // namespace ryax::cli
