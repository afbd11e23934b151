#include "daemon/services/variable_service_impl.hpp"

#include "daemon/guarded.hpp"

#include <fmt/format.h>

namespace ryax::daemon {

namespace {

void
to_proto(const domain::Variable& variable, v1::Variable& out)
{
  out.set_project(variable.project);
  out.set_name(variable.name);
  out.set_type(std::string(domain::to_string(variable.type)));
  out.set_description(variable.description);
  // Masked for a password: the value never leaves the daemon.
  out.set_value(domain::variable_display_text(variable.value));
  out.set_updated_at(variable.updated_at);
}

Result<app::SetVariableRequest>
from_proto(const v1::SetVariableRequest& request, const Caller& caller)
{
  app::SetVariableRequest set;
  set.project = caller.project;
  set.name = request.name();
  if (!request.type().empty()) {
    set.type = domain::parse_variable_type(request.type());
    if (!set.type) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("variable \"{}\": unknown type \"{}\" (types: "
                              "{})",
                              request.name(),
                              request.type(),
                              domain::variable_type_names()));
    }
  }
  if (request.has_description()) {
    set.description = request.description();
  }
  set.value = request.value();
  return set;
}

} // namespace

VariableServiceImpl::VariableServiceImpl(Gate& gate,
                                         app::VariableService& variables)
  : m_gate(gate)
  , m_variables(variables)
{
}

grpc::Status
VariableServiceImpl::SetVariable(grpc::ServerContext* context,
                                 const v1::SetVariableRequest* request,
                                 v1::Variable* reply)
{
  return guarded(
    m_gate, context, "SetVariable", [&](const Caller& caller) -> Result<void> {
      RYAX_TRY_ASSIGN(const auto set, from_proto(*request, caller));
      RYAX_TRY_ASSIGN(const auto variable, m_variables.set(set));
      to_proto(variable, *reply);
      return {};
    });
}

grpc::Status
VariableServiceImpl::ListVariables(grpc::ServerContext* context,
                                   const v1::ListVariablesRequest* /*request*/,
                                   v1::ListVariablesReply* reply)
{
  return guarded(m_gate,
                 context,
                 "ListVariables",
                 [&](const Caller& caller) -> Result<void> {
                   RYAX_TRY_ASSIGN(const auto variables,
                                   m_variables.list(caller.project));
                   for (const auto& variable : variables) {
                     to_proto(variable, *reply->add_variables());
                   }
                   return {};
                 });
}

grpc::Status
VariableServiceImpl::GetVariable(grpc::ServerContext* context,
                                 const v1::GetVariableRequest* request,
                                 v1::Variable* reply)
{
  return guarded(
    m_gate, context, "GetVariable", [&](const Caller& caller) -> Result<void> {
      RYAX_TRY_ASSIGN(const auto variable,
                      m_variables.get(caller.project, request->name()));
      to_proto(variable, *reply);
      return {};
    });
}

grpc::Status
VariableServiceImpl::RemoveVariable(grpc::ServerContext* context,
                                    const v1::RemoveVariableRequest* request,
                                    v1::RemoveVariableReply* /*reply*/)
{
  return guarded(m_gate,
                 context,
                 "RemoveVariable",
                 [&](const Caller& caller) -> Result<void> {
                   return m_variables.remove(caller.project, request->name());
                 });
}

} // namespace ryax::daemon
