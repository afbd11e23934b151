#include "wrapper/connection.hpp"

#include "core/infrastructure/wrapper/wrapper_protocol.hpp"

#include <sys/socket.h>

#include <exception>
#include <iostream>

namespace ryax::wrapper {

namespace {

using infra::wrapper::failure_event;

void
fill(v1::ExecutionError& out, const ErrorInfo& error)
{
  out.set_kind(error.kind);
  out.set_message(error.message);
  out.set_code(error.code);
  out.set_traceback(error.traceback);
}

void
fill(v1::UserLogLine& out, std::string_view stream, const std::string& line, std::int64_t ts)
{
  out.set_stream(std::string(stream));
  out.set_line(line);
  out.set_timestamp_unix_ns(ts);
}

const char*
request_name(const v1::WrapperRequest& request)
{
  switch (request.request_case()) {
    case v1::WrapperRequest::kInitialize:
      return "initialize";
    case v1::WrapperRequest::kExecute:
      return "execute";
    case v1::WrapperRequest::kCancel:
      return "cancel";
    case v1::WrapperRequest::kRunSource:
      return "run_source";
    case v1::WrapperRequest::kHealth:
      return "health";
    case v1::WrapperRequest::kSourceAck:
      return "source_ack";
    default:
      return "an empty request";
  }
}

} // namespace

Connection::Connection(Executor& executor, int fd, std::chrono::milliseconds send_timeout)
  : m_executor(executor), m_socket(fd)
{
  m_socket.set_send_timeout(send_timeout);
}

void
Connection::serve()
{
  try {
    v1::WrapperRequest request;
    while (!m_broken) {
      auto received = m_socket.receive(request, std::nullopt);
      if (!received) {
        if (received.error().code == ErrorCode::invalid_argument) {
          std::cerr << "ryax-wrapper: closing a connection: " << received.error().message << "\n";
          send_failure(0, received.error());
        }
        break;
      }
      dispatch(request);
    }
  } catch (const std::exception& e) {
    // Out of memory while buffering a frame, for instance: this connection
    // ends, the wrapper does not.
    std::cerr << "ryax-wrapper: closing a connection: " << e.what() << "\n";
  }
  // The client sees the end now; the descriptor is closed with the object.
  ::shutdown(m_socket.fd(), SHUT_RDWR);
}

void
Connection::dispatch(const v1::WrapperRequest& request)
{
  const auto id = request.request_id();
  try {
    switch (request.request_case()) {
      case v1::WrapperRequest::kInitialize:
        return initialize(id, request.initialize());
      case v1::WrapperRequest::kExecute:
        return execute(id, request.execute());
      case v1::WrapperRequest::kCancel:
        return cancel(id, request.cancel());
      case v1::WrapperRequest::kRunSource:
        return run_source(id, request.run_source());
      case v1::WrapperRequest::kHealth:
        return health(id);
      case v1::WrapperRequest::kSourceAck:
        return; // its source ended already: nobody waits for it
      default:
        return send_failure(id, {ErrorCode::invalid_argument, "request " + std::to_string(id)
                                                                + ": no request set (a newer client?)"});
    }
  } catch (const std::exception& e) {
    std::cerr << "ryax-wrapper: " << request_name(request) << ": internal error: " << e.what() << "\n";
    m_running = 0;
    send_failure(id, {ErrorCode::internal, std::string(request_name(request)) + ": " + e.what()});
  }
}

void
Connection::initialize(std::uint64_t id, const v1::InitializeRequest& request)
{
  Settings settings;
  settings.action_dir = request.action_dir();
  settings.interpreter = request.interpreter();
  settings.action_json = request.action_json();
  settings.work_root = request.work_root();
  settings.time_limit_seconds = request.time_limit_seconds();
  settings.memory_limit_bytes = request.memory_limit_bytes();
  settings.cpu_quota = request.cpu_quota();
  if (request.has_sandbox()) {
    const auto& sandbox = request.sandbox();
    settings.sandbox.bwrap = sandbox.bwrap();
    settings.sandbox.network = sandbox.network();
    settings.sandbox.hide.assign(sandbox.hide().begin(), sandbox.hide().end());
    settings.sandbox.read_only.assign(sandbox.read_only().begin(), sandbox.read_only().end());
    settings.sandbox.writable.assign(sandbox.writable().begin(), sandbox.writable().end());
  }
  auto info = m_executor.initialize(settings);
  if (!info) {
    return send_failure(id, info.error());
  }
  std::cerr << "ryax-wrapper: runtime " << info->runtime_pid << " ready (limits: "
            << info->limit_mechanism << ")\n";
  v1::WrapperEvent event;
  event.set_request_id(id);
  auto* reply = event.mutable_initialized();
  reply->set_runtime_pid(info->runtime_pid);
  reply->set_limit_mechanism(info->limit_mechanism);
  reply->set_runtime_version(info->runtime_version);
  send(event);
}

void
Connection::execute(std::uint64_t id, const v1::ExecuteRequest& request)
{
  Sink sink;
  sink.on_log = [&](std::string_view stream, const std::string& line, std::int64_t ts) {
    m_event.Clear();
    m_event.set_request_id(id);
    fill(*m_event.mutable_execute()->mutable_log(), stream, line, ts);
    queue(m_event);
  };
  sink.caller_fd = m_socket.fd();
  sink.on_caller = [this](bool readable) { return on_caller(readable); };
  sink.before_wait = [this] { flush(); };
  m_running = id;
  auto outcome = m_executor.execute(request.execution_id(), request.inputs_json(), sink);
  m_running = 0;
  if (!outcome) {
    return send_failure(id, outcome.error());
  }
  v1::WrapperEvent last;
  last.set_request_id(id);
  auto* final_event = last.mutable_execute();
  final_event->set_handler_duration_ns(outcome->handler_duration_ns);
  if (outcome->error) {
    fill(*final_event->mutable_error(), *outcome->error);
  } else {
    final_event->mutable_outputs()->set_outputs_json(outcome->outputs_json.value_or("[]"));
    final_event->mutable_outputs()->set_fan_out(outcome->fan_out);
  }
  if (last.ByteSizeLong() > infra::wrapper::k_max_frame_bytes) {
    fill(*final_event->mutable_error(),
         {"invalid_output",
          "the outputs take " + std::to_string(outcome->outputs_json.value_or("").size())
            + " bytes, more than the limit of " + std::to_string(infra::wrapper::k_max_frame_bytes),
          0, ""});
  }
  send(last);
}

void
Connection::run_source(std::uint64_t id, const v1::RunSourceRequest& request)
{
  Sink sink;
  sink.on_log = [&](std::string_view stream, const std::string& line, std::int64_t ts) {
    m_event.Clear();
    m_event.set_request_id(id);
    fill(*m_event.mutable_source()->mutable_log(), stream, line, ts);
    queue(m_event);
  };
  sink.on_source_event = [&](const nlohmann::json& frame) {
    v1::WrapperEvent event;
    event.set_request_id(id);
    if (frame.value("ev", "") == "run") {
      auto* run = event.mutable_source()->mutable_run();
      run->set_data_json(frame.value("data", nlohmann::json::object()).dump());
      run->set_running_time(frame.value("running_time", 0.0));
      run->set_status(frame.value("status", 1));
      run->set_sequence(frame.value("seq", std::uint64_t{0}));
    } else {
      auto* run_error = event.mutable_source()->mutable_run_error();
      run_error->set_message(frame.value("message", ""));
      run_error->set_sequence(frame.value("seq", std::uint64_t{0}));
    }
    send(event);
  };
  sink.caller_fd = m_socket.fd();
  sink.on_caller = [this](bool readable) { return on_caller(readable); };
  sink.before_wait = [this] { flush(); };
  m_running = id;
  auto error = m_executor.run_source(request.execution_id(), request.inputs_json(), sink);
  m_running = 0;
  if (!error) {
    return send_failure(id, error.error());
  }
  v1::WrapperEvent last;
  last.set_request_id(id);
  if (*error) {
    fill(*last.mutable_source()->mutable_error(), **error);
  } else {
    last.mutable_source_done();
  }
  send(last);
}

void
Connection::cancel(std::uint64_t id, const v1::CancelExecutionRequest& request)
{
  auto cancelled = m_executor.cancel(request.execution_id());
  if (!cancelled) {
    return send_failure(id, cancelled.error());
  }
  v1::WrapperEvent event;
  event.set_request_id(id);
  event.mutable_cancelled();
  send(event);
}

void
Connection::health(std::uint64_t id)
{
  v1::WrapperEvent event;
  event.set_request_id(id);
  auto* reply = event.mutable_health();
  reply->set_initialized(m_executor.initialized());
  reply->set_runtime_pid(m_executor.runtime_pid());
  reply->set_executions(m_executor.executions());
  send(event);
}

bool
Connection::on_caller(bool readable)
{
  if (readable) {
    if (auto read = m_socket.read_available(); !read) {
      m_broken = true; // the caller went away
      return false;
    }
  }
  v1::WrapperRequest request;
  while (!m_broken) {
    auto next = m_socket.next(request);
    if (!next) {
      std::cerr << "ryax-wrapper: closing a connection: " << next.error().message << "\n";
      send_failure(0, next.error());
      m_broken = true;
      break;
    }
    if (!*next) {
      break;
    }
    const auto id = request.request_id();
    switch (request.request_case()) {
      case v1::WrapperRequest::kCancel:
        cancel(id, request.cancel());
        break;
      case v1::WrapperRequest::kHealth:
        health(id);
        break;
      case v1::WrapperRequest::kSourceAck:
        if (auto acked = m_executor.source_ack(request.source_ack().sequence(),
                                               request.source_ack().run_id(),
                                               request.source_ack().error());
            !acked) {
          std::cerr << "ryax-wrapper: " << acked.error().message << "\n";
        }
        break;
      default:
        send_failure(id, {ErrorCode::failed_precondition,
                          std::string(request_name(request)) + " (request " + std::to_string(id)
                            + "): request " + std::to_string(m_running)
                            + " still runs on this connection"});
        break;
    }
  }
  return !m_broken;
}

void
Connection::send(const v1::WrapperEvent& event)
{
  if (m_broken) {
    return;
  }
  if (auto sent = m_socket.send(event); !sent) {
    std::cerr << "ryax-wrapper: closing a connection: " << sent.error().message << "\n";
    m_broken = true;
  }
}

void
Connection::queue(const v1::WrapperEvent& event)
{
  if (m_broken) {
    return;
  }
  if (auto queued = m_socket.queue(event); !queued) {
    std::cerr << "ryax-wrapper: closing a connection: " << queued.error().message << "\n";
    m_broken = true;
  }
}

void
Connection::flush()
{
  if (m_broken) {
    return;
  }
  if (auto flushed = m_socket.flush(); !flushed) {
    std::cerr << "ryax-wrapper: closing a connection: " << flushed.error().message << "\n";
    m_broken = true;
  }
}

void
Connection::send_failure(std::uint64_t id, const Error& error)
{
  send(failure_event(id, error));
}

} // namespace ryax::wrapper
