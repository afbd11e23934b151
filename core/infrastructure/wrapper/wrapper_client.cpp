#include "core/infrastructure/wrapper/wrapper_client.hpp"

#include "core/infrastructure/rpc/status.hpp"

#include "core/infrastructure/json/action_json.hpp"

#include "ryax/v1/wrapper.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace fs = std::filesystem;

namespace ryax::infra::wrapper {

namespace {

// The error a failed call stands for, prefixed with what was being done.
Error
from_status(const grpc::Status& status, const std::string& what)
{
  auto error = rpc::from_grpc_status(status);
  error.message = what + ": " + error.message;
  return error;
}

app::LogLine
to_domain(const v1::UserLogLine& log)
{
  return {log.stream() == "stderr" ? app::LogStream::err : app::LogStream::out, log.line(),
          log.timestamp_unix_ns()};
}

app::ExecutionError
to_domain(const v1::ExecutionError& error)
{
  return {app::parse_execution_error_kind(error.kind()).value_or(app::ExecutionErrorKind::user_exception),
          error.message(), error.code(), error.traceback()};
}

std::string
tail(const std::string& path, std::size_t max_bytes = 2000)
{
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto text = buffer.str();
  if (text.size() > max_bytes) {
    text = "..." + text.substr(text.size() - max_bytes);
  }
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text;
}

bool
is_executable(const fs::path& path)
{
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

} // namespace

Result<std::string>
find_wrapper_binary()
{
  std::error_code ec;
  const auto beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / "ryax-wrapper";
  if (!ec && is_executable(beside)) {
    return beside.string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && is_executable(fs::path(dir) / "ryax-wrapper")) {
        return (fs::path(dir) / "ryax-wrapper").string();
      }
    }
  }
  return fail(ErrorCode::not_found, "cannot find ryax-wrapper beside " + beside.parent_path().string()
                                      + " or on PATH");
}

struct WrapperClient::Impl
{
  pid_t pid = -1;
  std::string socket;
  std::string log;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::WrapperService::Stub> stub;

