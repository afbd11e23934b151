// `ryax deployments list|show`.

#include "cli/commands/commands.hpp"
#include "cli/commands/common.hpp"
#include "cli/commands/site_render.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"

#include "ryax/v1/site.grpc.pb.h"
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

struct DeploymentsOptions
{
  std::string workflow; // deployments list --workflow
  std::string id;       // deployments show WORKFLOW/ACTION
};

int
run_list(Context& ctx, const DeploymentsOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    v1::ListDeploymentsRequest request;
    request.set_workflow_id(o.workflow);
    RYAX_TRY_ASSIGN(
      const auto reply,
      client.call<v1::ListDeploymentsReply>([&](auto* c, auto* r) {
        return stub->ListDeployments(c, request, r);
      }));
    auto doc = nlohmann::json::array();
    for (const auto& deployment : reply.deployments()) {
      doc.push_back(deployment_json(deployment));
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (reply.deployments().empty()) {
        if (!ctx.quiet) {
          out << "no deployments\n";
        }
        return;
      }
      output::print_table(out, deployments_table(reply), ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_show(Context& ctx, const DeploymentsOptions& o)
{
  // Checked before the daemon is reached, so that a typo never autostarts
  // it.
  if (auto checked = check_deployment_id(o.id); !checked) {
    ctx.fail(checked.error());
    return ctx.exit_code;
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    v1::GetDeploymentRequest request;
    request.set_id(o.id);
    RYAX_TRY_ASSIGN(const auto deployment,
                    client.call<v1::Deployment>([&](auto* c, auto* r) {
                      return stub->GetDeployment(c, request, r);
                    }));
    output::emit(ctx, deployment_json(deployment), [&](std::ostream& out) {
      output::print_fields(out, deployment_fields(deployment));
      out << "\nreplicas:\n";
      if (deployment.replica_list().empty()) {
        out << "  (none)\n";
        return;
      }
      output::print_table(out, replicas_table(deployment, "  "), false);
    });
    return k_exit_ok;
  });
}

} // namespace

void
register_deployment_commands(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<DeploymentsOptions>();

  auto* deployments = app.add_subcommand(
    "deployments",
    "Inspect deployments: the warm replicas of each step of deployed "
    "workflows");
  deployments->require_subcommand(1);

  auto* list = deployments->add_subcommand(
    "list", "List deployments: replicas, state, executions served, idle time");
  list
    ->add_option(
      "--workflow", o->workflow, "Only the deployments of this workflow")
    ->type_name("ID");
  list->callback([&ctx, o] { ctx.exit_code = run_list(ctx, *o); });

  auto* show = deployments->add_subcommand(
    "show", "Show a deployment and each of its replicas");
  show->add_option("deployment", o->id, "Deployment id: WORKFLOW/ACTION")
    ->required();
  show->callback([&ctx, o] { ctx.exit_code = run_show(ctx, *o); });
}

} // namespace ryax::cli
