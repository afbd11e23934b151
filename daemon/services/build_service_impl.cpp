#include "daemon/services/build_service_impl.hpp"

#include "daemon/guarded.hpp"

#include <thread>

namespace ryax::daemon {

namespace {

void
to_proto(const domain::BuildJob& job, v1::BuildJob& out)
{
  out.set_id(job.id);
  out.set_action_id(job.action_id);
  out.set_version(job.version);
  out.set_state(std::string(domain::to_string(job.state)));
  out.set_force(job.force);
  out.set_cache_hit(job.cache_hit);
  out.set_queued_at(job.queued_at);
  out.set_started_at(job.started_at);
  out.set_finished_at(job.finished_at);
  out.set_attempts(job.attempts);
  out.set_error(job.error);
  out.set_bundle_key(job.bundle_key);
  for (const auto& warning : job.warnings) {
    out.add_warnings(warning);
  }
}

} // namespace

BuildServiceImpl::BuildServiceImpl(Gate& gate,
                                   app::BuildService& service,
                                   ShutdownSignal& shutdown)
  : m_gate(gate), m_service(service), m_shutdown(shutdown)
{
}

grpc::Status
BuildServiceImpl::BuildActions(grpc::ServerContext* context,
                               const v1::BuildActionsRequest* request,
                               v1::BuildActionsReply* reply)
{
  return guarded(m_gate, context, "BuildActions", [&](const Caller& caller) -> Result<void> {
    std::vector<domain::BuildJob> jobs;
    if (request->all()) {
      if (request->repository().empty()) {
        return fail(ErrorCode::invalid_argument, "--all needs --repo NAME");
      }
      RYAX_TRY_ASSIGN(jobs, m_service.enqueue_repository(caller.project, request->repository(),
                                                         request->force()));
    } else {
      if (request->refs().empty()) {
        return fail(ErrorCode::invalid_argument,
                    "name the actions to build, or use --repo NAME --all");
      }
      std::vector<std::string> refs(request->refs().begin(), request->refs().end());
      RYAX_TRY_ASSIGN(jobs, m_service.enqueue(caller.project, refs, request->force()));
    }
    for (const auto& job : jobs) {
      to_proto(job, *reply->add_jobs());
    }
    return {};
  });
}

grpc::Status
BuildServiceImpl::GetBuild(grpc::ServerContext* context,
                           const v1::GetBuildRequest* request, v1::BuildJob* reply)
{
  return guarded(m_gate, context, "GetBuild", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto job, m_service.status(caller.project, request->ref()));
    to_proto(job, *reply);
    return {};
  });
}

grpc::Status
BuildServiceImpl::CancelBuild(grpc::ServerContext* context,
                              const v1::CancelBuildRequest* request,
                              v1::BuildJob* reply)
{
  return guarded(m_gate, context, "CancelBuild", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto job, m_service.cancel(caller.project, request->ref()));
    to_proto(job, *reply);
    return {};
  });
}

grpc::Status
BuildServiceImpl::StreamBuildLog(grpc::ServerContext* context,
                                 const v1::StreamBuildLogRequest* request,
                                 grpc::ServerWriter<v1::BuildLogChunk>* writer)
{
  return guarded(m_gate, context, "StreamBuildLog", [&](const Caller& caller) -> Result<void> {
    std::size_t offset = 0;
    while (true) {
      RYAX_TRY_ASSIGN(auto chunk, m_service.log(caller.project, request->ref(), offset));
      offset = chunk.next_offset;
      const bool done = domain::is_final(chunk.job.state) || !request->follow();
      if (!chunk.text.empty() || done) {
        v1::BuildLogChunk message;
        message.set_text(chunk.text);
        to_proto(chunk.job, *message.mutable_job());
        if (!writer->Write(message)) {
          return {}; // the client went away
        }
      }
      if (done) {
        // A final state is written after the last line: read once more.
        RYAX_TRY_ASSIGN(auto rest, m_service.log(caller.project, request->ref(), offset));
        if (!rest.text.empty()) {
          v1::BuildLogChunk message;
          message.set_text(rest.text);
          to_proto(rest.job, *message.mutable_job());
          writer->Write(message);
        }
        return {};
      }
      if (context->IsCancelled() || m_shutdown.requested()) {
        return {};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

} // namespace ryax::daemon
