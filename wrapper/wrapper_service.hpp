#pragma once

#include "wrapper/executor.hpp"

#include "ryax/v1/wrapper.grpc.pb.h"

namespace ryax::wrapper {

// The gRPC face of the Executor: converts requests, calls it, converts back.
// Every handler turns an unexpected exception into INTERNAL.
class WrapperServiceImpl final : public v1::WrapperService::Service
{
public:
  // Serve `executor`, which must outlive the service.
  explicit WrapperServiceImpl(Executor& executor) : m_executor(executor) {}

  // See wrapper.proto for the contract of each call.
  grpc::Status Initialize(grpc::ServerContext* context,
                          const v1::InitializeRequest* request,
                          v1::InitializeReply* reply) override;
  grpc::Status Execute(grpc::ServerContext* context,
                       const v1::ExecuteRequest* request,
                       grpc::ServerWriter<v1::ExecuteEvent>* writer) override;
  grpc::Status Cancel(grpc::ServerContext* context,
                      const v1::CancelExecutionRequest* request,
                      v1::CancelExecutionReply* reply) override;
  grpc::Status RunSource(grpc::ServerContext* context,
                         const v1::RunSourceRequest* request,
                         grpc::ServerWriter<v1::SourceEvent>* writer) override;
  grpc::Status Health(grpc::ServerContext* context,
                      const v1::WrapperHealthRequest* request,
                      v1::WrapperHealthReply* reply) override;

private:
  Executor& m_executor;
};

} // namespace ryax::wrapper