  // Whether the process has exited (reaped here).
  bool exited()
  {
    int status = 0;
    if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
    }
    return pid < 0;
  }

  ~Impl()
  {
    if (pid <= 0) {
      return;
    }
    // Close the connection first: the server's shutdown waits for it.
    stub.reset();
    channel.reset();
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 500 && !exited(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

WrapperClient::WrapperClient(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

WrapperClient::~WrapperClient() = default;

std::string
WrapperClient::log_path() const
{
  return m_impl->log;
}

Result<std::unique_ptr<WrapperClient>>
WrapperClient::start(const WrapperSettings& settings)
{
  std::string binary = settings.wrapper_binary;
  if (binary.empty()) {
    RYAX_TRY_ASSIGN(binary, find_wrapper_binary());
  }
  auto impl = std::make_unique<Impl>();
  impl->socket = (fs::path(settings.run_dir) / "wrapper.sock").string();
  impl->log = (fs::path(settings.run_dir) / "wrapper.log").string();
  if (impl->socket.size() > 107) {
    return fail(ErrorCode::invalid_argument, "socket path \"" + impl->socket + "\" is too long");
  }
  std::error_code ec;
  fs::create_directories(settings.run_dir, ec);
  fs::remove(impl->socket, ec);

  std::vector<std::string> args = {binary, "--socket", impl->socket};
  if (!settings.runtime_dir.empty()) {
    args.insert(args.end(), {"--runtime-dir", settings.runtime_dir});
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, impl->log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  const int rc = ::posix_spawn(&impl->pid, binary.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    impl->pid = -1;
    return fail(ErrorCode::unavailable, "cannot start " + binary + ": " + std::strerror(rc));
  }

  const auto deadline = std::chrono::system_clock::now() + settings.start_timeout;
  while (!fs::exists(impl->socket, ec)) {
    if (impl->exited() || std::chrono::system_clock::now() > deadline) {
      return fail(ErrorCode::unavailable, "ryax-wrapper did not start: " + tail(impl->log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  impl->channel = grpc::CreateChannel("unix:" + impl->socket, grpc::InsecureChannelCredentials());
  if (!impl->channel->WaitForConnected(deadline)) {
    return fail(ErrorCode::unavailable, "ryax-wrapper does not answer on " + impl->socket);
  }
  impl->stub = v1::WrapperService::NewStub(impl->channel);

  v1::InitializeRequest request;
  request.set_action_dir(fs::absolute(settings.action_dir).string());
  request.set_interpreter(settings.interpreter);
  request.set_action_json(json::to_json(settings.metadata).dump());
  request.set_work_root(fs::absolute(settings.work_root).string());
  request.set_time_limit_seconds(settings.time_limit_seconds);
  request.set_memory_limit_bytes(settings.memory_limit_bytes);
  request.set_cpu_quota(settings.cpu_quota);
  v1::InitializeReply reply;
  grpc::ClientContext context;
  context.set_deadline(deadline);
  const auto status = impl->stub->Initialize(&context, request, &reply);
  if (!status.ok()) {
    return std::unexpected(from_status(status, "ryax-wrapper Initialize"));
  }
  std::unique_ptr<WrapperClient> client(new WrapperClient(std::move(impl)));
  client->m_info.wrapper_pid = client->m_impl->pid;
  client->m_info.runtime_pid = reply.runtime_pid();
  client->m_info.limit_mechanism = reply.limit_mechanism();
  client->m_info.runtime_version = reply.runtime_version();
  return client;
}

Result<app::ExecutionResult>
WrapperClient::execute(const std::string& execution_id, const std::string& inputs_json,
                       const app::LogCallback& on_log)
{
  v1::ExecuteRequest request;
  request.set_execution_id(execution_id);
  request.set_inputs_json(inputs_json);
  grpc::ClientContext context;
  auto reader = m_impl->stub->Execute(&context, request);
  v1::ExecuteEvent event;
  app::ExecutionResult result;
  bool final = false;
  while (reader->Read(&event)) {
    if (event.has_log()) {
      if (on_log) {
        on_log(to_domain(event.log()));
      }
      continue;
    }
    final = true;
    result.handler_duration_ns = event.handler_duration_ns();
    if (event.has_error()) {
      result.error = to_domain(event.error());
    } else {
      result.outputs_json = event.outputs().outputs_json();
      result.fan_out = event.outputs().fan_out();
    }
  }
  const auto status = reader->Finish();
  if (!status.ok()) {
    return std::unexpected(from_status(status, "execution \"" + execution_id + "\""));
  }
  if (!final) {
    return fail(ErrorCode::internal, "execution \"" + execution_id + "\": the wrapper sent no result");
  }
  return result;
}

Result<void>
WrapperClient::cancel(const std::string& execution_id)
{
  v1::CancelExecutionRequest request;
  request.set_execution_id(execution_id);
  v1::CancelExecutionReply reply;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const auto status = m_impl->stub->Cancel(&context, request, &reply);
  if (!status.ok()) {
    return std::unexpected(from_status(status, "cancel \"" + execution_id + "\""));
  }
  return {};
}

Result<std::optional<app::ExecutionError>>
WrapperClient::run_source(const std::string& execution_id, const std::string& inputs_json,
                          const app::SourceRunCallback& on_run, const app::LogCallback& on_log)
{
  v1::RunSourceRequest request;
  request.set_execution_id(execution_id);
  request.set_inputs_json(inputs_json);
  grpc::ClientContext context;
  auto reader = m_impl->stub->RunSource(&context, request);
  v1::SourceEvent event;
  std::optional<app::ExecutionError> error;
  while (reader->Read(&event)) {
    if (event.has_log()) {
      if (on_log) {
        on_log(to_domain(event.log()));
      }
    } else if (event.has_run()) {
      if (on_run) {
        on_run({false, event.run().data_json(), event.run().running_time(), event.run().status()});
      }
    } else if (event.has_run_error()) {
      if (on_run) {
        on_run({true, "{}", 0, 2});
      }
    } else if (event.has_error()) {
      error = to_domain(event.error());
    }
  }
  const auto status = reader->Finish();
  if (!status.ok()) {
    return std::unexpected(from_status(status, "source \"" + execution_id + "\""));
  }
  return error;
}

} // namespace ryax::infra::wrapper
