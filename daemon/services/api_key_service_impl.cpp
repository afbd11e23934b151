#include "daemon/services/api_key_service_impl.hpp"

#include "daemon/guarded.hpp"

#include <fmt/format.h>

namespace ryax::daemon {

namespace {

void
to_proto(const domain::ApiKey& key, v1::ApiKey& out)
{
  // Never the hash: it is all a thief of the database would need to tell
  // a guessed key.
  out.set_project(key.project);
  out.set_name(key.name);
  out.set_prefix(key.prefix);
  out.set_created_ms(key.created_ms);
  out.set_expires_ms(key.expires_ms);
  out.set_revoked(key.revoked);
  if (key.last_used_ms) {
    out.set_last_used_ms(*key.last_used_ms);
  }
}

} // namespace

ApiKeyServiceImpl::ApiKeyServiceImpl(Gate& gate, app::ApiKeyService& keys)
  : m_gate(gate)
  , m_keys(keys)
{
}

grpc::Status
ApiKeyServiceImpl::CreateApiKey(grpc::ServerContext* context,
                                const v1::CreateApiKeyRequest* request,
                                v1::CreatedApiKey* reply)
{
  return guarded(
    m_gate, context, "CreateApiKey", [&](const Caller& caller) -> Result<void> {
      const auto lifetime = request->lifetime_seconds();
      if (lifetime < 0 || lifetime > domain::k_max_api_key_lifetime_seconds) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("API key \"{}\": lifetime_seconds {} is out "
                                "of range: 0 (never expires) to {} (10 years)",
                                request->name(),
                                lifetime,
                                domain::k_max_api_key_lifetime_seconds));
      }
      const auto expires_ms = lifetime > 0 ? m_keys.expiry_in(lifetime) : 0;
      RYAX_TRY_ASSIGN(
        const auto made,
        m_keys.create(caller.project, request->name(), expires_ms));
      reply->set_key(made.secret);
      to_proto(made.key, *reply->mutable_info());
      return {};
    });
}

grpc::Status
ApiKeyServiceImpl::ListApiKeys(grpc::ServerContext* context,
                               const v1::ListApiKeysRequest* /*request*/,
                               v1::ListApiKeysReply* reply)
{
  return guarded(
    m_gate, context, "ListApiKeys", [&](const Caller& caller) -> Result<void> {
      RYAX_TRY_ASSIGN(const auto keys, m_keys.list(caller.project));
      RYAX_TRY_ASSIGN(const bool required, m_keys.required(caller.project));
      for (const auto& key : keys) {
        to_proto(key, *reply->add_keys());
      }
      reply->set_required(required);
      return {};
    });
}

grpc::Status
ApiKeyServiceImpl::RevokeApiKey(grpc::ServerContext* context,
                                const v1::RevokeApiKeyRequest* request,
                                v1::RevokeApiKeyReply* /*reply*/)
{
  return guarded(
    m_gate, context, "RevokeApiKey", [&](const Caller& caller) -> Result<void> {
      return m_keys.revoke(caller.project, request->name());
    });
}

grpc::Status
ApiKeyServiceImpl::SetApiKeysRequired(
  grpc::ServerContext* context,
  const v1::SetApiKeysRequiredRequest* request,
  v1::SetApiKeysRequiredReply* /*reply*/)
{
  return guarded(m_gate,
                 context,
                 "SetApiKeysRequired",
                 [&](const Caller& caller) -> Result<void> {
                   return m_keys.set_required(caller.project,
                                              request->required());
                 });
}

} // namespace ryax::daemon
