#include "daemon/services/workflow_service_impl.hpp"

#include "daemon/guarded.hpp"
#include "daemon/services/workflow_convert.hpp"

namespace ryax::daemon {

WorkflowServiceImpl::WorkflowServiceImpl(Gate& gate,
                                         app::WorkflowService& service)
  : m_gate(gate), m_service(service)
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

} // namespace ryax::daemon
