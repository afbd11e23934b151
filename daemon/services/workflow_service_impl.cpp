#include "daemon/services/workflow_service_impl.hpp"

#include "daemon/guarded.hpp"
#include "daemon/services/workflow_convert.hpp"

namespace ryax::daemon {

WorkflowServiceImpl::WorkflowServiceImpl(Gate& gate,
                                         app::WorkflowService& service,
                                         app::TriggerLogs& trigger_logs,
                                         ShutdownSignal& shutdown)
  : m_gate(gate)
  , m_service(service)
  , m_trigger_logs(trigger_logs)
  , m_shutdown(shutdown)
{
}

grpc::Status
WorkflowServiceImpl::ValidateWorkflow(grpc::ServerContext* context,
                                      const v1::WorkflowSource* request,
                                      v1::ValidateWorkflowReply* reply)
{
  return guarded(m_gate, context, "ValidateWorkflow", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto validation,
                    m_service.validate(caller.project, from_proto(*request)));
    for (const auto& d : validation.diagnostics) {
      to_proto(d, *reply->add_diagnostics());
    }
    reply->set_workflow_id(validation.workflow ? validation.workflow->id : "");
    reply->set_normalised_yaml(validation.normalised);
    return {};
  });
}

grpc::Status
WorkflowServiceImpl::PushWorkflow(grpc::ServerContext* context,
                                  const v1::PushWorkflowRequest* request,
                                  v1::PushWorkflowReply* reply)
{
  return guarded(m_gate, context, "PushWorkflow", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto outcome,
                    m_service.push(app::PushWorkflow{
                      caller.project, from_proto(request->source()), request->deploy() }));
    for (const auto& d : outcome.diagnostics) {
      to_proto(d, *reply->add_diagnostics());
    }
    reply->set_workflow_id(outcome.id);
    reply->set_version(outcome.version);
    reply->set_created(outcome.created);
    if (outcome.diagnostics.empty()) {
      to_proto(outcome.deployment, *reply->mutable_status());
    }
    reply->set_note(outcome.note);
    return {};
  });
}

grpc::Status
WorkflowServiceImpl::ListWorkflows(grpc::ServerContext* context,
                                   const v1::ListWorkflowsRequest*,
                                   v1::ListWorkflowsReply* reply)
{
  return guarded(m_gate, context, "ListWorkflows", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto workflows, m_service.list(caller.project));
    for (const auto& w : workflows) {
      to_proto(w, *reply->add_workflows());
    }
    return {};
  });
}

grpc::Status
WorkflowServiceImpl::GetWorkflow(grpc::ServerContext* context,
                                 const v1::GetWorkflowRequest* request,
                                 v1::Workflow* reply)
{
  return guarded(m_gate, context, "GetWorkflow", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto view,
                    m_service.get(caller.project, request->id(), request->version()));
    to_proto(view, *reply);
    return {};
  });
}

grpc::Status
WorkflowServiceImpl::DeployWorkflow(grpc::ServerContext* context,
                                    const v1::DeployWorkflowRequest* request,
                                    v1::WorkflowStatus* reply)
{
  return guarded(m_gate, context, "DeployWorkflow", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto deployment,
                    m_service.deploy(caller.project, request->id(), request->version()));
    to_proto(deployment, *reply);
    return {};
  });
}

grpc::Status
WorkflowServiceImpl::UndeployWorkflow(
  grpc::ServerContext* context,
  const v1::UndeployWorkflowRequest* request,
  v1::WorkflowStatus* reply)
{
  return guarded(m_gate, context, "UndeployWorkflow", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto deployment, m_service.undeploy(caller.project, request->id()));
    to_proto(deployment, *reply);
    return {};
  });
}

grpc::Status
WorkflowServiceImpl::RemoveWorkflow(grpc::ServerContext* context,
                                    const v1::RemoveWorkflowRequest* request,
                                    v1::RemoveWorkflowReply*)
{
  return guarded(m_gate, context, "RemoveWorkflow", [&](const Caller& caller) -> Result<void> {
    return m_service.remove(caller.project, request->id(), request->force());
  });
}

grpc::Status
WorkflowServiceImpl::ListWorkflowErrors(
  grpc::ServerContext* context,
  const v1::ListWorkflowErrorsRequest* request,
  v1::ListWorkflowErrorsReply* reply)
{
  return guarded(m_gate, context, "ListWorkflowErrors", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto errors, m_service.errors(caller.project, request->id()));
    for (const auto& e : errors) {
      auto* item = reply->add_errors();
      item->set_at(e.at);
      item->set_version(e.version);
      item->set_message(e.message);
    }
    return {};
  });
}

grpc::Status
WorkflowServiceImpl::StreamTriggerLogs(
  grpc::ServerContext* context,
  const v1::StreamTriggerLogsRequest* request,
  grpc::ServerWriter<v1::TriggerLogChunk>* writer)
{
  return guarded(m_gate, context, "StreamTriggerLogs", [&](const Caller& caller) -> Result<void> {
    std::uint64_t after = 0;
    // Undeployed at two reads in a row: the lines about the stop are in.
    int undeployed_reads = 0;
    for (;;) {
      const auto seen = m_trigger_logs.generation();
      RYAX_TRY_ASSIGN(const auto read,
                      m_trigger_logs.read(caller.project, request->id(), after));
      v1::TriggerLogChunk chunk;
      for (const auto& line : read.lines) {
        auto* out = chunk.add_lines();
        out->set_sequence(line.sequence);
        out->set_timestamp_unix_ns(line.timestamp_unix_ns);
        out->set_origin(line.origin);
        out->set_line(line.line);
        after = line.sequence;
      }
      if (chunk.lines_size() > 0 && !writer->Write(chunk)) {
        return {};
      }
      if (read.lines.size() >= app::TriggerLogs::k_max_read_lines) {
        continue; // more are waiting
      }
      undeployed_reads = read.deployed ? 0 : undeployed_reads + 1;
      if (!request->follow() || undeployed_reads >= 2) {
        return {};
      }
      if (context->IsCancelled() || m_shutdown.requested()) {
        return {};
      }
      m_trigger_logs.wait_change(seen, std::chrono::steady_clock::now()
                                         + std::chrono::milliseconds(200));
    }
  });
}

} // namespace ryax::daemon
