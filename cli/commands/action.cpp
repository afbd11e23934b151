// `ryax action list|show|rm|init|test|lint`.

#include "cli/commands/action_init.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/action_init_git.hpp"
#include "cli/commands/action_render.hpp"
#include "cli/commands/action_test.hpp"
#include "cli/commands/commands.hpp"
#include "cli/commands/lint.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"

#include "ryax/v1/action.grpc.pb.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace ryax::cli {

namespace {

struct ListOptions
{
  std::string repository;
  std::string kind;
  std::string category;
  bool all_versions = false;
};

// "processor" -> "Processor": kinds are typed in any case.
std::string
capitalised(std::string text)
{
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!text.empty()) {
    text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  }
  return text;
}

nlohmann::json
document(const v1::ActionVersion& v)
{
  auto doc = nlohmann::json::parse(v.document_json(), nullptr, false);
  if (doc.is_discarded()) {
    return nlohmann::json::object();
  }
  output::seconds_to_rfc3339(doc, { "scanned_at" });
  return doc;
}

int
run_list(Context& ctx, const ListOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::ActionService::NewStub(client.channel());
    v1::ListActionsRequest request;
    request.set_repository(o.repository);
    request.set_kind(o.kind.empty() ? "" : capitalised(o.kind));
    request.set_category(o.category);
    request.set_all_versions(o.all_versions);
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListActionsReply>([&](auto* c, auto* r) {
                      return stub->ListActions(c, request, r);
                    }));
    nlohmann::json doc = nlohmann::json::array();
    output::Table table{{"ID", "VERSION", "KIND", "TYPE", "STATE", "REPOSITORY"}, {}};
    for (const auto& a : reply.actions()) {
      doc.push_back(document(a));
      table.rows.push_back(
        {a.id(), a.version(), a.kind(), a.type(), a.build_state(),
         a.repository() + (a.gone_from_head() ? " (gone from head)" : "")});
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      output::print_table(out, table, ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_show(Context& ctx, const std::string& ref)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::ActionService::NewStub(client.channel());
    v1::GetActionRequest request;
    request.set_ref(ref);
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ActionVersion>([&](auto* c, auto* r) {
                      return stub->GetAction(c, request, r);
                    }));
    const auto doc = document(reply);
    output::emit(ctx, doc, [&](std::ostream& out) { print_action(out, doc); });
    return k_exit_ok;
  });
}

int
run_remove(Context& ctx, const std::string& ref, bool yes)
{
  if (ref.find(':') == std::string::npos
      && !confirmed(fmt::format("Remove every version of action {}?", ref), yes)) {
    std::cerr << "ryax: nothing removed\n";
    return k_exit_ok;
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::ActionService::NewStub(client.channel());
    v1::RemoveActionRequest request;
    request.set_ref(ref);
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::RemoveActionReply>([&](auto* c, auto* r) {
                      return stub->RemoveAction(c, request, r);
                    }));
    output::emit(ctx, { { "ref", ref }, { "removed", reply.removed() } },
                 [&](std::ostream& out) {
                   if (!ctx.quiet) {
                     out << fmt::format("removed {} version{} of {}\n", reply.removed(),
                                        reply.removed() == 1 ? "" : "s", ref);
                   }
                 });
    return k_exit_ok;
  });
}

int
run_init(Context& ctx, const ActionInitOptions& o)
{
  std::error_code ec;
  const auto parent = o.directory.empty() ? std::string() : action_parent(o.directory);
  const bool parent_was_new =
    !parent.empty()
    && (!std::filesystem::exists(parent, ec) || std::filesystem::is_empty(parent, ec));
  auto written = scaffold_action(o);
  if (!written) {
    ctx.fail(written.error());
    return ctx.exit_code;
  }
  // Leave what `ryax repo add` accepts: a git repository with a commit.
  auto git = commit_new_action(o.directory, parent_was_new);
  if (!git) {
    ctx.fail(git.error());
    return ctx.exit_code;
  }
  const nlohmann::json doc = { { "directory", o.directory },
                               { "files", *written },
                               { "git", *git } };
  output::emit(ctx, doc, [&](std::ostream& out) {
    if (!ctx.quiet) {
      for (const auto& file : *written) {
        out << "created " << file << "\n";
      }
      out << *git << "\n";
    }
  });
  return k_exit_ok;
}

} // namespace

void
register_action_commands(CLI::App& app, Context& ctx)
{
  auto* action = app.add_subcommand("action", "Inspect the action catalogue and scaffold actions");
  action->require_subcommand(1);

  auto list = std::make_shared<ListOptions>();
  auto* list_cmd = action->add_subcommand("list", "List catalogued actions (latest versions)");
  list_cmd->add_option("--repo", list->repository, "Only actions of this repository");
  list_cmd->add_option("--kind", list->kind, "processor, source or publisher");
  list_cmd->add_option("--category", list->category, "Only actions with this category");
  list_cmd->add_flag("--all-versions", list->all_versions, "Every version, not only the latest");
  list_cmd->callback([&ctx, list] { ctx.exit_code = run_list(ctx, *list); });

  auto ref = std::make_shared<std::string>();
  auto* show = action->add_subcommand("show", "Show an action version: metadata, IO, provenance");
  show->add_option("ref", *ref, "ID (latest version) or ID:VERSION")->required();
  show->callback([&ctx, ref] { ctx.exit_code = run_show(ctx, *ref); });

  auto* rm = action->add_subcommand("rm", "Remove an action version (ID removes every version)");
  rm->add_option("ref", *ref, "ID or ID:VERSION")->required();
  auto yes = std::make_shared<bool>(false);
  rm->add_flag("-y,--yes", *yes, "Do not ask before removing every version of ID");
  rm->callback([&ctx, ref, yes] { ctx.exit_code = run_remove(ctx, *ref, *yes); });

  auto init = std::make_shared<ActionInitOptions>();
  auto* init_cmd = action->add_subcommand(
    "init", "Scaffold a valid action in DIR (metadata, handler, requirements)");
  init_cmd->add_option("dir", init->directory, "Directory to create")->required();
  init_cmd->add_option("--kind", init->kind, "processor, source or publisher")
    ->required()
    ->check(CLI::IsMember({"processor", "source", "publisher"}, CLI::ignore_case));
  init_cmd->add_option("--type", init->type, "python3 (default) or nodejs")
    ->check(CLI::IsMember({"python3", "nodejs"}));
  init_cmd->add_option("--id", init->id, "Action id (default: the directory name)");
  init_cmd->callback([&ctx, init] { ctx.exit_code = run_init(ctx, *init); });

  auto test = std::make_shared<ActionTestOptions>();
  auto* test_cmd = action->add_subcommand(
    "test", "Run an action from a local directory once, without the daemon");
  test_cmd->add_option("dir", test->directory, "The action's directory")->required();
  test_cmd->add_option("--input", test->inputs, "NAME=VALUE, typed as the input declares");
  test_cmd->add_option("--file", test->files, "NAME=PATH for a file or directory input");
  test_cmd->add_flag("--keep", test->keep, "Keep the run directory (kept anyway for file outputs)");
  test_cmd->callback([&ctx, test] { ctx.exit_code = run_action_test(ctx, *test); });

  register_build_commands(*action, ctx);
  register_lint_command(*action, ctx);
}

} // namespace ryax::cli
