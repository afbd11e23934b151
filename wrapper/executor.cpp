#include "wrapper/executor.hpp"

#include "core/infrastructure/json/action_json.hpp"
#include "core/infrastructure/process/child_environment.hpp"
#include "core/infrastructure/wrapper/frame_codec.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace ryax::wrapper {

namespace {

constexpr auto k_start_timeout = std::chrono::seconds(120);
constexpr auto k_poll_slice = std::chrono::milliseconds(100);

std::int64_t
now_unix_ns()
{
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

bool
valid_execution_id(const std::string& id)
{
  if (id.empty() || id.size() > 128 || id == "." || id == "..") {
    return false;
  }
  for (const char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// The language runtime's whole environment: user_code_environment() of the
// wrapper's own (HOME the replica's work root until an execution sets it to
// its directory), and where the runtime and the action's modules are. No
// PYTHONPATH or NODE_PATH of ours reaches the action.
std::vector<std::string>
runtime_environment(const std::string& python_path, const std::string& action_dir,
                    const std::string& home)
{
  auto env = infra::process::user_code_environment(infra::process::current_environment_map(), home);
  env["PYTHONPATH"] = python_path + ":" + action_dir;
  // Lines reach the wrapper as they are printed, not when a buffer fills.
  env["PYTHONUNBUFFERED"] = "1";
  env["NODE_PATH"] = action_dir + "/node_modules";
  return infra::process::to_environ_strings(env);
}

// The most a step's outputs may take as JSON: a frame, less its envelope.
constexpr std::size_t k_max_output_bytes = infra::wrapper::k_max_frame_bytes - (1u << 20);

ErrorInfo
error_from_frame(const json& frame, const std::vector<std::string>& secrets)
{
  ErrorInfo error;
  error.kind = frame.value("kind", "user_exception");
  error.message = infra::wrapper::mask_secrets(frame.value("message", ""), secrets);
  error.code = frame.value("code", std::int64_t{0});
  error.traceback = infra::wrapper::mask_secrets(frame.value("traceback", ""), secrets);
  return error;
}

} // namespace

Executor::Executor(std::string runtime_dir)
  : m_runtime_dir(std::move(runtime_dir)), m_wake_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
}

Executor::~Executor()
{
  m_process.reset();
  m_limits.reset();
  if (m_wake_fd >= 0) {
    ::close(m_wake_fd);
  }
}

Result<InitInfo>
Executor::initialize(const Settings& settings)
{
  std::lock_guard lock(m_execution_mutex);
  if (m_initialized) {
    return fail(ErrorCode::failed_precondition, "the wrapper is already initialised");
  }
  auto doc = json::parse(settings.action_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorCode::invalid_argument, "action_json: not a JSON object");
  }
  RYAX_TRY_ASSIGN(m_metadata, infra::json::metadata_from_json(doc));
  if (m_metadata.type != domain::ActionType::python3
      && m_metadata.type != domain::ActionType::python3_cuda
      && m_metadata.type != domain::ActionType::nodejs) {
    return fail(ErrorCode::invalid_argument,
                "action type \"" + std::string(domain::to_string(m_metadata.type))
                  + "\" has no runtime in ryax-wrapper");
  }
  std::error_code ec;
  if (!fs::is_directory(settings.action_dir, ec)) {
    return fail(ErrorCode::invalid_argument,
                "action_dir \"" + settings.action_dir + "\" is not a directory");
  }
  if (::access(settings.interpreter.c_str(), X_OK) != 0) {
    return fail(ErrorCode::invalid_argument,
                "interpreter \"" + settings.interpreter + "\" is not executable");
  }
  RYAX_TRY(m_dirs.open(settings.work_root));
  m_settings = settings;
  m_password_inputs.clear();
  for (const auto& spec : m_metadata.inputs) {
    if (spec.type == domain::IoType::password) {
      m_password_inputs.push_back(spec.name);
    }
  }
  m_action_doc = std::move(doc);
  m_limits = infra::wrapper::ResourceLimits::create(
    {settings.memory_limit_bytes, settings.cpu_quota},
    "ryax-wrapper-" + std::to_string(::getpid()),
    infra::wrapper::CgroupEnvironment::from_proc());
  for (const auto& note : m_limits->notes()) {
    std::cerr << "ryax-wrapper: " << note << "\n";
  }
  RYAX_TRY_ASSIGN(auto version, start_runtime());
  m_initialized = true;
  return InitInfo{m_runtime_pid, std::string(to_string(m_limits->mechanism())), version};
}

Result<std::string>
Executor::start_runtime()
{
  m_process.reset();
  m_runtime_pid = 0;
  m_stdout_lines = {};
  m_stderr_lines = {};
  m_stdout_open = true;
  m_stderr_open = true;

  RuntimeCommand command;
  // The runtime's files are shown too (they may be where it hides: /tmp).
  auto sandbox = m_settings.sandbox;
  sandbox.read_only.push_back(m_runtime_dir);
  command.argv = sandbox_argv(sandbox, m_settings.work_root);
  command.exit_code_holds_signal = !command.argv.empty();
  if (m_metadata.type == domain::ActionType::nodejs) {
    command.argv.insert(command.argv.end(),
                        {m_settings.interpreter, m_runtime_dir + "/node/runtime.js", "--fd", "3"});
  } else {
    command.argv.insert(command.argv.end(),
                        {m_settings.interpreter, "-m", "ryax_wrapper.runtime", "--fd", "3"});
  }
  command.env = runtime_environment(m_runtime_dir + "/python", m_settings.action_dir,
                                    m_settings.work_root);
  command.cwd = m_settings.action_dir;
  command.cgroup_procs_files = m_limits->procs_files();
  command.address_space_limit = m_limits->address_space_limit();
  RYAX_TRY_ASSIGN(m_process, RuntimeProcess::start(command));

  json init = {{"op", "init"}, {"action_dir", m_settings.action_dir}, {"action", m_action_doc}};
  if (!m_process->send(infra::wrapper::encode_frame(init.dump()))) {
    m_process.reset();
    return fail(ErrorCode::internal, "the runtime exited before it was initialised");
  }
  // Import-time output goes to the wrapper's own log.
  Sink sink;
  sink.on_log = [](std::string_view stream, const std::string& line, std::int64_t) {
    std::cerr << "ryax-wrapper: runtime " << stream << ": " << line << "\n";
  };
  const auto result = pump(std::chrono::steady_clock::now() + k_start_timeout, sink, {});
  if (result.end != PumpEnd::final_frame) {
    m_process->kill();
    const auto status = m_process->wait(std::chrono::seconds(5));
    m_process.reset();
    return fail(ErrorCode::internal, "the runtime " + (status ? describe(*status) : std::string("did not start"))
                                       + " while importing the action");
  }
  if (result.frame.value("ev", "") != "ready") {
    m_process.reset();
    return fail(ErrorCode::failed_precondition,
                "the action's code does not load: " + result.frame.value("message", "")
                  + "\n" + result.frame.value("traceback", ""));
  }
  m_runtime_pid = m_process->pid();
  return result.frame.value("version", "");
}

void
Executor::drain_pipes(const Sink& sink, const std::vector<std::string>& secrets, bool flush,
                      bool read)
{
  char buffer[65536];
  const std::pair<int, std::string_view> pipes[] = {{m_process->stdout_fd(), "stdout"},
                                                    {m_process->stderr_fd(), "stderr"}};
  for (const auto& [fd, stream] : pipes) {
    auto& lines = stream == "stdout" ? m_stdout_lines : m_stderr_lines;
    auto& open = stream == "stdout" ? m_stdout_open : m_stderr_open;
    while (read && open) {
      const auto n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n == 0) {
        open = false;
      }
      if (n <= 0) {
        break;
      }
      const auto now = now_unix_ns();
      for (auto& line : lines.feed({buffer, static_cast<std::size_t>(n)})) {
        sink.on_log(stream, infra::wrapper::mask_secrets(std::move(line), secrets), now);
      }
    }
    if (flush) {
      if (auto rest = lines.flush()) {
        sink.on_log(stream, infra::wrapper::mask_secrets(std::move(*rest), secrets), now_unix_ns());
      }
    }
  }
}

