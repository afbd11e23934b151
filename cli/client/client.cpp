#include "cli/client/client.hpp"

#include "cli/client/contexts.hpp"
#include "cli/client/reachability.hpp"
#include "core/infrastructure/config/paths.hpp"
#include "core/infrastructure/crypto/tls_material.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/rpc/local_identity.hpp"
#include "core/infrastructure/rpc/status.hpp"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>

extern char** environ;

namespace ryax::cli {

namespace {

bool
autostart_allowed(const Context& ctx, const DaemonAddress& address)
{
  if (ctx.no_autostart || address.explicit_address) {
    return false;
  }
  const char* env = std::getenv("RYAX_NO_AUTOSTART");
  return env == nullptr || std::string(env).empty() || std::string(env) == "0";
}

std::string
environment(const char* name)
{
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Who this command is, for every call: $RYAX_TOKEN (a personal access
// token), else on the local socket a token from the identity socket (this
// account's peer credentials); the project of --project, else
// $RYAX_PROJECT. unavailable when the identity socket is not there (no
// daemon); the daemon's refusal for an account that is no user.
Result<infra::rpc::CallCredentials>
credentials(const Context& ctx, const DaemonAddress& address)
{
  infra::rpc::CallCredentials credentials;
  credentials.project =
    ctx.project.empty() ? environment("RYAX_PROJECT") : ctx.project;
  if (credentials.project.empty()) {
    credentials.project = address.project;
  }
  credentials.token = environment("RYAX_TOKEN");
  if (credentials.token.empty()) {
    credentials.token = address.token;
  }
  if (credentials.token.empty() && !address.socket_path.empty()) {
    RYAX_TRY_ASSIGN(credentials.token,
                    infra::rpc::fetch_local_token(
                      infra::rpc::identity_socket_path(address.socket_path)));
  }
  return credentials;
}

std::shared_ptr<grpc::Channel>
make_channel(const DaemonAddress& address,
             const infra::rpc::CallCredentials& credentials)
{
  grpc::ChannelArguments args;
  // Fail fast when nothing listens instead of retrying with back-off.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
  if (!address.server_name.empty()) {
    args.SetSslTargetNameOverride(address.server_name);
  }
  return infra::rpc::channel_with(
    address.target,
    address.socket_path.empty()
      ? grpc::SslCredentials({ address.ca_pem, "", "" })
      : grpc::InsecureChannelCredentials(),
    args,
    credentials);
}

// Whether a daemon is there: open the channel's connection (the HTTP/2
// handshake every first call makes anyway) and wait until it is ready or
// has failed. No RPC: that would cost a round trip on every command.
bool
reaches(const std::shared_ptr<grpc::Channel>& channel,
        std::chrono::milliseconds timeout)
{
  const auto deadline = std::chrono::system_clock::now() + timeout;
  auto state = channel->GetState(true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE
        || state == GRPC_CHANNEL_SHUTDOWN
        || !channel->WaitForStateChange(state, deadline)) {
      return false;
    }
    state = channel->GetState(true);
  }
  return true;
}

std::string
daemon_binary()
{
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto sibling = self.parent_path() / "ryaxd";
    if (std::filesystem::exists(sibling)) {
      return sibling.string();
    }
  }
  return "ryaxd";
}

// The TLS settings for `server` with the CA in `ca_pem`: ryaxd's own CAs
// sign certificates for the name "ryaxd", whatever address reaches it.
void
trust(DaemonAddress& address, std::string ca_pem)
{
  if (infra::crypto::is_ryaxd_ca(ca_pem)) {
    address.server_name = infra::crypto::k_server_name;
  }
  address.ca_pem = std::move(ca_pem);
}

} // namespace

Result<std::string>
read_ca_file(const std::string& path)
{
  RYAX_TRY_ASSIGN(auto pem,
                  infra::files::read_file(path, std::uint64_t{ 1 } << 20));
  if (!infra::crypto::fingerprint(pem)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--ca-file {}: no PEM certificate in it", path));
  }
  return pem;
}

Result<DaemonAddress>
resolve_address(const Context& ctx)
{
  DaemonAddress address;
  std::optional<ContextFile> contexts;
  const SavedContext* context = nullptr;
  if (ctx.socket.empty() && (!ctx.server.empty() || !ctx.ca_file.empty()
                             || environment("RYAX_SOCKET").empty())) {
    RYAX_TRY_ASSIGN(contexts, load_contexts());
    context = !ctx.server.empty() ? contexts->for_server(ctx.server)
                                  : contexts->find(contexts->current);
  }
  if (ctx.socket.empty() && (!ctx.server.empty() || context != nullptr)) {
    address.target = !ctx.server.empty() ? ctx.server : context->server;
    RYAX_TRY(infra::config::split_host_port(address.target));
    address.display = address.target;
    address.explicit_address = true;
    if (!ctx.ca_file.empty()) {
      RYAX_TRY_ASSIGN(auto pem, read_ca_file(ctx.ca_file));
      trust(address, std::move(pem));
    } else if (context != nullptr) {
      trust(address, context->ca_pem);
    }
    if (context != nullptr) {
      address.token = context->token;
      address.project = context->project;
    }
    return address;
  }
  std::string socket = ctx.socket;
  address.explicit_address = !socket.empty();
  if (socket.empty()) {
    const auto env = infra::config::current_environment();
    RYAX_TRY_ASSIGN(const auto data_dir, infra::config::default_data_dir(env));
    socket = infra::config::default_socket_path(env, data_dir);
  }
  address.socket_path = std::filesystem::absolute(socket).string();
  address.target = "unix:" + address.socket_path;
  address.display = address.socket_path;
  return address;
}

Client::Client(DaemonAddress address, std::shared_ptr<grpc::Channel> channel)
  : m_address(std::move(address)), m_channel(std::move(channel))
{
}

Result<Client>
Client::connect_existing(const Context& ctx)
{
  RYAX_TRY_ASSIGN(auto address, resolve_address(ctx));
  if (!address.socket_path.empty()
      && !std::filesystem::exists(address.socket_path)) {
    return std::unexpected(explain_unreachable(address));
  }
  auto identity = credentials(ctx, address);
  if (!identity) {
    if (identity.error().code == ErrorCode::unavailable) {
      return std::unexpected(explain_unreachable(address));
    }
    return std::unexpected(identity.error());
  }
  auto channel = make_channel(address, *identity);
  if (!reaches(channel, std::chrono::seconds(5))) {
    return std::unexpected(explain_unreachable(address));
  }
  return Client(std::move(address), std::move(channel));
}

Result<Client>
Client::connect(const Context& ctx)
{
  auto existing = connect_existing(ctx);
  if (existing || existing.error().code != ErrorCode::unavailable) {
    return existing;
  }
  RYAX_TRY_ASSIGN(auto address, resolve_address(ctx));
  if (!autostart_allowed(ctx, address)) {
    return std::unexpected(explain_unreachable(address));
  }
  RYAX_TRY(spawn_daemon({}, !ctx.progress()));
  RYAX_TRY_ASSIGN(const auto identity, credentials(ctx, address));
  auto channel = make_channel(address, identity);
  if (!reaches(channel, std::chrono::seconds(5))) {
    return fail(ErrorCode::unavailable,
                fmt::format("started ryaxd but it does not answer at {}",
                            address.display));
  }
  return Client(std::move(address), std::move(channel));
}

std::unique_ptr<grpc::ClientContext>
Client::call_context(std::chrono::milliseconds timeout)
{
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

Result<void>
Client::check(const grpc::Status& status) const
{
  if (status.ok()) {
    return {};
  }
  auto error = infra::rpc::from_grpc_status(status);
  if (error.message.empty() && status.error_code() == grpc::StatusCode::INTERNAL
      && !infra::rpc::is_ryax_answer(status)) {
    // gRPC says nothing when protobuf cannot encode the request: a string
    // field (a value, a name, a file's text) that is not UTF-8.
    error = Error{ ErrorCode::invalid_argument,
                   "the request could not be encoded: a text given (a value, "
                   "a name or a file) is not UTF-8" };
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE
      && !infra::rpc::is_ryax_answer(status)) {
    // A transport failure, not an answer of the daemon (which may be
    // unavailable too: a git remote it could not reach).
    error.message = fmt::format("ryaxd is not running at {} ({})",
                                m_address.display, status.error_message());
  }
  return std::unexpected(error);
}

Result<std::string>
spawn_daemon(const std::vector<std::string>& args, bool quiet)
{
  const auto binary = daemon_binary();
  std::vector<std::string> argv_strings{binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  if (!quiet) {
    std::cerr << "ryax: starting ryaxd" << std::endl;
  }
  // ryaxd prints "socket: PATH" on stdout once it serves.
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return fail(ErrorCode::internal, "pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  pid_t pid = 0;
  const int rc =
    ::posix_spawnp(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return fail(ErrorCode::unavailable,
                fmt::format("cannot start \"{}\": {}", binary, std::strerror(rc)));
  }
  std::string printed;
  char buffer[512];
  ssize_t n = 0;
  while ((n = ::read(out[0], buffer, sizeof(buffer))) > 0) {
    printed.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // ryaxd printed its own one-line reason on stderr.
    return fail(ErrorCode::unavailable, "ryaxd failed to start");
  }
  std::string socket;
  if (const auto at = printed.find("socket: "); at != std::string::npos) {
    socket = printed.substr(at + 8);
    socket = socket.substr(0, socket.find('\n'));
  }
  return socket;
}

} // namespace ryax::cli
