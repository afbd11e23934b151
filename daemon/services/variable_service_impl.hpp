#pragma once

#include "core/application/variable_service.hpp"
#include "daemon/gate.hpp"

#include "ryax/v1/variable.grpc.pb.h"

namespace ryax::daemon {

// gRPC handlers of VariableService: convert, call, convert back. Every
// call acts in the caller's project (Caller::project); no reply holds a
// password value.
class VariableServiceImpl final : public v1::VariableService::Service
{
public:
  VariableServiceImpl(Gate& gate, app::VariableService& variables);

  grpc::Status SetVariable(grpc::ServerContext* context,
                           const v1::SetVariableRequest* request,
                           v1::Variable* reply) override;
  grpc::Status ListVariables(grpc::ServerContext* context,
                             const v1::ListVariablesRequest* request,
                             v1::ListVariablesReply* reply) override;
  grpc::Status GetVariable(grpc::ServerContext* context,
                           const v1::GetVariableRequest* request,
                           v1::Variable* reply) override;
  grpc::Status RemoveVariable(grpc::ServerContext* context,
                              const v1::RemoveVariableRequest* request,
                              v1::RemoveVariableReply* reply) override;

private:
  Gate& m_gate;
  app::VariableService& m_variables;
};

} // namespace ryax::daemon