Executor::PumpResult
Executor::pump(std::optional<std::chrono::steady_clock::time_point> deadline,
               const Sink& sink, const std::vector<std::string>& secrets)
{
  infra::wrapper::FrameDecoder decoder;
  char buffer[65536];
  if (sink.on_caller && !sink.on_caller(false)) {
    drain_pipes(sink, secrets, true);
    return {PumpEnd::cancelled, {}};
  }
  while (true) {
    auto slice = k_poll_slice;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        drain_pipes(sink, secrets, true);
        return {PumpEnd::timeout, {}};
      }
      slice = std::min(slice, left);
    }
    if (sink.before_wait) {
      sink.before_wait();
    }
    pollfd fds[5] = {{m_process->control_fd(), POLLIN, 0},
                     {m_stdout_open ? m_process->stdout_fd() : -1, POLLIN, 0},
                     {m_stderr_open ? m_process->stderr_fd() : -1, POLLIN, 0},
                     {m_wake_fd, POLLIN, 0},
                     {sink.caller_fd, POLLIN, 0}};
    const int ready = ::poll(fds, 5, static_cast<int>(slice.count()));
    if (ready < 0 && errno != EINTR) {
      return {PumpEnd::crashed, {}};
    }
    if ((fds[1].revents | fds[2].revents) != 0) {
      drain_pipes(sink, secrets, false);
    }
    if (fds[0].revents != 0) {
      const auto n = ::recv(m_process->control_fd(), buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drain_pipes(sink, secrets, true);
        return {PumpEnd::crashed, {}};
      }
      if (n > 0) {
        decoder.feed(buffer, static_cast<std::size_t>(n));
      }
      while (true) {
        auto payload = decoder.next();
        if (!payload) {
          drain_pipes(sink, secrets, false);
          return {PumpEnd::too_large, {}};
        }
        if (!payload->has_value()) {
          break;
        }
        auto frame = json::parse(**payload, nullptr, false);
        const auto ev = frame.is_object() ? frame.value("ev", "") : "";
        if (ev == "run" || ev == "run_error") {
          // Logs printed before create_run come first.
          drain_pipes(sink, secrets, false);
          if (sink.on_source_event) {
            sink.on_source_event(frame);
          }
          continue;
        }
        if (ev.empty()) {
          drain_pipes(sink, secrets, true);
          return {PumpEnd::crashed, {}};
        }
        // The runtime writes its output before its reply, and poll() looks
        // at the pipes after the control socket: what came before the reply
        // was read above in this round. Only unterminated lines are left.
        drain_pipes(sink, secrets, true, false);
        return {PumpEnd::final_frame, std::move(frame)};
      }
    }
    // The caller's frames are read before the cancel flag is looked at: a
    // cancel among them takes effect in this round.
    if (sink.on_caller && !sink.on_caller(fds[4].revents != 0)) {
      drain_pipes(sink, secrets, true);
      return {PumpEnd::cancelled, {}};
    }
    if (fds[3].revents != 0) {
      std::uint64_t value = 0;
      [[maybe_unused]] auto r = ::read(m_wake_fd, &value, sizeof(value));
    }
    {
      std::lock_guard lock(m_state_mutex);
      if (m_cancel) {
        drain_pipes(sink, secrets, true);
        return {PumpEnd::cancelled, {}};
      }
    }
  }
}

