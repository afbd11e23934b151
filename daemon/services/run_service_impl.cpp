#include "daemon/services/run_service_impl.hpp"

#include "daemon/guarded.hpp"
#include "daemon/services/run_convert.hpp"

#include <fmt/format.h>

#include <fstream>

namespace ryax::daemon {

RunServiceImpl::RunServiceImpl(Gate& gate,
                               app::RunService& service,
                               ShutdownSignal& shutdown)
  : m_gate(gate), m_service(service), m_shutdown(shutdown)
{
}

Result<std::string>
RunServiceImpl::resolve(const Caller& caller, const v1::GetRunRequest& request)
{
  return m_service.resolve(caller.project, request.run_id(), request.workflow_id());
}

grpc::Status
RunServiceImpl::StartRun(grpc::ServerContext* context,
                         const v1::StartRunRequest* request,
                         v1::Run* reply)
{
  return guarded(m_gate, context, "StartRun", [&](const Caller& caller) -> Result<void> {
    auto start = from_proto(*request);
    start.project = caller.project;
    RYAX_TRY_ASSIGN(const auto view, m_service.start_run(start));
    to_proto(view, *reply);
    return {};
  });
}

grpc::Status
RunServiceImpl::GetRun(grpc::ServerContext* context,
                       const v1::GetRunRequest* request,
                       v1::Run* reply)
{
  return guarded(m_gate, context, "GetRun", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto id, resolve(caller, *request));
    RYAX_TRY_ASSIGN(const auto view, m_service.get(caller.project, id));
    to_proto(view, *reply);
    return {};
  });
}

grpc::Status
RunServiceImpl::WatchRun(grpc::ServerContext* context,
                         const v1::GetRunRequest* request,
                         grpc::ServerWriter<v1::Run>* writer)
{
  return guarded(m_gate, context, "WatchRun", [&](const Caller& caller) -> Result<void> {
    // At most one document every k_watch_interval, and the final one at
    // once: a long run changes thousands of times.
    constexpr auto k_watch_interval = std::chrono::milliseconds(200);
    RYAX_TRY_ASSIGN(const auto id, resolve(caller, *request));
    RYAX_TRY_ASSIGN(auto view, m_service.get(caller.project, id));
    for (;;) {
      v1::Run run;
      to_proto(view, run);
      if (!writer->Write(run)) {
        return {}; // the client left
      }
      if (domain::is_final(view.stored.run.state)) {
        return {};
      }
      if (context->IsCancelled() || m_shutdown.requested()) {
        return {};
      }
      RYAX_TRY_ASSIGN(view,
                      m_service.wait_final(id,
                                           std::chrono::steady_clock::now()
                                             + k_watch_interval));
    }
  });
}

grpc::Status
RunServiceImpl::ListRuns(grpc::ServerContext* context,
                         const v1::ListRunsRequest* request,
                         v1::ListRunsReply* reply)
{
  return guarded(m_gate, context, "ListRuns", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(auto filter, from_proto(*request));
    filter.project = caller.project;
    RYAX_TRY_ASSIGN(const auto runs, m_service.list(filter));
    for (const auto& summary : runs) {
      to_proto(summary, *reply->add_runs());
    }
    return {};
  });
}

grpc::Status
RunServiceImpl::CancelRun(grpc::ServerContext* context,
                          const v1::GetRunRequest* request,
                          v1::Run* reply)
{
  return guarded(m_gate, context, "CancelRun", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto id, resolve(caller, *request));
    RYAX_TRY_ASSIGN(const auto view, m_service.cancel(caller.project, id));
    to_proto(view, *reply);
    return {};
  });
}

grpc::Status
RunServiceImpl::RemoveRun(grpc::ServerContext* context,
                          const v1::GetRunRequest* request,
                          v1::RemoveRunReply* reply)
{
  return guarded(m_gate, context, "RemoveRun", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto id, resolve(caller, *request));
    RYAX_TRY_ASSIGN(const auto files, m_service.remove(caller.project, id));
    reply->set_run_id(id);
    reply->set_files_removed(files);
    return {};
  });
}

grpc::Status
RunServiceImpl::StreamRunLogs(grpc::ServerContext* context,
                              const v1::StreamRunLogsRequest* request,
                              grpc::ServerWriter<v1::RunLogChunk>* writer)
{
  return guarded(m_gate, context, "StreamRunLogs", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto id, m_service.resolve(caller.project,
                                                     request->run_id(),
                                                     request->workflow_id()));
    RYAX_TRY_ASSIGN(auto view, m_service.get(caller.project, id));
    if (!request->step().empty()) {
      RYAX_TRY(app::has_step(view, request->step()));
    }
    std::uint64_t offset = 0;
    for (;;) {
      // Whether the run was final before reading: then this read is the last.
      const bool last = !request->follow()
                        || domain::is_final(view.stored.run.state);
      RYAX_TRY_ASSIGN(auto read, m_service.read_log(id, offset));
      offset = read.second;
      v1::RunLogChunk chunk;
      for (const auto& record : read.first) {
        if (!request->step().empty() && record.step != request->step()) {
          continue;
        }
        to_proto(record, *chunk.add_lines());
        if (chunk.lines_size() >= 1000) {
          if (!writer->Write(chunk)) {
            return {};
          }
          chunk.clear_lines();
        }
      }
      if (chunk.lines_size() > 0 && !writer->Write(chunk)) {
        return {};
      }
      if (last) {
        return {};
      }
      if (context->IsCancelled() || m_shutdown.requested()) {
        return {};
      }
      RYAX_TRY_ASSIGN(view,
                      m_service.wait_change(id,
                                            view.generation,
                                            std::chrono::steady_clock::now()
                                              + std::chrono::milliseconds(100)));
    }
  });
}

grpc::Status
RunServiceImpl::ReadRunFile(grpc::ServerContext* context,
                            const v1::ReadRunFileRequest* request,
                            grpc::ServerWriter<v1::RunFileChunk>* writer)
{
  return guarded(m_gate, context, "ReadRunFile", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto found,
                    m_service.file_of(caller.project, request->run_id(), request->key()));
    std::ifstream in(found.first, std::ios::binary);
    if (!in) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot read \"{}\"", found.first));
    }
    const auto name = found.second.key.substr(found.second.key.rfind('/') + 1);
    std::string buffer(256 * 1024, '\0');
    bool first = true;
    for (;;) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = in.gcount();
      if (got <= 0 && !first) {
        return {};
      }
      v1::RunFileChunk chunk;
      chunk.set_data(buffer.data(), static_cast<std::size_t>(got));
      if (first) {
        chunk.set_name(name);
        chunk.set_directory(found.second.directory);
        first = false;
      }
      if (!writer->Write(chunk) || got <= 0) {
        return {};
      }
    }
  });
}

} // namespace ryax::daemon
