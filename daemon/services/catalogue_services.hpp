#pragma once

#include "daemon/gate.hpp"

#include "core/application/action_service.hpp"
#include "core/application/repository_service.hpp"

#include "ryax/v1/action.grpc.pb.h"

namespace ryax::daemon {

// gRPC handlers of RepositoryService: convert, call, convert back.
class RepositoryServiceImpl final : public v1::RepositoryService::Service
{
public:
  RepositoryServiceImpl(Gate& gate, app::RepositoryService& service);

  grpc::Status AddRepository(grpc::ServerContext* context,
                             const v1::AddRepositoryRequest* request,
                             v1::Repository* reply) override;
  grpc::Status ListRepositories(grpc::ServerContext* context,
                                const v1::ListRepositoriesRequest* request,
                                v1::ListRepositoriesReply* reply) override;
  grpc::Status GetRepository(grpc::ServerContext* context,
                             const v1::GetRepositoryRequest* request,
                             v1::Repository* reply) override;
  grpc::Status RemoveRepository(grpc::ServerContext* context,
                                const v1::RemoveRepositoryRequest* request,
                                v1::RemoveRepositoryReply* reply) override;
  grpc::Status ScanRepository(grpc::ServerContext* context,
                              const v1::ScanRepositoryRequest* request,
                              v1::ScanReport* reply) override;

private:
  Gate& m_gate;
  app::RepositoryService& m_service;
};

// gRPC handlers of ActionService.
class ActionServiceImpl final : public v1::ActionService::Service
{
public:
  ActionServiceImpl(Gate& gate, app::ActionService& service);

  grpc::Status ListActions(grpc::ServerContext* context,
                           const v1::ListActionsRequest* request,
                           v1::ListActionsReply* reply) override;
  grpc::Status GetAction(grpc::ServerContext* context,
                         const v1::GetActionRequest* request,
                         v1::ActionVersion* reply) override;
  grpc::Status RemoveAction(grpc::ServerContext* context,
                            const v1::RemoveActionRequest* request,
                            v1::RemoveActionReply* reply) override;

private:
  Gate& m_gate;
  app::ActionService& m_service;
};

} // namespace ryax::daemon
