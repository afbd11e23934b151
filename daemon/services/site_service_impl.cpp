#include "daemon/services/site_service_impl.hpp"

#include "daemon/agent/fleet.hpp"
#include "daemon/guarded.hpp"
#include "daemon/services/site_convert.hpp"
#include "daemon/slurm/slurm_sites.hpp"

namespace ryax::daemon {

SiteServiceImpl::SiteServiceImpl(Gate& gate,
                                 app::RunService& runs,
                                 agent::Fleet* fleet,
                                 SlurmSites* slurm)
  : m_gate(gate), m_runs(runs), m_fleet(fleet), m_slurm(slurm)
{
}

grpc::Status
SiteServiceImpl::ListSites(grpc::ServerContext* context,
                           const v1::ListSitesRequest*,
                           v1::ListSitesReply* reply)
{
  return guarded(m_gate, context, "ListSites", [&]() -> Result<void> {
    std::vector<v1::Site*> sites;
    for (const auto& site : m_runs.sites()) {
      sites.push_back(reply->add_sites());
      to_proto(site, *sites.back());
    }
    if (m_fleet != nullptr) {
      m_fleet->describe(sites);
    }
    for (auto* site : sites) {
      if (m_slurm != nullptr) {
        m_slurm->describe(*site, false);
      }
    }
    return {};
  });
}

grpc::Status
SiteServiceImpl::GetSite(grpc::ServerContext* context,
                         const v1::GetSiteRequest* request,
                         v1::Site* reply)
{
  return guarded(m_gate, context, "GetSite", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto site, m_runs.site(request->name()));
    to_proto(site, *reply);
    if (m_fleet != nullptr) {
      m_fleet->describe({ reply });
    }
    if (m_slurm != nullptr) {
      m_slurm->describe(*reply, true);
    }
    return {};
  });
}

grpc::Status
SiteServiceImpl::ListDeployments(grpc::ServerContext* context,
                                 const v1::ListDeploymentsRequest* request,
                                 v1::ListDeploymentsReply* reply)
{
  return guarded(m_gate, context, "ListDeployments",
                 [&](const Caller& caller) -> Result<void> {
    for (const auto& deployment :
         m_runs.deployments(caller.project, request->workflow_id())) {
      to_proto(deployment, *reply->add_deployments());
    }
    return {};
  });
}

grpc::Status
SiteServiceImpl::GetDeployment(grpc::ServerContext* context,
                               const v1::GetDeploymentRequest* request,
                               v1::Deployment* reply)
{
  return guarded(m_gate, context, "GetDeployment",
                 [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto deployment,
                    m_runs.deployment(caller.project, request->id()));
    to_proto(deployment, *reply);
    return {};
  });
}

grpc::Status
SiteServiceImpl::CreateJoinToken(grpc::ServerContext* context,
                                 const v1::CreateJoinTokenRequest* request,
                                 v1::JoinToken* reply)
{
  return guarded(m_gate, context, "CreateJoinToken", [&]() -> Result<void> {
    if (m_fleet == nullptr) {
      return fail(ErrorCode::failed_precondition,
                  "this daemon takes no worker agents");
    }
    RYAX_TRY_ASSIGN(const auto token,
                    m_fleet->create_token(request->ttl_seconds()));
    reply->set_token(token.token);
    reply->set_id(token.id);
    reply->set_expires_unix_ms(token.expires_ms);
    reply->set_address(m_fleet->address());
    return {};
  });
}

grpc::Status
SiteServiceImpl::RemoveSite(grpc::ServerContext* context,
                            const v1::RemoveSiteRequest* request,
                            v1::RemoveSiteReply*)
{
  return guarded(m_gate, context, "RemoveSite", [&]() -> Result<void> {
    if (m_fleet == nullptr) {
      return fail(ErrorCode::failed_precondition,
                  "this daemon takes no worker agents");
    }
    return m_fleet->remove(request->name());
  });
}

} // namespace ryax::daemon
