#pragma once

#include "daemon/gate.hpp"

#include "core/application/run_service.hpp"
#include "daemon/shutdown_signal.hpp"

#include "ryax/v1/run.grpc.pb.h"

#include <string>

namespace ryax::daemon {

// gRPC handlers of RunService: convert, call, convert back; the streams
// poll the application service until the run is final or the client leaves.
class RunServiceImpl final : public v1::RunService::Service
{
public:
  RunServiceImpl(Gate& gate, app::RunService& service, ShutdownSignal& shutdown);

  grpc::Status StartRun(grpc::ServerContext* context,
                        const v1::StartRunRequest* request,
                        v1::Run* reply) override;
  grpc::Status GetRun(grpc::ServerContext* context,
                      const v1::GetRunRequest* request,
                      v1::Run* reply) override;
  grpc::Status WatchRun(grpc::ServerContext* context,
                        const v1::GetRunRequest* request,
                        grpc::ServerWriter<v1::Run>* writer) override;
  grpc::Status ListRuns(grpc::ServerContext* context,
                        const v1::ListRunsRequest* request,
                        v1::ListRunsReply* reply) override;
  grpc::Status CancelRun(grpc::ServerContext* context,
                         const v1::GetRunRequest* request,
                         v1::Run* reply) override;
  grpc::Status RemoveRun(grpc::ServerContext* context,
                         const v1::GetRunRequest* request,
                         v1::RemoveRunReply* reply) override;
  grpc::Status StreamRunLogs(grpc::ServerContext* context,
                             const v1::StreamRunLogsRequest* request,
                             grpc::ServerWriter<v1::RunLogChunk>* writer) override;
  grpc::Status ReadRunFile(grpc::ServerContext* context,
                           const v1::ReadRunFileRequest* request,
                           grpc::ServerWriter<v1::RunFileChunk>* writer) override;

private:
  // The id of the run the request names (an id, its start, @latest).
  Result<std::string> resolve(const Caller& caller, const v1::GetRunRequest& request);

  Gate& m_gate;
  app::RunService& m_service;
  ShutdownSignal& m_shutdown;
};

} // namespace ryax::daemon
