#pragma once

#include "core/application/identity_service.hpp"
#include "daemon/gate.hpp"

#include "ryax/v1/identity.grpc.pb.h"

namespace ryax::daemon {

// gRPC handlers of IdentityService: convert, call, convert back.
class IdentityServiceImpl final : public v1::IdentityService::Service
{
public:
  IdentityServiceImpl(Gate& gate, app::IdentityService& identity);

  grpc::Status WhoAmI(grpc::ServerContext* context,
                      const v1::WhoAmIRequest* request,
                      v1::WhoAmIReply* reply) override;
  grpc::Status ListProjects(grpc::ServerContext* context,
                            const v1::ListProjectsRequest* request,
                            v1::ListProjectsReply* reply) override;
  grpc::Status CreateProject(grpc::ServerContext* context,
                             const v1::CreateProjectRequest* request,
                             v1::Project* reply) override;
  grpc::Status UseProject(grpc::ServerContext* context,
                          const v1::UseProjectRequest* request,
                          v1::WhoAmIReply* reply) override;
  grpc::Status ListMembers(grpc::ServerContext* context,
                           const v1::ListMembersRequest* request,
                           v1::ListMembersReply* reply) override;
  grpc::Status AddMember(grpc::ServerContext* context,
                         const v1::MemberRequest* request,
                         v1::ListMembersReply* reply) override;
  grpc::Status RemoveMember(grpc::ServerContext* context,
                            const v1::MemberRequest* request,
                            v1::ListMembersReply* reply) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersReply* reply) override;
  grpc::Status AddUser(grpc::ServerContext* context,
                       const v1::AddUserRequest* request,
                       v1::User* reply) override;
  grpc::Status RemoveUser(grpc::ServerContext* context,
                          const v1::RemoveUserRequest* request,
                          v1::RemoveUserReply* reply) override;
  grpc::Status CreateToken(grpc::ServerContext* context,
                           const v1::CreateTokenRequest* request,
                           v1::CreatedToken* reply) override;
  grpc::Status ListTokens(grpc::ServerContext* context,
                          const v1::ListTokensRequest* request,
                          v1::ListTokensReply* reply) override;
  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::RevokeTokenReply* reply) override;
  grpc::Status Login(grpc::ServerContext* context,
                     const v1::LoginRequest* request,
                     v1::CreatedToken* reply) override;
  grpc::Status Logout(grpc::ServerContext* context,
                      const v1::LogoutRequest* request,
                      v1::LogoutReply* reply) override;
  grpc::Status ListAudit(grpc::ServerContext* context,
                         const v1::ListAuditRequest* request,
                         v1::ListAuditReply* reply) override;

private:
  Gate& m_gate;
  app::IdentityService& m_identity;
};

} // namespace ryax::daemon
