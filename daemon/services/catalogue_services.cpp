#include "daemon/services/catalogue_services.hpp"

#include "daemon/guarded.hpp"
#include "daemon/services/catalogue_convert.hpp"

namespace ryax::daemon {

RepositoryServiceImpl::RepositoryServiceImpl(Gate& gate,
                                             app::RepositoryService& service)
  : m_gate(gate), m_service(service)
{
}

grpc::Status
RepositoryServiceImpl::AddRepository(grpc::ServerContext* context,
                                     const v1::AddRepositoryRequest* request,
                                     v1::Repository* reply)
{
  return guarded(m_gate, context, "AddRepository", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto repository,
                    m_service.add(app::AddRepository{
                      caller.project, request->name(), request->url(), request->branch(),
                      request->username(), request->password(),
                      request->ssh_key()}));
    to_proto(repository, *reply);
    return {};
  });
}

grpc::Status
RepositoryServiceImpl::ListRepositories(grpc::ServerContext* context,
                                        const v1::ListRepositoriesRequest*,
                                        v1::ListRepositoriesReply* reply)
{
  return guarded(m_gate, context, "ListRepositories", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto repositories, m_service.list(caller.project));
    for (const auto& r : repositories) {
      to_proto(r, *reply->add_repositories());
    }
    return {};
  });
}

grpc::Status
RepositoryServiceImpl::GetRepository(grpc::ServerContext* context,
                                     const v1::GetRepositoryRequest* request,
                                     v1::Repository* reply)
{
  return guarded(m_gate, context, "GetRepository", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto repository, m_service.get(caller.project, request->name()));
    to_proto(repository, *reply);
    return {};
  });
}

grpc::Status
RepositoryServiceImpl::RemoveRepository(grpc::ServerContext* context,
                                        const v1::RemoveRepositoryRequest* request,
                                        v1::RemoveRepositoryReply*)
{
  return guarded(m_gate, context, "RemoveRepository",
                 [&](const Caller& caller) -> Result<void> { return m_service.remove(caller.project, request->name()); });
}

grpc::Status
RepositoryServiceImpl::ScanRepository(grpc::ServerContext* context,
                                      const v1::ScanRepositoryRequest* request,
                                      v1::ScanReport* reply)
{
  return guarded(m_gate, context, "ScanRepository", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto report,
                    m_service.scan(app::ScanRepository{
                      caller.project, request->name(), request->ref(), request->force()}));
    to_proto(report, *reply);
    return {};
  });
}

ActionServiceImpl::ActionServiceImpl(Gate& gate, app::ActionService& service)
  : m_gate(gate), m_service(service)
{
}

grpc::Status
ActionServiceImpl::ListActions(grpc::ServerContext* context,
                               const v1::ListActionsRequest* request,
                               v1::ListActionsReply* reply)
{
  return guarded(m_gate, context, "ListActions", [&](const Caller& caller) -> Result<void> {
    app::ActionFilter filter;
    filter.project = caller.project;
    filter.repository = request->repository();
    filter.category = request->category();
    filter.all_versions = request->all_versions();
    if (!request->kind().empty()) {
      filter.kind = domain::parse_action_kind(request->kind());
      if (!filter.kind) {
        return fail(ErrorCode::invalid_argument,
                    "unknown kind \"" + request->kind()
                      + "\": use Processor, Source or Publisher");
      }
    }
    RYAX_TRY_ASSIGN(const auto versions, m_service.list(filter));
    for (const auto& v : versions) {
      to_proto(v, *reply->add_actions());
    }
    return {};
  });
}

grpc::Status
ActionServiceImpl::GetAction(grpc::ServerContext* context,
                             const v1::GetActionRequest* request,
                             v1::ActionVersion* reply)
{
  return guarded(m_gate, context, "GetAction", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const auto version, m_service.show(caller.project, request->ref()));
    to_proto(version, *reply);
    return {};
  });
}

grpc::Status
ActionServiceImpl::RemoveAction(grpc::ServerContext* context,
                                const v1::RemoveActionRequest* request,
                                v1::RemoveActionReply* reply)
{
  return guarded(m_gate, context, "RemoveAction", [&](const Caller& caller) -> Result<void> {
    RYAX_TRY_ASSIGN(const int removed, m_service.remove(caller.project, request->ref()));
    reply->set_removed(removed);
    return {};
  });
}

} // namespace ryax::daemon
