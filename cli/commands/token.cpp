// `ryax token create|list|revoke` and `ryax audit list`.

#include "cli/commands/commands.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "cli/output/time_format.hpp"
#include "core/domain/action.hpp"

#include "ryax/v1/identity.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

nlohmann::json
token_json(const v1::Token& token)
{
  return { { "id", token.id() },
           { "user", token.user() },
           { "name", token.name() },
           { "kind", token.kind() },
           { "created_at", output::rfc3339_seconds(token.created_at()) },
           { "expires_at", output::rfc3339_seconds(token.expires_at()) },
           { "revoked", token.revoked() } };
}

int
run_create(Context& ctx, const std::string& name, const std::string& expires)
{
  v1::CreateTokenRequest request;
  request.set_name(name);
  if (expires != "never") {
    auto seconds = domain::parse_duration_seconds(expires);
    if (!seconds || *seconds <= 0) {
      ctx.fail({ ErrorCode::invalid_argument,
                 fmt::format("--expires \"{}\": expected a positive duration "
                             "(\"30d\", \"12h\") or \"never\"",
                             expires) });
      return ctx.exit_code;
    }
    request.set_lifetime_seconds(*seconds);
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::IdentityService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto made,
                    client.call<v1::CreatedToken>([&](auto* c, auto* r) {
                      return stub->CreateToken(c, request, r);
                    }));
    auto doc = token_json(made.info());
    doc["token"] = made.token();
    output::emit(ctx, doc, [&](std::ostream& out) {
      // The token alone on stdout, so that `$(ryax token create ...)` holds
      // it; the rest on stderr.
      out << made.token() << "\n";
      if (!ctx.quiet) {
        std::cerr << fmt::format(
          "token {} ({}) expires {}: shown this once, keep it secret "
          "(RYAX_TOKEN)\n",
          made.info().id(), made.info().name(),
          format_time(made.info().expires_at()));
      }
    });
    return k_exit_ok;
  });
}

int
run_list(Context& ctx, bool all)
{
  v1::ListTokensRequest request;
  request.set_all(all);
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::IdentityService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListTokensReply>([&](auto* c, auto* r) {
                      return stub->ListTokens(c, request, r);
                    }));
    auto doc = nlohmann::json::array();
    output::Table table{
      { "ID", "USER", "NAME", "KIND", "CREATED", "EXPIRES", "STATE" }, {}
    };
    for (const auto& t : reply.tokens()) {
      doc.push_back(token_json(t));
      table.rows.push_back({ t.id(), t.user(), t.name(), t.kind(),
                             format_time(t.created_at()),
                             format_time(t.expires_at()),
                             t.revoked() ? "revoked" : "valid" });
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (reply.tokens().empty()) {
        if (!ctx.quiet) {
          out << "no tokens\n";
        }
        return;
      }
      output::print_table(out, table, ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_revoke(Context& ctx, const std::string& id)
{
  v1::RevokeTokenRequest request;
  request.set_id(id);
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::IdentityService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::RevokeTokenReply>([&](auto* c, auto* r) {
                      return stub->RevokeToken(c, request, r);
                    }));
    (void)reply;
    output::emit(ctx, { { "revoked", id } }, [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << "revoked token " << id << "\n";
      }
    });
    return k_exit_ok;
  });
}

struct AuditOptions
{
  std::string user;
  std::string since;
  int limit = 100;
};

int
run_audit(Context& ctx, const AuditOptions& o)
{
  v1::ListAuditRequest request;
  request.set_user(o.user);
  request.set_limit(o.limit);
  if (!o.since.empty()) {
    auto seconds = domain::parse_duration_seconds(o.since);
    if (!seconds) {
      ctx.fail({ ErrorCode::invalid_argument,
                 fmt::format("--since \"{}\": expected a duration such as "
                             "\"30m\" or \"2d\"",
                             o.since) });
      return ctx.exit_code;
    }
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    request.set_since_ms(now - *seconds * 1000);
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::IdentityService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListAuditReply>([&](auto* c, auto* r) {
                      return stub->ListAudit(c, request, r);
                    }));
    auto doc = nlohmann::json::array();
    output::Table table{
      { "WHEN", "USER", "CALL", "PROJECT", "OUTCOME", "DETAIL" }, {}
    };
    for (const auto& e : reply.entries()) {
      doc.push_back({ { "at_ms", e.at_ms() },
                      { "user", e.user() },
                      { "method", e.method() },
                      { "project", e.project() },
                      { "outcome", e.outcome() },
                      { "detail", e.detail() } });
      table.rows.push_back(
        { output::format_unix_time(e.at_ms() / 1000, output::TimeZone::local,
                                   output::TimeLayout::seconds),
          e.user().empty() ? "-" : e.user(), e.method(),
          e.project().empty() ? "-" : e.project(), e.outcome(), e.detail() });
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (reply.entries().empty()) {
        if (!ctx.quiet) {
          out << "no audit entries\n";
        }
        return;
      }
      output::print_table(out, table, ctx.color());
    });
    return k_exit_ok;
  });
}

} // namespace

void
register_token_commands(CLI::App& app, Context& ctx)
{
  auto name = std::make_shared<std::string>();
  auto expires = std::make_shared<std::string>("90d");
  auto all = std::make_shared<bool>(false);

  auto* token = app.add_subcommand(
    "token", "Personal access tokens for scripts and CI (RYAX_TOKEN)");
  token->require_subcommand(1);

  auto* create = token->add_subcommand(
    "create", "Make a token of yours; it is printed once, on stdout");
  create->add_option("--name", *name, "What the token is for (\"ci\")")
    ->required();
  create->add_option("--expires", *expires,
                     "Lifetime: \"30d\", \"12h\"... or \"never\"")
    ->capture_default_str();
  create->callback(
    [&ctx, name, expires] { ctx.exit_code = run_create(ctx, *name, *expires); });

  auto* list = token->add_subcommand(
    "list", "List your tokens (never the tokens themselves)");
  list->add_flag("--all", *all, "Every user's tokens (admin)");
  list->callback([&ctx, all] { ctx.exit_code = run_list(ctx, *all); });

  auto* revoke = token->add_subcommand("revoke", "Revoke a token of yours");
  revoke->add_option("id", *name, "The token's id (`ryax token list`)")
    ->required();
  revoke->callback([&ctx, name] { ctx.exit_code = run_revoke(ctx, *name); });

  auto audit_options = std::make_shared<AuditOptions>();
  auto* audit = app.add_subcommand(
    "audit", "Read the audit log: refused calls and every change (admin)");
  audit->require_subcommand(1);
  auto* audit_list =
    audit->add_subcommand("list", "List audit entries, newest first");
  audit_list->add_option("--user", audit_options->user, "Only this user's");
  audit_list->add_option("--since", audit_options->since,
                         "Only the last DURATION (\"1h\", \"7d\")");
  audit_list->add_option("--limit", audit_options->limit, "At most N entries")
    ->check(CLI::Range(1, 10000))
    ->capture_default_str();
  audit_list->callback(
    [&ctx, audit_options] { ctx.exit_code = run_audit(ctx, *audit_options); });
}

} // namespace ryax::cli