ErrorInfo
Executor::end_abnormally(PumpEnd end, std::int64_t oom_before)
{
  ErrorInfo error;
  if (end == PumpEnd::timeout || end == PumpEnd::cancelled || end == PumpEnd::too_large) {
    m_process->kill();
  }
  auto status = m_process->wait(std::chrono::seconds(2));
  if (!status) {
    m_process->kill();
    status = m_process->wait(std::chrono::seconds(10));
  }
  if (end == PumpEnd::timeout) {
    error.kind = "timeout";
    error.message = "the execution exceeded its time limit of "
                    + std::to_string(m_settings.time_limit_seconds) + " s";
  } else if (end == PumpEnd::cancelled) {
    error.kind = "cancelled";
    error.message = "the execution was cancelled";
  } else if (end == PumpEnd::too_large) {
    error.kind = "invalid_output";
    error.message = "the outputs are larger than the "
                    + std::to_string(k_max_output_bytes >> 20)
                    + " MiB a step's values may hold: return large data as a file output";
  } else {
    const auto oom_after = m_limits->oom_kills();
    const bool cgroup = m_limits->mechanism() == infra::wrapper::LimitMechanism::cgroup_v1
                        || m_limits->mechanism() == infra::wrapper::LimitMechanism::cgroup_v2;
    const bool killed = status && status->signal == SIGKILL;
    if ((oom_after >= 0 && oom_after > oom_before)
        || (oom_after < 0 && cgroup && m_settings.memory_limit_bytes > 0 && killed)) {
      error.kind = "memory_limit_exceeded";
      error.message = "the runtime was killed for exceeding its memory limit of "
                      + std::to_string(m_settings.memory_limit_bytes) + " bytes";
    } else {
      error.kind = "runtime_crashed";
      error.message = "the runtime " + (status ? describe(*status) : std::string("stopped answering"))
                      + " during the execution";
    }
  }
  // The next execution gets a fresh runtime; a failure to restart is
  // reported by that execution. A cancel must not hit the restart.
  {
    std::lock_guard lock(m_state_mutex);
    m_running_id.clear();
    m_cancel = false;
  }
  if (m_stopping) {
    m_process.reset();
    m_runtime_pid = 0;
  } else if (auto restarted = start_runtime(); !restarted) {
    std::cerr << "ryax-wrapper: cannot restart the runtime: " << restarted.error().message << "\n";
  }
  return error;
}

