#pragma once

#include "daemon/gate.hpp"

#include "core/application/build_service.hpp"
#include "daemon/shutdown_signal.hpp"

#include "ryax/v1/build.grpc.pb.h"

namespace ryax::daemon {

// gRPC handlers of BuildService.
class BuildServiceImpl final : public v1::BuildService::Service
{
public:
  BuildServiceImpl(Gate& gate, app::BuildService& service, ShutdownSignal& shutdown);

  grpc::Status BuildActions(grpc::ServerContext* context,
                            const v1::BuildActionsRequest* request,
                            v1::BuildActionsReply* reply) override;
  grpc::Status GetBuild(grpc::ServerContext* context,
                        const v1::GetBuildRequest* request,
                        v1::BuildJob* reply) override;
  grpc::Status CancelBuild(grpc::ServerContext* context,
                           const v1::CancelBuildRequest* request,
                           v1::BuildJob* reply) override;
  grpc::Status StreamBuildLog(grpc::ServerContext* context,
                              const v1::StreamBuildLogRequest* request,
                              grpc::ServerWriter<v1::BuildLogChunk>* writer) override;

private:
  Gate& m_gate;
  app::BuildService& m_service;
  ShutdownSignal& m_shutdown;
};

} // namespace ryax::daemon
