// `ryax repo add|list|show|rm|scan`.

#include "cli/commands/commands.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "cli/output/progress.hpp"
#include "core/infrastructure/files/read_file.hpp"

#include "ryax/v1/action.grpc.pb.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace ryax::cli {

namespace {

struct AddOptions
{
  std::string name;
  std::string url;
  std::string branch;
  std::string username;
  bool password_stdin = false;
  std::string ssh_key_file;
};

struct ScanOptions
{
  std::string name;
  std::string ref;
  bool force = false;
  bool strict = false;
};

nlohmann::json
to_json(const v1::Repository& r)
{
  return {
    {"name", r.name()},
    {"url", r.url()},
    {"branch", r.branch()},
    {"username", r.username()},
    {"has_password", r.has_password()},
    {"has_ssh_key", r.has_ssh_key()},
    {"created_at", output::rfc3339_seconds(r.created_at())},
    {"last_scan_at", output::rfc3339_seconds(r.last_scan_at())},
    {"last_scan_ref", r.last_scan_ref()},
    {"last_scan_commit", r.last_scan_commit()},
  };
}

// A local path becomes absolute: the daemon runs in another directory.
std::string
normalise_url(const std::string& url)
{
  if (url.find("://") != std::string::npos) {
    return url;
  }
  std::error_code ec;
  if (url.starts_with('.') || url.starts_with('/') || fs::exists(url, ec)) {
    auto absolute = fs::absolute(url, ec);
    if (!ec) {
      auto text = absolute.lexically_normal().string();
      if (text.size() > 1 && text.ends_with('/')) {
        text.pop_back();
      }
      return text;
    }
  }
  return url;
}

int
run_add(Context& ctx, const AddOptions& o)
{
  v1::AddRepositoryRequest request;
  request.set_name(o.name);
  request.set_url(normalise_url(o.url));
  request.set_branch(o.branch);
  request.set_username(o.username);
  if (o.password_stdin) {
    auto password = read_secret_stdin("--password-stdin");
    if (!password) {
      ctx.fail(password.error());
      return ctx.exit_code;
    }
    request.set_password(*password);
  }
  if (!o.ssh_key_file.empty()) {
    // A private key is a few kB: anything past 1 MiB is not one.
    auto key =
      infra::files::read_file(o.ssh_key_file, std::uint64_t{ 1 } << 20);
    if (!key) {
      ctx.fail(
        { ErrorCode::invalid_argument, "SSH key: " + key.error().message });
      return ctx.exit_code;
    }
    request.set_ssh_key(std::move(*key));
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RepositoryService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::Repository>([&](auto* c, auto* r) {
                      return stub->AddRepository(c, request, r);
                    }));
    output::emit(ctx, to_json(reply), [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << fmt::format("repository {} added ({})\n", reply.name(), reply.url());
      }
    });
    return k_exit_ok;
  });
}

int
run_list(Context& ctx)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RepositoryService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListRepositoriesReply>([&](auto* c, auto* r) {
                      return stub->ListRepositories(c, {}, r);
                    }));
    nlohmann::json doc = nlohmann::json::array();
    output::Table table{{"NAME", "URL", "BRANCH", "LAST SCAN", "COMMIT"}, {}};
    for (const auto& r : reply.repositories()) {
      doc.push_back(to_json(r));
      table.rows.push_back({r.name(), r.url(),
                            r.branch().empty() ? "(default)" : r.branch(),
                            format_time(r.last_scan_at()),
                            r.last_scan_commit().substr(0, 12)});
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      output::print_table(out, table, ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_show(Context& ctx, const std::string& name)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RepositoryService::NewStub(client.channel());
    v1::GetRepositoryRequest request;
    request.set_name(name);
    RYAX_TRY_ASSIGN(const auto r, client.call<v1::Repository>([&](auto* c, auto* rep) {
      return stub->GetRepository(c, request, rep);
    }));
    output::emit(ctx, to_json(r), [&](std::ostream& out) {
      std::string credentials;
      if (r.has_password()) {
        credentials = "password (set)";
      } else if (r.has_ssh_key()) {
        credentials = "ssh key (set)";
      } else {
        credentials = "none";
      }
      output::print_fields(
        out, {{"name", r.name()},
              {"url", r.url()},
              {"branch", r.branch().empty() ? "(remote default)" : r.branch()},
              {"username", r.username().empty() ? "-" : r.username()},
              {"credentials", credentials},
              {"added", format_time(r.created_at())},
              {"last scan", format_time(r.last_scan_at())},
              {"last ref", r.last_scan_ref().empty() ? "-" : r.last_scan_ref()},
              {"last commit",
               r.last_scan_commit().empty() ? "-" : r.last_scan_commit()}});
    });
    return k_exit_ok;
  });
}

int
run_remove(Context& ctx, const std::string& name)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RepositoryService::NewStub(client.channel());
    v1::RemoveRepositoryRequest request;
    request.set_name(name);
    RYAX_TRY(client.call<v1::RemoveRepositoryReply>([&](auto* c, auto* r) {
      return stub->RemoveRepository(c, request, r);
    }));
    output::emit(ctx, { { "name", name }, { "removed", true } }, [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << "repository " << name << " removed\n";
      }
    });
    return k_exit_ok;
  });
}

