#include "core/infrastructure/wrapper/wrapper_client.hpp"

#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/json/action_json.hpp"
#include "core/infrastructure/process/child_environment.hpp"
#include "core/infrastructure/process/subprocess.hpp"
#include "core/infrastructure/wrapper/wrapper_channel.hpp"
#include "core/infrastructure/wrapper/wrapper_protocol.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace ryax::infra::wrapper {

namespace {

// How long cancel() waits for the wrapper's answer.
constexpr auto k_cancel_timeout = std::chrono::seconds(10);

// `error` with its message prefixed by what was being done.
Error
prefixed(const Error& error, const std::string& what)
{
  return {error.code, what + ": " + error.message};
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
  auto text = files::read_file(path).value_or("");
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
  pid_t started_pid = -1;
  int status = 0;           // its wait status, once exited
  // The process group of the user's code (health() updates it while an
  // execution runs).
  std::atomic<std::int64_t> runtime_pid{0};
  std::mutex fate_mutex; // fate() may come from two calls at once
  std::string socket;
  std::string log;
  std::unique_ptr<WrapperChannel> channel;

  // Whether the process has exited (reaped here).
  bool exited()
  {
    if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
    }
    return pid < 0;
  }

  // What became of a wrapper whose connection broke: waits up to `patience`
  // for it to exit. The runtime's process group goes too (its leader dies
  // with the wrapper; children the user's code started may not).
  std::string fate(std::chrono::milliseconds patience)
  {
    std::lock_guard lock(fate_mutex);
    for (auto waited = std::chrono::milliseconds(0); !exited() && waited < patience;
         waited += std::chrono::milliseconds(10)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (const auto group = runtime_pid.load(); group > 0) {
      ::kill(-static_cast<pid_t>(group), SIGKILL);
    }
    const auto who = "the ryax-wrapper (pid " + std::to_string(started_pid) + ")";
    if (pid > 0) {
      return who + " stopped answering";
    }
    if (WIFSIGNALED(status)) {
      const int signal = WTERMSIG(status);
      const char* name = signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)"
                         : signal == SIGSEGV ? " (SIGSEGV)" : "";
      return who + " was killed by signal " + std::to_string(signal) + name;
    }
    return who + " exited with status " + std::to_string(WEXITSTATUS(status));
  }

  // The Error of a failed exchange about `what`: a broken connection says
  // what became of the wrapper and where its log is.
  Error failed(const Error& error, const std::string& what)
  {
    if (error.code != ErrorCode::unavailable) {
      return prefixed(error, what);
    }
    return {error.code, what + ": " + fate(std::chrono::seconds(1)) + " ("
                          + error.message + "; ryax-wrapper log: " + log + ")"};
  }

  // Send `request` and wait for its single answer (initialize, cancel,
  // health) until `deadline`.
  Result<v1::WrapperEvent> call(v1::WrapperRequest& request, WrapperChannel::TimePoint deadline)
  {
    RYAX_TRY_ASSIGN(const auto id, channel->send(request));
    auto event = channel->next(id, deadline);
    channel->finish(id);
    return event;
  }

