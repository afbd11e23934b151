#pragma once

#include "core/application/api_key_service.hpp"
#include "daemon/gate.hpp"

#include "ryax/v1/apikey.grpc.pb.h"

namespace ryax::daemon {

// gRPC handlers of ApiKeyService: convert, call, convert back. Every call
// acts in the caller's project (Caller::project); only CreateApiKey's reply
// holds a key.
class ApiKeyServiceImpl final : public v1::ApiKeyService::Service
{
public:
  ApiKeyServiceImpl(Gate& gate, app::ApiKeyService& keys);

  grpc::Status CreateApiKey(grpc::ServerContext* context,
                            const v1::CreateApiKeyRequest* request,
                            v1::CreatedApiKey* reply) override;
  grpc::Status ListApiKeys(grpc::ServerContext* context,
                           const v1::ListApiKeysRequest* request,
                           v1::ListApiKeysReply* reply) override;
  grpc::Status RevokeApiKey(grpc::ServerContext* context,
                            const v1::RevokeApiKeyRequest* request,
                            v1::RevokeApiKeyReply* reply) override;
  grpc::Status SetApiKeysRequired(grpc::ServerContext* context,
                                  const v1::SetApiKeysRequiredRequest* request,
                                  v1::SetApiKeysRequiredReply* reply) override;

private:
  Gate& m_gate;
  app::ApiKeyService& m_keys;
};

} // namespace ryax::daemon