nlohmann::json
to_json(const v1::ScanReport& report)
{
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& a : report.actions()) {
    actions.push_back({
      {"directory", a.directory()},
      {"id", a.id()},
      {"version", a.version()},
      {"kind", a.kind()},
      {"type", a.type()},
      {"tree_id", a.tree_id()},
      {"status", a.status()},
      {"errors", std::vector<std::string>(a.errors().begin(), a.errors().end())},
    });
  }
  return {
    {"repository", report.repository()},
    {"ref", report.ref()},
    {"commit", report.commit()},
    {"cloned", report.cloned()},
    {"actions", actions},
    {"gone", std::vector<std::string>(report.gone().begin(), report.gone().end())},
  };
}

bool
is_ok(const v1::ScannedAction& a)
{
  return a.status() != "invalid" && a.status() != "conflict";
}

int
run_scan(Context& ctx, const ScanOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::RepositoryService::NewStub(client.channel());
    v1::ScanRepositoryRequest request;
    request.set_name(o.name);
    request.set_ref(o.ref);
    request.set_force(o.force);
    v1::ScanReport report;
    {
      output::Spinner spinner(ctx.progress(), "scanning " + o.name);
      RYAX_TRY_ASSIGN(report, client.call<v1::ScanReport>([&](auto* c, auto* r) {
        return stub->ScanRepository(c, request, r);
      }));
    }
    int failed = 0;
    for (const auto& a : report.actions()) {
      failed += is_ok(a) ? 0 : 1;
    }
    output::emit(ctx, to_json(report), [&](std::ostream& out) {
      output::Table table{{"ID", "VERSION", "KIND", "TYPE", "STATUS", "DIRECTORY"}, {}};
      for (const auto& a : report.actions()) {
        table.rows.push_back({a.id().empty() ? "?" : a.id(),
                              a.version().empty() ? "?" : a.version(),
                              a.kind().empty() ? "-" : a.kind(),
                              a.type().empty() ? "-" : a.type(),
                              is_ok(a) ? "ok" : "error (" + a.status() + ")",
                              a.directory().empty() ? "." : a.directory()});
      }
      if (!table.rows.empty()) {
        output::print_table(out, table, ctx.color());
      }
      for (const auto& a : report.actions()) {
        for (const auto& e : a.errors()) {
          out << "error: " << e << "\n";
        }
      }
      for (const auto& g : report.gone()) {
        out << "gone from " << (report.ref().empty() ? "the head" : report.ref())
            << ": " << g << "\n";
      }
      if (!ctx.quiet) {
        out << fmt::format("{} at {}: {} action{}, {} ok, {} with errors\n",
                           report.repository(), report.commit().substr(0, 12),
                           report.actions_size(),
                           report.actions_size() == 1 ? "" : "s",
                           report.actions_size() - failed, failed);
      }
    });
    if (o.strict && failed > 0) {
      std::cerr << fmt::format("ryax: error: {} of {} actions in {} have errors "
                               "(--strict)\n",
                               failed, report.actions_size(), report.repository());
      return k_exit_invalid;
    }
    return k_exit_ok;
  });
}

} // namespace

void
register_repo_commands(CLI::App& app, Context& ctx)
{
  auto* repo = app.add_subcommand("repo", "Register and scan git repositories of actions");
  repo->require_subcommand(1);

  auto add = std::make_shared<AddOptions>();
  auto* add_cmd = repo->add_subcommand(
    "add", "Register a repository (local path, file://, https://, ssh://, git@host:path)");
  add_cmd->add_option("name", add->name, "Repository name")->required();
  add_cmd->add_option("url", add->url, "Where the repository is")->required();
  add_cmd->add_option("--branch", add->branch,
                      "Branch scanned by default (default: the remote's default)");
  add_cmd->add_option("--username", add->username, "User name for https");
  add_cmd->add_flag("--password-stdin", add->password_stdin,
                    "Read the password or token from standard input");
  add_cmd->add_option("--ssh-key", add->ssh_key_file, "Private SSH key file");
  add_cmd->callback([&ctx, add] { ctx.exit_code = run_add(ctx, *add); });

  repo->add_subcommand("list", "List registered repositories")
    ->callback([&ctx] { ctx.exit_code = run_list(ctx); });

  auto name = std::make_shared<std::string>();
  auto* show = repo->add_subcommand("show", "Show a repository (never its credentials)");
  show->add_option("name", *name, "Repository name")->required();
  show->callback([&ctx, name] { ctx.exit_code = run_show(ctx, *name); });

  auto* rm = repo->add_subcommand(
    "rm", "Forget a repository and its mirror (catalogued actions stay)");
  rm->add_option("name", *name, "Repository name")->required();
  rm->callback([&ctx, name] { ctx.exit_code = run_remove(ctx, *name); });

  auto scan = std::make_shared<ScanOptions>();
  auto* scan_cmd = repo->add_subcommand(
    "scan", "Fetch a repository, validate its actions and catalogue the valid ones");
  scan_cmd->add_option("name", scan->name, "Repository name")->required();
  scan_cmd->add_option("--ref", scan->ref,
                       "Branch, tag or commit to scan (default: the repository's branch)");
  scan_cmd->add_flag("--force", scan->force,
                     "Replace an id:version already catalogued with other content");
  scan_cmd->add_flag("--strict", scan->strict,
                     "Exit 5 when any action is invalid (for CI and git hooks)");
  scan_cmd->callback([&ctx, scan] { ctx.exit_code = run_scan(ctx, *scan); });
}

} // namespace ryax::cli