Result<void>
Executor::check_request(const std::string& execution_id) const
{
  if (m_stopping) {
    return fail(ErrorCode::unavailable, "the wrapper is stopping");
  }
  if (!m_initialized) {
    return fail(ErrorCode::failed_precondition, "the wrapper is not initialised");
  }
  if (!valid_execution_id(execution_id)) {
    return fail(ErrorCode::invalid_argument,
                "execution id \"" + execution_id + "\": use letters, digits, '-', '_' and '.'");
  }
  return {};
}

std::optional<std::string_view>
Executor::checked_inputs(const std::string& inputs_json, std::vector<std::string>& secrets) const
{
  if (inputs_json.empty()) {
    return std::string_view("{}");
  }
  const auto first = inputs_json.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || inputs_json[first] != '{') {
    return std::nullopt;
  }
  // The text goes to the runtime as it came: checking it is cheaper than
  // parsing it into a document and writing it again.
  if (m_password_inputs.empty()) {
    return json::accept(inputs_json) ? std::optional<std::string_view>(inputs_json) : std::nullopt;
  }
  const auto inputs = json::parse(inputs_json, nullptr, false);
  if (!inputs.is_object()) {
    return std::nullopt;
  }
  for (const auto& name : m_password_inputs) {
    const auto value = inputs.find(name);
    if (value != inputs.end() && value->is_string()) {
      secrets.push_back(value->get<std::string>());
    }
  }
  return inputs_json;
}

std::string
Executor::runtime_request(std::string_view op, std::string_view inputs, const std::string& workdir,
                          const std::string& outdir) const
{
  std::string request = "{\"op\":\"";
  request.append(op);
  request.append("\",\"workdir\":");
  request.append(json(workdir).dump());
  request.append(",\"outdir\":");
  request.append(json(outdir).dump());
  request.append(",\"inputs\":");
  request.append(inputs);
  request.push_back('}');
  return request;
}

void
Executor::begin(const std::string& execution_id)
{
  std::lock_guard lock(m_state_mutex);
  m_running_id = execution_id;
  m_cancel = false;
}

void
Executor::finish()
{
  std::lock_guard lock(m_state_mutex);
  m_running_id.clear();
  m_cancel = false;
  ++m_executions;
}

