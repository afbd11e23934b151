// `ryax action lint` and `ryax workflow validate --offline`: the daemon's
// validation of actions and workflows, run on working trees.

#include "cli/commands/lint.hpp"

#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "core/application/action_lint.hpp"
#include "core/application/workflow_check.hpp"
#include "core/infrastructure/files/working_tree.hpp"
#include "core/infrastructure/yaml/yaml_action_metadata_parser.hpp"
#include "core/infrastructure/yaml/yaml_workflow_format.hpp"

#include "ryax/v1/workflow.pb.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

// The actions of every tree of `dirs`: not_found for a missing one.
Result<std::vector<std::pair<std::string, std::vector<app::LintedAction>>>>
lint_trees(const std::vector<std::string>& dirs)
{
  infra::yaml::YamlActionMetadataParser parser;
  std::vector<std::pair<std::string, std::vector<app::LintedAction>>> trees;
  for (const auto& dir : dirs) {
    infra::files::WorkingTree tree(dir);
    RYAX_TRY_ASSIGN(auto actions, app::lint_actions(tree, parser));
    trees.emplace_back(dir, std::move(actions));
  }
  return trees;
}

nlohmann::json
to_json(const app::LintedAction& linted)
{
  const auto& a = linted.scanned;
  return {
    { "directory", a.directory },
    { "id", a.id },
    { "version", a.version },
    { "kind", a.kind ? std::string(domain::to_string(*a.kind)) : "" },
    { "type", a.type ? std::string(domain::to_string(*a.type)) : "" },
    { "ok", a.ok() },
    { "errors", a.errors },
  };
}

int
run_lint(Context& ctx, std::vector<std::string> dirs)
{
  if (dirs.empty()) {
    dirs.push_back(".");
  }
  auto trees = lint_trees(dirs);
  if (!trees) {
    ctx.fail(trees.error());
    return ctx.exit_code;
  }
  int total = 0;
  int failed = 0;
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& [dir, actions] : *trees) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& a : actions) {
      items.push_back(to_json(a));
      ++total;
      failed += a.scanned.ok() ? 0 : 1;
    }
    doc.push_back({ { "directory", dir }, { "actions", items } });
  }
  output::emit(ctx, doc, [&](std::ostream& out) {
    for (const auto& [dir, actions] : *trees) {
      output::Table table{ { "ID", "VERSION", "KIND", "TYPE", "STATUS", "DIRECTORY" }, {} };
      for (const auto& linted : actions) {
        const auto& a = linted.scanned;
        table.rows.push_back(
          { a.id.empty() ? "?" : a.id, a.version.empty() ? "?" : a.version,
            a.kind ? std::string(domain::to_string(*a.kind)) : "-",
            a.type ? std::string(domain::to_string(*a.type)) : "-",
            a.ok() ? "ok" : "error (invalid)",
            a.directory.empty() ? "." : a.directory });
      }
      if (!table.rows.empty()) {
        output::print_table(out, table, ctx.color());
      }
      for (const auto& linted : actions) {
        for (const auto& e : linted.scanned.errors) {
          out << "error: " << e << "\n";
        }
      }
      if (!ctx.quiet) {
        int bad = 0;
        for (const auto& linted : actions) {
          bad += linted.scanned.ok() ? 0 : 1;
        }
        out << fmt::format("{}: {} action{}, {} ok, {} with errors\n", dir,
                           actions.size(), actions.size() == 1 ? "" : "s",
                           actions.size() - static_cast<std::size_t>(bad), bad);
      }
    }
  });
  if (failed > 0) {
    std::cerr << fmt::format("ryax: error: {} of {} actions have errors\n",
                             failed, total);
    return k_exit_invalid;
  }
  return k_exit_ok;
}

// The valid actions of the trees as catalogue entries, built: an offline
// check has no builds.
app::VersionsLookup
lookup_of(const std::vector<std::pair<std::string, std::vector<app::LintedAction>>>& trees)
{
  std::vector<domain::ActionVersion> versions;
  for (const auto& [dir, actions] : trees) {
    for (const auto& linted : actions) {
      if (!linted.metadata) {
        continue;
      }
      domain::ActionVersion version;
      version.metadata = *linted.metadata;
      version.directory = linted.scanned.directory;
      version.build_state = domain::BuildState::built;
      versions.push_back(std::move(version));
    }
  }
  return app::VersionsLookup(std::move(versions));
}

} // namespace

int
validate_offline(Context& ctx, const std::string& file,
                 const v1::WorkflowSource& proto,
                 const std::vector<std::string>& action_dirs)
{
  auto trees = lint_trees(action_dirs.empty() ? std::vector<std::string>{ "." }
                                              : action_dirs);
  if (!trees) {
    ctx.fail(trees.error());
    return ctx.exit_code;
  }
  app::WorkflowSource source;
  source.text = proto.text();
  source.display_path = proto.display_path();
  for (const auto& entry : proto.files()) {
    if (entry.directory()) {
      source.directories.insert(entry.path());
    } else {
      source.files.emplace(entry.path(), entry.content());
    }
  }
  infra::yaml::YamlWorkflowFormat format;
  const auto validation =
    app::check_workflow_source(format, source, lookup_of(*trees));
  nlohmann::json diagnostics = nlohmann::json::array();
  for (const auto& d : validation.diagnostics) {
    diagnostics.push_back({ { "file", d.file }, { "line", d.line },
                            { "column", d.column }, { "field", d.field },
                            { "message", d.message },
                            { "text", domain::format_diagnostic(d) } });
  }
  const bool valid = validation.diagnostics.empty();
  if (!ctx.for_people()) {
    const nlohmann::json doc = {
      { "file", file },
      { "id", validation.workflow ? validation.workflow->id : "" },
      { "valid", valid },
      { "diagnostics", diagnostics },
    };
    output::emit(ctx, doc, [](std::ostream&) {});
    return valid ? k_exit_ok : k_exit_invalid;
  }
  if (!valid) {
    for (const auto& d : validation.diagnostics) {
      std::cerr << domain::format_diagnostic(d) << "\n";
    }
    ctx.fail({ ErrorCode::invalid_argument,
               fmt::format("{}: {} problem{}", file,
                           validation.diagnostics.size(),
                           validation.diagnostics.size() == 1 ? "" : "s") });
    return ctx.exit_code;
  }
  if (!ctx.quiet) {
    std::cout << file << ": valid (offline)\n";
  }
  return k_exit_ok;
}

void
register_lint_command(CLI::App& action, Context& ctx)
{
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* lint = action.add_subcommand(
    "lint",
    "Validate the actions under each DIR (default .) as repo scan does, "
    "without the daemon; exit 5 on any problem");
  lint->add_option("dir", *dirs, "Working trees to search for ryax_metadata.yaml");
  lint->callback([&ctx, dirs] { ctx.exit_code = run_lint(ctx, *dirs); });
}

} // namespace ryax::cli