  ~Impl()
  {
    if (pid <= 0) {
      return;
    }
    // Close the connection first: an execution of ours then ends at once.
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

  // --parent-pid: a wrapper started just before this process dies exits
  // instead of staying behind (its death signal is set too late).
  std::vector<std::string> args = {binary, "--socket", impl->socket, "--parent-pid",
                                   std::to_string(::getpid())};
  if (!settings.runtime_dir.empty()) {
    args.insert(args.end(), {"--runtime-dir", settings.runtime_dir});
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  // The wrapper and the user code under it get an environment of their own,
  // never the caller's (keys, tokens, the data dir).
  auto env_strings = process::to_environ_strings(
    process::user_code_environment(process::current_environment_map(),
                                  fs::absolute(settings.run_dir).string()));
  auto envp = process::c_string_array(env_strings);
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
  const int rc = ::posix_spawn(&impl->pid, binary.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    impl->pid = -1;
    return fail(ErrorCode::unavailable, "cannot start " + binary + ": " + std::strerror(rc));
  }
  impl->started_pid = impl->pid;

  // The socket appears once the wrapper listens; connecting is retried
  // until then, or until the wrapper exits.
  const auto deadline = std::chrono::steady_clock::now() + settings.start_timeout;
  auto channel = WrapperChannel::connect_unix(impl->socket, deadline, [&] { return impl->exited(); });
  if (!channel) {
    if (impl->exited()) {
      return fail(ErrorCode::unavailable, "ryax-wrapper did not start: " + tail(impl->log));
    }
    return fail(ErrorCode::unavailable, "ryax-wrapper does not answer: " + channel.error().message);
  }
  impl->channel = std::move(*channel);

  v1::WrapperRequest request;
  auto* init = request.mutable_initialize();
  init->set_action_dir(fs::absolute(settings.action_dir).string());
  init->set_interpreter(settings.interpreter);
  init->set_action_json(json::to_json(settings.metadata).dump());
  init->set_work_root(fs::absolute(settings.work_root).string());
  init->set_time_limit_seconds(settings.time_limit_seconds);
  init->set_memory_limit_bytes(settings.memory_limit_bytes);
  init->set_cpu_quota(settings.cpu_quota);
  if (!settings.sandbox.bwrap.empty()) {
    auto* sandbox = init->mutable_sandbox();
    sandbox->set_bwrap(settings.sandbox.bwrap);
    sandbox->set_network(settings.sandbox.network);
    for (const auto& path : settings.sandbox.hide) {
      sandbox->add_hide(path);
    }
    for (const auto& path : settings.sandbox.read_only) {
      sandbox->add_read_only(path);
    }
    for (const auto& path : settings.sandbox.writable) {
      sandbox->add_writable(path);
    }
  }
  auto reply = impl->call(request, deadline);
  if (!reply) {
    return std::unexpected(impl->failed(reply.error(), "ryax-wrapper initialize"));
  }
  if (reply->has_failure()) {
    return std::unexpected(error_from_failure(reply->failure(), "ryax-wrapper initialize"));
  }
  if (!reply->has_initialized()) {
    return fail(ErrorCode::internal, "ryax-wrapper initialize: unexpected answer");
  }
  std::unique_ptr<WrapperClient> client(new WrapperClient(std::move(impl)));
  client->m_info.wrapper_pid = client->m_impl->pid;
  client->m_info.runtime_pid = reply->initialized().runtime_pid();
  client->m_impl->runtime_pid = client->m_info.runtime_pid;
  client->m_info.limit_mechanism = reply->initialized().limit_mechanism();
  client->m_info.runtime_version = reply->initialized().runtime_version();
  return client;
}

Result<app::ExecutionResult>
WrapperClient::execute(const std::string& execution_id, const std::string& inputs_json,
                       const app::LogCallback& on_log)
{
  const auto what = "execution \"" + execution_id + "\"";
  v1::WrapperRequest request;
  request.mutable_execute()->set_execution_id(execution_id);
  request.mutable_execute()->set_inputs_json(inputs_json);
  auto& channel = *m_impl->channel;
  auto id = channel.send(request);
  if (!id) {
    return std::unexpected(m_impl->failed(id.error(), what));
  }
  while (true) {
    auto event = channel.next(*id, std::nullopt);
    if (!event) {
      channel.finish(*id);
      return std::unexpected(m_impl->failed(event.error(), what));
    }
    if (event->has_execute() && event->execute().has_log()) {
      if (on_log) {
        on_log(to_domain(event->execute().log()));
      }
      continue;
    }
    channel.finish(*id);
    if (event->has_failure()) {
      return std::unexpected(error_from_failure(event->failure(), what));
    }
    if (!event->has_execute()) {
      return fail(ErrorCode::internal, what + ": unexpected answer from ryax-wrapper");
    }
    const auto& last = event->execute();
    app::ExecutionResult result;
    result.handler_duration_ns = last.handler_duration_ns();
    if (last.has_error()) {
      result.error = to_domain(last.error());
    } else if (last.has_outputs()) {
      result.outputs_json = last.outputs().outputs_json();
      result.fan_out = last.outputs().fan_out();
    } else {
      return fail(ErrorCode::internal, what + ": the wrapper sent no result");
    }
    return result;
  }
}

Result<void>
WrapperClient::cancel(const std::string& execution_id)
{
  const auto what = "cancel \"" + execution_id + "\"";
  v1::WrapperRequest request;
  request.mutable_cancel()->set_execution_id(execution_id);
  auto reply = m_impl->call(request, std::chrono::steady_clock::now() + k_cancel_timeout);
  if (!reply) {
    return std::unexpected(m_impl->failed(reply.error(), what));
  }
  if (reply->has_failure()) {
    return std::unexpected(error_from_failure(reply->failure(), what));
  }
  return {};
}

Result<std::optional<app::ExecutionError>>
WrapperClient::run_source(const std::string& execution_id, const std::string& inputs_json,
                          const app::SourceRunCallback& on_run, const app::LogCallback& on_log)
{
  const auto what = "source \"" + execution_id + "\"";
  v1::WrapperRequest request;
  request.mutable_run_source()->set_execution_id(execution_id);
  request.mutable_run_source()->set_inputs_json(inputs_json);
  auto& channel = *m_impl->channel;
  auto id = channel.send(request);
  if (!id) {
    return std::unexpected(m_impl->failed(id.error(), what));
  }
  while (true) {
    auto event = channel.next(*id, std::nullopt);
    if (!event) {
      channel.finish(*id);
      return std::unexpected(m_impl->failed(event.error(), what));
    }
    if (event->has_source() && !event->source().has_error()) {
      const auto& source = event->source();
      if (source.has_log()) {
        if (on_log) {
          on_log(to_domain(source.log()));
        }
      } else if (source.has_run() || source.has_run_error()) {
        app::SourceAck ack;
        std::uint64_t sequence = 0;
        if (source.has_run()) {
          sequence = source.run().sequence();
          if (on_run) {
            ack = on_run({false, source.run().data_json(), source.run().running_time(),
                          source.run().status()});
          }
        } else {
          sequence = source.run_error().sequence();
          if (on_run) {
            ack = on_run({true, "{}", 0, 2});
          }
        }
        // The source waits in create_run for this answer.
        v1::WrapperRequest answer;
        answer.mutable_source_ack()->set_sequence(sequence);
        answer.mutable_source_ack()->set_run_id(ack.run_id);
        answer.mutable_source_ack()->set_error(ack.error);
        if (auto sent = channel.send(answer); sent) {
          channel.finish(*sent); // not answered
        }
      }
      continue;
    }
    channel.finish(*id);
    if (event->has_failure()) {
      return std::unexpected(error_from_failure(event->failure(), what));
    }
    if (event->has_source()) {
      return std::optional<app::ExecutionError>{to_domain(event->source().error())};
    }
    if (event->has_source_done()) {
      return std::optional<app::ExecutionError>{};
    }
    return fail(ErrorCode::internal, what + ": unexpected answer from ryax-wrapper");
  }
}

Result<WrapperHealth>
WrapperClient::health(std::chrono::milliseconds timeout)
{
  v1::WrapperRequest request;
  request.mutable_health();
  auto reply = m_impl->call(request, std::chrono::steady_clock::now() + timeout);
  if (!reply) {
    return std::unexpected(m_impl->failed(reply.error(), "ryax-wrapper health"));
  }
  if (reply->has_failure()) {
    return std::unexpected(error_from_failure(reply->failure(), "ryax-wrapper health"));
  }
  if (!reply->has_health()) {
    return fail(ErrorCode::internal, "ryax-wrapper health: unexpected answer");
  }
  if (reply->health().runtime_pid() > 0) {
    m_impl->runtime_pid = reply->health().runtime_pid();
  }
  return WrapperHealth{reply->health().initialized(), reply->health().runtime_pid(),
                       reply->health().executions()};
}

} // namespace ryax::infra::wrapper
