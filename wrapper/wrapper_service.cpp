#include "wrapper/wrapper_service.hpp"

#include "core/infrastructure/rpc/status.hpp"

#include <exception>
#include <functional>
#include <iostream>

namespace ryax::wrapper {

namespace {

// Run `body`, mapping its Error (or any exception) to a gRPC status.
grpc::Status
guarded(const char* method, const std::function<Result<void>()>& body)
{
  try {
    auto result = body();
    if (!result) {
      return {infra::rpc::to_grpc_code(result.error().code), result.error().message};
    }
    return grpc::Status::OK;
  } catch (const std::exception& e) {
    std::cerr << "ryax-wrapper: " << method << ": internal error: " << e.what() << "\n";
    return {grpc::StatusCode::INTERNAL, std::string(method) + ": " + e.what()};
  }
}

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

} // namespace

grpc::Status
WrapperServiceImpl::Initialize(grpc::ServerContext*, const v1::InitializeRequest* request,
                               v1::InitializeReply* reply)
{
  return guarded("Initialize", [&]() -> Result<void> {
    Settings settings;
    settings.action_dir = request->action_dir();
    settings.interpreter = request->interpreter();
    settings.action_json = request->action_json();
    settings.work_root = request->work_root();
    settings.time_limit_seconds = request->time_limit_seconds();
    settings.memory_limit_bytes = request->memory_limit_bytes();
    settings.cpu_quota = request->cpu_quota();
    RYAX_TRY_ASSIGN(auto info, m_executor.initialize(settings));
    reply->set_runtime_pid(info.runtime_pid);
    reply->set_limit_mechanism(info.limit_mechanism);
    reply->set_runtime_version(info.runtime_version);
    std::cerr << "ryax-wrapper: runtime " << info.runtime_pid << " ready (limits: "
              << info.limit_mechanism << ")\n";
    return {};
  });
}

grpc::Status
WrapperServiceImpl::Execute(grpc::ServerContext* context, const v1::ExecuteRequest* request,
                            grpc::ServerWriter<v1::ExecuteEvent>* writer)
{
  return guarded("Execute", [&]() -> Result<void> {
    Sink sink;
    sink.on_log = [&](std::string_view stream, const std::string& line, std::int64_t ts) {
      v1::ExecuteEvent event;
      fill(*event.mutable_log(), stream, line, ts);
      writer->Write(event);
    };
    sink.caller_gone = [context] { return context->IsCancelled(); };
    RYAX_TRY_ASSIGN(auto outcome,
                    m_executor.execute(request->execution_id(), request->inputs_json(), sink));
    v1::ExecuteEvent last;
    last.set_handler_duration_ns(outcome.handler_duration_ns);
    if (outcome.error) {
      fill(*last.mutable_error(), *outcome.error);
    } else {
      last.mutable_outputs()->set_outputs_json(outcome.outputs_json.value_or("[]"));
      last.mutable_outputs()->set_fan_out(outcome.fan_out);
    }
    // The final event leaves with the status, in one write.
    writer->WriteLast(last, grpc::WriteOptions());
    return {};
  });
}

grpc::Status
WrapperServiceImpl::Cancel(grpc::ServerContext*, const v1::CancelExecutionRequest* request, v1::CancelExecutionReply*)
{
  return guarded("Cancel", [&]() -> Result<void> { return m_executor.cancel(request->execution_id()); });
}

grpc::Status
WrapperServiceImpl::RunSource(grpc::ServerContext* context, const v1::RunSourceRequest* request,
                              grpc::ServerWriter<v1::SourceEvent>* writer)
{
  return guarded("RunSource", [&]() -> Result<void> {
    Sink sink;
    sink.on_log = [&](std::string_view stream, const std::string& line, std::int64_t ts) {
      v1::SourceEvent event;
      fill(*event.mutable_log(), stream, line, ts);
      writer->Write(event);
    };
    sink.on_source_event = [&](const nlohmann::json& frame) {
      v1::SourceEvent event;
      if (frame.value("ev", "") == "run") {
        auto* run = event.mutable_run();
        run->set_data_json(frame.value("data", nlohmann::json::object()).dump());
        run->set_running_time(frame.value("running_time", 0.0));
        run->set_status(frame.value("status", 1));
      } else {
        event.mutable_run_error()->set_message(frame.value("message", ""));
      }
      writer->Write(event);
    };
    sink.caller_gone = [context] { return context->IsCancelled(); };
    RYAX_TRY_ASSIGN(auto error,
                    m_executor.run_source(request->execution_id(), request->inputs_json(), sink));
    if (error) {
      v1::SourceEvent last;
      fill(*last.mutable_error(), *error);
      writer->Write(last);
    }
    return {};
  });
}

grpc::Status
WrapperServiceImpl::Health(grpc::ServerContext*, const v1::WrapperHealthRequest*, v1::WrapperHealthReply* reply)
{
  reply->set_initialized(m_executor.initialized());
  reply->set_runtime_pid(m_executor.runtime_pid());
  reply->set_executions(m_executor.executions());
  return grpc::Status::OK;
}

} // namespace ryax::wrapper
