// `ryax site list|show|token create|rm`.

#include "cli/commands/commands.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/common.hpp"
#include "cli/commands/site_render.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "core/domain/action.hpp"
#include "core/domain/agent.hpp"

#include "ryax/v1/site.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

int
run_list(Context& ctx)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListSitesReply>([&](auto* c, auto* r) {
                      return stub->ListSites(c, {}, r);
                    }));
    auto doc = nlohmann::json::array();
    for (const auto& site : reply.sites()) {
      doc.push_back(site_json(site));
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (reply.sites().empty()) {
        if (!ctx.quiet) {
          out << "no sites\n";
        }
        return;
      }
      output::print_table(out, sites_table(reply), ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_show(Context& ctx, const std::string& name)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    v1::GetSiteRequest request;
    request.set_name(name);
    RYAX_TRY_ASSIGN(const auto site,
                    client.call<v1::Site>([&](auto* c, auto* r) {
                      return stub->GetSite(c, request, r);
                    }));
    output::emit(ctx, site_json(site), [&](std::ostream& out) {
      output::print_fields(out, site_fields(site));
      out << "\npools:\n";
      if (site.pools().empty()) {
        out << "  (none)\n";
        return;
      }
      output::print_table(out, pools_table(site, "  "), false);
      if (site.kind() == "SLURM_SSH" && site.slurm_partitions_size() > 0) {
        out << "\nsinfo:\n";
        output::print_table(out, slurm_partitions_table(site, "  "), false);
      }
    });
    return k_exit_ok;
  });
}

int
run_token_create(Context& ctx, const std::string& expires)
{
  v1::CreateJoinTokenRequest request;
  auto seconds = domain::parse_duration_seconds(expires);
  if (!seconds || *seconds <= 0
      || *seconds > domain::k_max_join_token_seconds) {
    ctx.fail({ ErrorCode::invalid_argument,
               fmt::format("--expires \"{}\": expected a positive duration of "
                           "at most 30 days (\"24h\", \"7d\")",
                           expires.size() > 40 ? expires.substr(0, 37) + "..."
                                               : expires) });
    return ctx.exit_code;
  }
  request.set_ttl_seconds(*seconds);
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto made,
                    client.call<v1::JoinToken>([&](auto* c, auto* r) {
                      return stub->CreateJoinToken(c, request, r);
                    }));
    const nlohmann::json doc{ { "token", made.token() },
                              { "id", made.id() },
                              { "expires_ms", made.expires_unix_ms() },
                              { "expires_at", output::rfc3339_ms(made.expires_unix_ms()) },
                              { "address", made.address() } };
    output::emit(ctx, doc, [&](std::ostream& out) {
      // The token alone on stdout when it is captured; the join command
      // beside it on a terminal, on stderr otherwise.
      out << made.token() << "\n";
      if (!ctx.quiet) {
        auto& note = ::isatty(STDOUT_FILENO) != 0 ? out : std::cerr;
        note << fmt::format(
          "join token {}, valid until {} for any number of workers: on each "
          "worker run\n  ryaxd --join {} --join-token TOKEN --site NAME\n"
          "(replace {} by the address workers reach this daemon at)\n",
          made.id(), format_time(made.expires_unix_ms() / 1000),
          made.address().empty() ? "HOST:PORT" : made.address(),
          made.address().empty() ? "HOST:PORT" : made.address());
      }
    });
    return k_exit_ok;
  });
}

int
run_remove(Context& ctx, const std::string& name)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::SiteService::NewStub(client.channel());
    v1::RemoveSiteRequest request;
    request.set_name(name);
    RYAX_TRY(client.call<v1::RemoveSiteReply>([&](auto* c, auto* r) {
      return stub->RemoveSite(c, request, r);
    }));
    output::emit(ctx, { { "removed", name } }, [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << fmt::format("removed site {}: its worker's credential is "
                           "revoked\n",
                           name);
      }
    });
    return k_exit_ok;
  });
}

} // namespace

void
register_site_commands(CLI::App& app, Context& ctx)
{
  auto name = std::make_shared<std::string>();

  auto* site = app.add_subcommand(
    "site", "Inspect the sites and node pools steps are placed on");
  site->require_subcommand(1);

  auto* list = site->add_subcommand(
    "list", "List sites with their CPU and memory in use and their queue");
  list->callback([&ctx] { ctx.exit_code = run_list(ctx); });

  auto* show = site->add_subcommand(
    "show", "Show a site and each of its pools: capacity, use, queue");
  show->add_option("site", *name, "Site name (\"local\")")->required();
  show->callback([&ctx, name] { ctx.exit_code = run_show(ctx, *name); });

  auto* token = site->add_subcommand(
    "token", "Make join tokens for worker agents (admin)");
  token->require_subcommand(1);
  auto expires = std::make_shared<std::string>("24h");
  auto* create = token->add_subcommand(
    "create", "Make a token that lets machines join as worker sites "
              "(shown once)");
  create->add_option("--expires", *expires,
                     "Lifetime: a duration up to 30d (default 24h)");
  create->callback(
    [&ctx, expires] { ctx.exit_code = run_token_create(ctx, *expires); });

  auto* rm = site->add_subcommand(
    "rm", "Remove a worker's site and revoke its credential (admin)");
  rm->add_option("site", *name, "Site name (`ryax site list`)")->required();
  rm->callback([&ctx, name] { ctx.exit_code = run_remove(ctx, *name); });
}

} // namespace ryax::cli
