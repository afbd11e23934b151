#include "daemon/services/accounting_service_impl.hpp"

#include "daemon/guarded.hpp"

namespace ryax::daemon {

namespace {

void
to_proto(const domain::AccountingTotals& totals, v1::AccountingTotals& out)
{
  out.set_executions(totals.executions);
  out.set_cpu_seconds(totals.cpu_seconds);
  out.set_gb_seconds(totals.gb_seconds);
  out.set_gpu_seconds(totals.gpu_seconds);
  out.set_duration_seconds(totals.duration_seconds);
}

void
to_proto(const domain::AccountingRecord& r, v1::AccountingRecord& out)
{
  out.set_execution_id(r.execution_id);
  out.set_project(r.project);
  out.set_workflow_id(r.workflow_id);
  out.set_workflow_version(r.workflow_version);
  out.set_action_id(r.action_id);
  out.set_action_name(r.action_name);
  out.set_action_version(r.action_version);
  out.set_run_id(r.run_id);
  out.set_step(r.step);
  out.set_branch(r.branch);
  out.set_attempt(r.attempt);
  out.set_site(r.site);
  out.set_node_pool(r.node_pool);
  out.set_node(r.node);
  out.set_state(r.state);
  out.set_submitted_ms(r.submitted_ms);
  out.set_started_ms(r.started_ms);
  out.set_ended_ms(r.ended_ms);
  out.set_requested_cpu(r.requested_cpu);
  out.set_requested_memory_bytes(r.requested_memory_bytes);
  out.set_requested_gpu(r.requested_gpu);
  out.set_requested_time_seconds(r.requested_time_seconds);
  out.set_allocated_cpu(r.allocated_cpu);
  out.set_allocated_memory_bytes(r.allocated_memory_bytes);
  out.set_allocated_gpu(r.allocated_gpu);
}

Result<app::AccountingQuery>
from_proto(const v1::GetAccountingSummaryRequest& request)
{
  app::AccountingQuery query;
  query.project = request.project();
  query.since_ms = request.since_ms();
  query.until_ms = request.until_ms();
  if (!request.group_by().empty()) {
    RYAX_TRY_ASSIGN(query.group_by,
                    domain::parse_accounting_group_by(request.group_by(),
                                                      "group_by"));
  }
  query.records = request.records();
  return query;
}

} // namespace

AccountingServiceImpl::AccountingServiceImpl(Gate& gate,
                                             app::AccountingService& accounting)
  : m_gate(gate)
  , m_accounting(accounting)
{
}

grpc::Status
AccountingServiceImpl::GetAccountingSummary(
  grpc::ServerContext* context,
  const v1::GetAccountingSummaryRequest* request,
  v1::AccountingSummary* reply)
{
  return guarded(m_gate,
                 context,
                 "GetAccountingSummary",
                 [&](const Caller& caller) -> Result<void> {
                   RYAX_TRY_ASSIGN(const auto query, from_proto(*request));
                   RYAX_TRY_ASSIGN(
                     const auto summary,
                     m_accounting.summarize(caller.principal, query));
                   reply->set_group_by(std::string(
                     domain::to_string(query.group_by)));
                   for (const auto& group : summary.groups) {
                     auto& out = *reply->add_groups();
                     out.set_key(group.key());
                     out.set_project(group.project);
                     out.set_workflow_id(group.workflow_id);
                     out.set_action_id(group.action_id);
                     out.set_action_version(group.action_version);
                     out.set_site(group.site);
                     out.set_node_pool(group.node_pool);
                     to_proto(group.totals, *out.mutable_totals());
                   }
                   to_proto(summary.total, *reply->mutable_total());
                   for (const auto& record : summary.records) {
                     to_proto(record, *reply->add_records());
                   }
                   reply->set_records_cut(summary.records_cut);
                   return {};
                 });
}

} // namespace ryax::daemon
