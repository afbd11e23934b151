// `ryax apikey create|list|revoke|require`.

#include "cli/commands/commands.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "core/domain/action.hpp"
#include "core/domain/api_key.hpp"

#include "ryax/v1/apikey.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

// "valid", "revoked" or "expired".
std::string
state_of(const v1::ApiKey& key)
{
  if (key.revoked()) {
    return "revoked";
  }
  if (key.expires_ms() != 0 && now_ms() >= key.expires_ms()) {
    return "expired";
  }
  return "valid";
}

nlohmann::json
to_json(const v1::ApiKey& key)
{
  nlohmann::json doc = {
    { "project", key.project() },       { "name", key.name() },
    { "prefix", key.prefix() },         { "created_ms", key.created_ms() },
    { "expires_ms", key.expires_ms() }, { "revoked", key.revoked() },
    { "state", state_of(key) },         { "last_used_ms", nullptr },
    { "created_at", output::rfc3339_ms(key.created_ms()) },
    { "expires_at", output::rfc3339_ms(key.expires_ms()) },
    { "last_used_at", nullptr }
  };
  if (key.has_last_used_ms()) {
    doc["last_used_ms"] = key.last_used_ms();
    doc["last_used_at"] = output::rfc3339_ms(key.last_used_ms());
  }
  return doc;
}

int
run_create(Context& ctx, const std::string& name, const std::string& expires)
{
  // Checked here too, so that a typo costs no round trip.
  if (auto checked = domain::check_api_key_name(name); !checked) {
    ctx.fail(checked.error());
    return ctx.exit_code;
  }
  v1::CreateApiKeyRequest request;
  request.set_name(name);
  if (expires != "never") {
    auto seconds = domain::parse_duration_seconds(expires);
    if (!seconds || *seconds <= 0 ||
        *seconds > domain::k_max_api_key_lifetime_seconds) {
      ctx.fail({ ErrorCode::invalid_argument,
                 fmt::format("--expires \"{}\": expected a positive duration "
                             "of at most 10 years (\"30d\", \"12h\") or "
                             "\"never\"",
                             expires.size() > 40 ? expires.substr(0, 37) + "..."
                                                 : expires) });
      return ctx.exit_code;
    }
    request.set_lifetime_seconds(*seconds);
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::ApiKeyService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto made,
                    client.call<v1::CreatedApiKey>([&](auto* c, auto* r) {
                      return stub->CreateApiKey(c, request, r);
                    }));
    auto doc = to_json(made.info());
    doc["key"] = made.key();
    output::emit(ctx, doc, [&](std::ostream& out) {
      // The key alone on stdout when it is captured (`$(ryax apikey create
      // ...)`); the note on stderr then, beside the key on a terminal.
      out << made.key() << "\n";
      if (!ctx.quiet) {
        auto& note = ::isatty(STDOUT_FILENO) != 0 ? out : std::cerr;
        note << fmt::format(
          "API key {} ({}) of project {}, expires {}: shown this once and "
          "never again, keep it secret; requests to the project's HTTP API "
          "now need a key\n",
          made.info().name(),
          made.info().prefix(),
          made.info().project(),
          format_time(made.info().expires_ms() / 1000));
      }
    });
    return k_exit_ok;
  });
}

Result<v1::ListApiKeysReply>
list_keys(const Client& client)
{
  auto stub = v1::ApiKeyService::NewStub(client.channel());
  return client.call<v1::ListApiKeysReply>([&](auto* c, auto* r) {
    return stub->ListApiKeys(c, v1::ListApiKeysRequest{}, r);
  });
}

int
run_list(Context& ctx)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY_ASSIGN(const auto reply, list_keys(client));
    auto doc = nlohmann::json::array();
    output::Table table{
      { "NAME", "PREFIX", "CREATED", "EXPIRES", "STATE", "LAST USED" }, {}
    };
    for (const auto& key : reply.keys()) {
      doc.push_back(to_json(key));
      table.rows.push_back({ key.name(),
                             key.prefix(),
                             format_time(key.created_ms() / 1000),
                             format_time(key.expires_ms() / 1000),
                             state_of(key),
                             key.has_last_used_ms()
                               ? format_time(key.last_used_ms() / 1000)
                               : "never" });
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (reply.keys().empty()) {
        if (!ctx.quiet) {
          out << "no API keys\n";
        }
        return;
      }
      output::print_table(out, table, ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_revoke(Context& ctx, const std::string& name)
{
  v1::RevokeApiKeyRequest request;
  request.set_name(name);
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::ApiKeyService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::RevokeApiKeyReply>([&](auto* c, auto* r) {
                      return stub->RevokeApiKey(c, request, r);
                    }));
    (void)reply;
    output::emit(ctx, { { "revoked", name } }, [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << "revoked API key " << name << "\n";
      }
    });
    return k_exit_ok;
  });
}

// `require` alone shows the setting; `require on|off` changes it.
int
run_require(Context& ctx, const std::string& setting)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    bool required = setting == "on";
    if (setting.empty()) {
      RYAX_TRY_ASSIGN(const auto reply, list_keys(client));
      required = reply.required();
    } else {
      auto stub = v1::ApiKeyService::NewStub(client.channel());
      v1::SetApiKeysRequiredRequest request;
      request.set_required(required);
      RYAX_TRY_ASSIGN(
        const auto reply,
        client.call<v1::SetApiKeysRequiredReply>([&](auto* c, auto* r) {
          return stub->SetApiKeysRequired(c, request, r);
        }));
      (void)reply;
    }
    output::emit(ctx, { { "required", required } }, [&](std::ostream& out) {
      out << (required ? "on" : "off") << "\n";
    });
    return k_exit_ok;
  });
}

} // namespace

void
register_apikey_commands(CLI::App& app, Context& ctx)
{
  auto name = std::make_shared<std::string>();
  auto expires = std::make_shared<std::string>("never");
  auto setting = std::make_shared<std::string>();

  auto* apikey = app.add_subcommand(
    "apikey", "API keys of the project's HTTP API (X-API-Key)");
  apikey->require_subcommand(1);

  auto* create = apikey->add_subcommand(
    "create",
    "Make a key; it is printed once, on stdout, and the project then "
    "requires keys");
  create
    ->add_option("name",
                 *name,
                 "What the key is for: 1 to 64 letters, digits, '_', '-', '.'")
    ->required();
  create
    ->add_option(
      "--expires", *expires, "Lifetime: \"30d\", \"12h\"... or \"never\"")
    ->capture_default_str();
  create->callback([&ctx, name, expires] {
    ctx.exit_code = run_create(ctx, *name, *expires);
  });

  apikey
    ->add_subcommand("list",
                     "List the project's keys (never the keys themselves)")
    ->callback([&ctx] { ctx.exit_code = run_list(ctx); });

  auto* revoke =
    apikey->add_subcommand("revoke", "Revoke a key of the project");
  revoke->add_option("name", *name, "The key (`ryax apikey list`)")->required();
  revoke->callback([&ctx, name] { ctx.exit_code = run_revoke(ctx, *name); });

  auto* require = apikey->add_subcommand(
    "require", "Show, or set, whether the project's HTTP API requires a key");
  require->add_option("setting", *setting, "on or off")
    ->check(CLI::IsMember({ "on", "off" }));
  require->callback(
    [&ctx, setting] { ctx.exit_code = run_require(ctx, *setting); });
}

} // namespace ryax::cli