Result<Outcome>
Executor::execute(const std::string& execution_id, const std::string& inputs_json, const Sink& sink)
{
  std::lock_guard lock(m_execution_mutex);
  if (m_initialized && m_metadata.kind == domain::ActionKind::source) {
    return fail(ErrorCode::failed_precondition, "a source runs with RunSource, not Execute");
  }
  RYAX_TRY(check_request(execution_id));
  Outcome outcome;
  std::vector<std::string> secrets;
  const auto inputs = checked_inputs(inputs_json, secrets);
  if (!inputs) {
    outcome.error = ErrorInfo{"invalid_input", "the inputs are not a JSON object", 0, ""};
    return outcome;
  }
  if (!m_process) {
    if (auto restarted = start_runtime(); !restarted) {
      outcome.error = ErrorInfo{"runtime_crashed", restarted.error().message, 0, ""};
      return outcome;
    }
  }
  std::string workdir;
  std::string outdir;
  RYAX_TRY(m_dirs.prepare(execution_id, workdir, outdir));
  begin(execution_id);
  const auto oom_before = m_limits->oom_kills();
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (m_settings.time_limit_seconds > 0) {
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(m_settings.time_limit_seconds);
  }
  PumpResult result;
  if (m_process->send(infra::wrapper::encode_frame(runtime_request("execute", *inputs, workdir, outdir)))) {
    result = pump(deadline, sink, secrets);
  }
  if (result.end == PumpEnd::final_frame) {
    outcome.handler_duration_ns = result.frame.value("handler_ns", std::int64_t{0});
    if (result.frame.value("ev", "") == "result") {
      outcome.outputs_json = result.frame["outputs"].dump();
      outcome.fan_out = result.frame.value("list", false);
      // The reply to ryaxd is a frame too, with room for its envelope.
      if (const auto size = outcome.outputs_json->size(); size > k_max_output_bytes) {
        outcome.outputs_json.reset();
        outcome.error = ErrorInfo{"invalid_output",
                                  "the outputs take " + std::to_string(size >> 20)
                                    + " MiB, more than the " + std::to_string(k_max_output_bytes >> 20)
                                    + " MiB a step's values may hold: return large data as a file output",
                                  0, ""};
      }
    } else {
      outcome.error = error_from_frame(result.frame, secrets);
    }
  } else {
    outcome.error = end_abnormally(result.end, oom_before);
  }
  m_dirs.recycle(workdir);
  if (outcome.error) {
    m_dirs.discard(outdir);
  }
  finish();
  return outcome;
}

Result<std::optional<ErrorInfo>>
Executor::run_source(const std::string& execution_id, const std::string& inputs_json,
                     const Sink& sink)
{
  std::lock_guard lock(m_execution_mutex);
  if (m_initialized && m_metadata.kind != domain::ActionKind::source) {
    return fail(ErrorCode::failed_precondition, "a processor or publisher runs with Execute");
  }
  const auto id = execution_id.empty() ? std::string("source") : execution_id;
  RYAX_TRY(check_request(id));
  std::vector<std::string> secrets;
  const auto inputs = checked_inputs(inputs_json, secrets);
  if (!inputs) {
    return std::optional<ErrorInfo>{ErrorInfo{"invalid_input", "the inputs are not a JSON object", 0, ""}};
  }
  if (!m_process) {
    if (auto restarted = start_runtime(); !restarted) {
      return std::optional<ErrorInfo>{ErrorInfo{"runtime_crashed", restarted.error().message, 0, ""}};
    }
  }
  std::string workdir;
  std::string outdir;
  RYAX_TRY(m_dirs.prepare(id, workdir, outdir));
  begin(id);
  const auto oom_before = m_limits->oom_kills();
  PumpResult result;
  if (m_process->send(infra::wrapper::encode_frame(runtime_request("source", *inputs, workdir, outdir)))) {
    result = pump(std::nullopt, sink, secrets);
  }
  std::optional<ErrorInfo> error;
  if (result.end == PumpEnd::final_frame) {
    if (result.frame.value("ev", "") != "done") {
      error = error_from_frame(result.frame, secrets);
    }
  } else {
    error = end_abnormally(result.end, oom_before);
  }
  m_dirs.discard(workdir);
  finish();
  return error;
}

Result<void>
Executor::source_ack(std::uint64_t sequence, const std::string& run_id, const std::string& error)
{
  bool running = false;
  {
    std::lock_guard lock(m_state_mutex);
    running = !m_running_id.empty();
  }
  if (!m_process || m_metadata.kind != domain::ActionKind::source || !running) {
    return fail(ErrorCode::failed_precondition, "source_ack: no source runs");
  }
  const json frame = {{"op", "ack"}, {"seq", sequence}, {"run_id", run_id}, {"error", error}};
  if (!m_process->send(infra::wrapper::encode_frame(frame.dump()))) {
    return fail(ErrorCode::unavailable, "source_ack: the runtime cannot be written to");
  }
  return {};
}

Result<void>
Executor::cancel(const std::string& execution_id)
{
  std::lock_guard lock(m_state_mutex);
  if (execution_id.empty() || execution_id != m_running_id) {
    return fail(ErrorCode::not_found, "no execution \"" + execution_id + "\" is running");
  }
  m_cancel = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(m_wake_fd, &one, sizeof(one));
  return {};
}

} // namespace ryax::wrapper
