#pragma once

#include "daemon/gate.hpp"

#include "core/application/trigger_logs.hpp"
#include "core/application/workflow_service.hpp"
#include "daemon/shutdown_signal.hpp"

#include "ryax/v1/workflow.grpc.pb.h"

namespace ryax::daemon {

// gRPC handlers of WorkflowService: convert, call, convert back; the
// trigger log stream polls TriggerLogs until the workflow is undeployed or
// the client leaves.
class WorkflowServiceImpl final : public v1::WorkflowService::Service
{
public:
  WorkflowServiceImpl(Gate& gate,
                      app::WorkflowService& service,
                      app::TriggerLogs& trigger_logs,
                      ShutdownSignal& shutdown);

  grpc::Status ValidateWorkflow(grpc::ServerContext* context,
                                const v1::WorkflowSource* request,
                                v1::ValidateWorkflowReply* reply) override;
  grpc::Status PushWorkflow(grpc::ServerContext* context,
                            const v1::PushWorkflowRequest* request,
                            v1::PushWorkflowReply* reply) override;
  grpc::Status ListWorkflows(grpc::ServerContext* context,
                             const v1::ListWorkflowsRequest* request,
                             v1::ListWorkflowsReply* reply) override;
  grpc::Status GetWorkflow(grpc::ServerContext* context,
                           const v1::GetWorkflowRequest* request,
                           v1::Workflow* reply) override;
  grpc::Status DeployWorkflow(grpc::ServerContext* context,
                              const v1::DeployWorkflowRequest* request,
                              v1::WorkflowStatus* reply) override;
  grpc::Status UndeployWorkflow(grpc::ServerContext* context,
                                const v1::UndeployWorkflowRequest* request,
                                v1::WorkflowStatus* reply) override;
  grpc::Status RemoveWorkflow(grpc::ServerContext* context,
                              const v1::RemoveWorkflowRequest* request,
                              v1::RemoveWorkflowReply* reply) override;
  grpc::Status ListWorkflowErrors(grpc::ServerContext* context,
                                  const v1::ListWorkflowErrorsRequest* request,
                                  v1::ListWorkflowErrorsReply* reply) override;

  grpc::Status StreamTriggerLogs(
    grpc::ServerContext* context,
    const v1::StreamTriggerLogsRequest* request,
    grpc::ServerWriter<v1::TriggerLogChunk>* writer) override;

private:
  Gate& m_gate;
  app::WorkflowService& m_service;
  app::TriggerLogs& m_trigger_logs;
  ShutdownSignal& m_shutdown;
};

} // namespace ryax::daemon
