// `ryax workflow validate|push|list|show|export|diff|graph|deploy|undeploy|rm|errors`.
#include "cli/commands/commands.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/common.hpp"
#include "cli/commands/graphviz.hpp"
#include "cli/commands/lint.hpp"
#include "cli/commands/workflow_render.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "cli/output/printable.hpp"
#include "core/infrastructure/files/containment.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/yaml/workflow_parser.hpp"

#include "ryax/v1/workflow.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

namespace fs = std::filesystem;

namespace ryax::cli {

namespace {

struct WorkflowOptions
{
  std::string id;
  std::string file;
  int version = 0; // 0: the latest
  bool deploy = false;
  bool force = false;
  bool exit_code = false;
  std::string format = "dot";
  bool offline = false;
  std::vector<std::string> action_dirs; // --actions, for --offline
  bool watch = false;                   // show --watch
};

// The "@path" static files `text` names (read leniently: the daemon reports
// every problem of the file).
std::set<std::string>
static_files(const std::string& text, const std::string& display_path)
{
  std::set<std::string> paths;
  const auto parsed = infra::yaml::parse_workflow(text, display_path);
  if (!parsed.workflow) {
    return paths;
  }
  std::vector<const domain::WorkflowStep*> steps = {
    &parsed.workflow->trigger
  };
  for (const auto& action : parsed.workflow->actions) {
    steps.push_back(&action);
  }
  for (const auto* step : steps) {
    for (const auto& [input, binding] : step->inputs_values) {
      if (const auto* file = std::get_if<domain::StaticFile>(&binding)) {
        paths.insert(file->path);
      }
    }
  }
  return paths;
}

// FILE and the static files it names, relative to its directory; a missing
// one is left out for the daemon to report with its line.
Result<v1::WorkflowSource>
read_source(const std::string& file)
{
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return fail(
      ErrorCode::invalid_argument,
      fs::exists(file, ec)
        ? fmt::format("workflow file \"{}\" is not a regular file", file)
        : fmt::format("workflow file \"{}\" does not exist", file));
  }
  v1::WorkflowSource source;
  RYAX_TRY_ASSIGN(auto text, infra::files::read_file(file, k_max_upload_bytes));
  // Protobuf strings are UTF-8: other bytes would fail the call unnamed.
  if (const auto bad = infra::yaml::check_utf8(text)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}:{}:{}: {}", file, bad->mark.line + 1,
                            bad->mark.column + 1, bad->message));
  }
  source.set_display_path(file);
  const auto base = fs::path(file).parent_path();
  const auto outside = [&](const std::string& shown) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: static file \"@{}\" leads outside the workflow "
                            "file's directory through a symlink", file, shown));
  };
  const auto root = base.empty() ? fs::path(".") : base;
  for (const auto& path : static_files(text, file)) {
    const auto full = base / path;
    // Symlinks resolved: "@link" to /etc/passwd must not be uploaded.
    if (fs::exists(full, ec) && !infra::files::is_within(full, root)) {
      return outside(path);
    }
    if (fs::is_regular_file(full, ec)) {
      RYAX_TRY_ASSIGN(auto content,
                      infra::files::read_file(full, k_max_upload_bytes));
      auto* entry = source.add_files();
      entry->set_path(path);
      entry->set_content(std::move(content));
    } else if (fs::is_directory(full, ec)) {
      auto* entry = source.add_files();
      entry->set_path(path);
      entry->set_directory(true);
      for (const auto& item : fs::recursive_directory_iterator(full, ec)) {
        if (item.is_regular_file() && !infra::files::is_within(item.path(), root)) {
          return outside(path + "/" + item.path().lexically_relative(full).string());
        }
        if (item.is_regular_file()) {
          RYAX_TRY_ASSIGN(
            auto content,
            infra::files::read_file(item.path(), k_max_upload_bytes));
          auto* inner = source.add_files();
          inner->set_path(
            path + "/" + item.path().lexically_relative(full).generic_string());
          inner->set_content(std::move(content));
        }
      }
    }
  }
  source.set_text(std::move(text));
  return source;
}

nlohmann::json
to_json(const v1::Diagnostic& d)
{
  return { { "file", d.file() },       { "line", d.line() },
           { "column", d.column() },   { "field", d.field() },
           { "message", d.message() }, { "text", d.text() } };
}

nlohmann::json
to_json(const v1::WorkflowStatus& s)
{
  return { { "id", s.id() },
           { "latest_version", s.latest_version() },
           { "deployed_version",
             s.deployed_version() == 0 ? nlohmann::json(nullptr)
                                       : nlohmann::json(s.deployed_version()) },
           { "state", s.state() },
           { "reason", s.reason() },
           { "updated_at", output::rfc3339_seconds(s.updated_at()) } };
}

template<typename Diagnostics>
nlohmann::json
diagnostics_json(const Diagnostics& diagnostics)
{
  auto doc = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    doc.push_back(to_json(d));
  }
  return doc;
}

// Print every diagnostic on stderr and return the error that ends the
// command.
template<typename Diagnostics>
Error
invalid_file(const std::string& file,
             const Diagnostics& diagnostics,
             const std::string& consequence)
{
  for (const auto& d : diagnostics) {
    std::cerr << d.text() << "\n";
  }
  return Error{ ErrorCode::invalid_argument,
                fmt::format("{}: {} problem{}{}",
                            file,
                            diagnostics.size(),
                            diagnostics.size() == 1 ? "" : "s",
                            consequence) };
}

int
run_validate(Context& ctx, const WorkflowOptions& o)
{
  if (o.offline) {
    auto source = read_source(o.file);
    if (!source) {
      ctx.fail(source.error());
      return ctx.exit_code;
    }
    return validate_offline(ctx, o.file, *source, o.action_dirs);
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY_ASSIGN(const auto source, read_source(o.file));
    auto stub = v1::WorkflowService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(
      const auto reply,
      client.call<v1::ValidateWorkflowReply>([&](auto* c, auto* r) {
        return stub->ValidateWorkflow(c, source, r);
      }));
    const nlohmann::json doc = { { "file", o.file },
                                 { "id", reply.workflow_id() },
                                 { "valid", reply.diagnostics().empty() },
                                 { "diagnostics",
                                   diagnostics_json(reply.diagnostics()) } };
    if (!ctx.for_people()) {
      output::emit(ctx, doc, [](std::ostream&) {});
      return reply.diagnostics().empty() ? k_exit_ok : k_exit_invalid;
    }
    if (!reply.diagnostics().empty()) {
      return std::unexpected(invalid_file(o.file, reply.diagnostics(), ""));
    }
    if (!ctx.quiet) {
      std::cout << o.file << ": valid\n";
    }
    return k_exit_ok;
  });
}

int
run_push(Context& ctx, const WorkflowOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    v1::PushWorkflowRequest request;
    RYAX_TRY_ASSIGN(*request.mutable_source(), read_source(o.file));
    request.set_deploy(o.deploy);
    auto stub = v1::WorkflowService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::PushWorkflowReply>([&](auto* c, auto* r) {
                      return stub->PushWorkflow(c, request, r);
                    }));
    if (!reply.diagnostics().empty()) {
      return std::unexpected(
        invalid_file(o.file, reply.diagnostics(), ": nothing pushed"));
    }
    if (!reply.note().empty()) {
      std::cerr << "ryax: note: " << reply.note() << "\n";
    }
    const nlohmann::json doc = { { "id", reply.workflow_id() },
                                 { "version", reply.version() },
                                 { "created", reply.created() },
                                 { "status", to_json(reply.status()) },
                                 { "note", reply.note() } };
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (ctx.quiet) {
        return;
      }
      out << (reply.created()
                ? fmt::format("workflow {} version {} pushed\n",
                              reply.workflow_id(),
                              reply.version())
                : fmt::format(
                    "workflow {} unchanged: identical to version {} (no "
                    "new version)\n",
                    reply.workflow_id(),
                    reply.version()));
      if (o.deploy) {
        out << fmt::format("workflow {} version {} deployed\n",
                           reply.workflow_id(),
                           reply.status().deployed_version());
      }
    });
    return k_exit_ok;
  });
}

int
run_list(Context& ctx)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::WorkflowService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListWorkflowsReply>([&](auto* c, auto* r) {
                      return stub->ListWorkflows(c, {}, r);
                    }));
    auto doc = nlohmann::json::array();
    output::Table table{ { "ID", "LATEST", "DEPLOYED", "STATE" }, {} };
    for (const auto& w : reply.workflows()) {
      doc.push_back(to_json(w));
      table.rows.push_back({ w.id(),
                             std::to_string(w.latest_version()),
                             w.deployed_version() == 0
                               ? "-"
                               : std::to_string(w.deployed_version()),
                             w.state() });
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      output::print_table(out, table, ctx.color());
    });
    return k_exit_ok;
  });
}

Result<v1::Workflow>
get_workflow(const Client& client, const std::string& id, int version)
{
  auto stub = v1::WorkflowService::NewStub(client.channel());
  v1::GetWorkflowRequest request;
  request.set_id(id);
  request.set_version(version);
  return client.call<v1::Workflow>(
    [&](auto* c, auto* r) { return stub->GetWorkflow(c, request, r); });
}

nlohmann::json
document(const v1::Workflow& workflow)
{
  auto doc = nlohmann::json::parse(workflow.document_json(), nullptr, false);
  if (doc.is_discarded()) {
    return nlohmann::json::object();
  }
  output::seconds_to_rfc3339(doc, { "created_at" });
  return doc;
}

int
run_show(Context& ctx, const WorkflowOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY_ASSIGN(auto workflow, get_workflow(client, o.id, o.version));
    if (!o.watch) {
      const auto doc = document(workflow);
      output::emit(
        ctx, doc, [&](std::ostream& out) { print_workflow(out, workflow, doc); });
      return k_exit_ok;
    }
    // --watch: again at each change of its state, until it is neither
    // deploying nor undeploying; polled twice a second.
    const bool redraw = ctx.for_people() && ctx.progress();
    std::string shown;
    for (bool first = true;; first = false) {
      const auto doc = document(workflow);
      const auto state = workflow.status().state() + "|" + workflow.status().reason();
      if (state != shown) {
        shown = state;
        if (!ctx.for_people()) {
          output::print_document(ctx, doc);
        } else {
          std::cout << (redraw ? "\033[H\033[2J" : first ? "" : "\n");
          output::print_safely(std::cout, [&](std::ostream& out) {
            print_workflow(out, workflow, doc);
          });
          std::cout.flush();
        }
      }
      if (workflow.status().state() != "deploying"
          && workflow.status().state() != "undeploying") {
        return k_exit_ok;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      RYAX_TRY_ASSIGN(workflow, get_workflow(client, o.id, o.version));
    }
  });
}

int
run_export(Context& ctx, const WorkflowOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY_ASSIGN(const auto workflow, get_workflow(client, o.id, o.version));
    std::cout << workflow.yaml() << std::flush;
    return k_exit_ok;
  });
}

int
run_diff(Context& ctx, const WorkflowOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY_ASSIGN(const auto workflow, get_workflow(client, o.id, 0));
    RYAX_TRY_ASSIGN(const auto source, read_source(o.file));
    auto stub = v1::WorkflowService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(
      const auto reply,
      client.call<v1::ValidateWorkflowReply>([&](auto* c, auto* r) {
        return stub->ValidateWorkflow(c, source, r);
      }));
    if (reply.normalised_yaml().empty()) {
      return std::unexpected(
        invalid_file(o.file, reply.diagnostics(), ": cannot compare it"));
    }
    const auto diff =
      unified_diff(workflow.yaml(),
                   reply.normalised_yaml(),
                   fmt::format("{} version {}", o.id, workflow.version()),
                   o.file);
    std::cout << diff << std::flush;
    return o.exit_code && !diff.empty() ? k_exit_different : k_exit_ok;
  });
}

int
run_graph(Context& ctx, const WorkflowOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    RYAX_TRY_ASSIGN(const auto workflow, get_workflow(client, o.id, o.version));
    const auto doc = document(workflow);
    if (o.format == "svg" || o.format == "png") {
      RYAX_TRY(render_graph(workflow_dot(doc), o.format));
      return k_exit_ok;
    }
    std::cout << (o.format == "mermaid" ? workflow_mermaid(doc)
                                        : workflow_dot(doc))
              << std::flush;
    return k_exit_ok;
  });
}

int
run_deploy(Context& ctx, const WorkflowOptions& o, bool deploy)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::WorkflowService::NewStub(client.channel());
    v1::WorkflowStatus status;
    if (deploy) {
      v1::DeployWorkflowRequest request;
      request.set_id(o.id);
      request.set_version(o.version);
      RYAX_TRY_ASSIGN(status,
                      client.call<v1::WorkflowStatus>([&](auto* c, auto* r) {
                        return stub->DeployWorkflow(c, request, r);
                      }));
    } else {
      v1::UndeployWorkflowRequest request;
      request.set_id(o.id);
      RYAX_TRY_ASSIGN(status,
                      client.call<v1::WorkflowStatus>([&](auto* c, auto* r) {
                        return stub->UndeployWorkflow(c, request, r);
                      }));
    }
    output::emit(ctx, to_json(status), [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << fmt::format("workflow {} {}\n", status.id(), state_text(status));
      }
    });
    return k_exit_ok;
  });
}

int
run_remove(Context& ctx, const WorkflowOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::WorkflowService::NewStub(client.channel());
    v1::RemoveWorkflowRequest request;
    request.set_id(o.id);
    request.set_force(o.force);
    RYAX_TRY(client.call<v1::RemoveWorkflowReply>(
      [&](auto* c, auto* r) { return stub->RemoveWorkflow(c, request, r); }));
    output::emit(ctx, { { "id", o.id }, { "removed", true } }, [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << "workflow " << o.id << " removed\n";
      }
    });
    return k_exit_ok;
  });
}

int
run_errors(Context& ctx, const WorkflowOptions& o)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::WorkflowService::NewStub(client.channel());
    v1::ListWorkflowErrorsRequest request;
    request.set_id(o.id);
    RYAX_TRY_ASSIGN(
      const auto reply,
      client.call<v1::ListWorkflowErrorsReply>([&](auto* c, auto* r) {
        return stub->ListWorkflowErrors(c, request, r);
      }));
    auto doc = nlohmann::json::array();
    output::Table table{ { "TIME", "VERSION", "ERROR" }, {} };
    for (const auto& e : reply.errors()) {
      doc.push_back({ { "at", output::rfc3339_seconds(e.at()) },
                      { "version", e.version() },
                      { "message", e.message() } });
      table.rows.push_back(
        { format_time(e.at()), std::to_string(e.version()), e.message() });
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (table.rows.empty()) {
        if (!ctx.quiet) {
          out << "no deployment errors for " << o.id << "\n";
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
register_workflow_commands(CLI::App& app, Context& ctx)
{
  auto* workflow = app.add_subcommand(
    "workflow", "Validate, push, inspect, deploy and remove workflows");
  workflow->require_subcommand(1);
  auto o = std::make_shared<WorkflowOptions>();
  const auto add_id = [&](CLI::App* cmd) {
    cmd->add_option("id", o->id, "Workflow id")->required();
  };
  const auto add_file = [&](CLI::App* cmd) {
    cmd->add_option("file", o->file, "Workflow file (ryax-workflow(5))")
      ->required();
  };
  const auto add_version = [&](CLI::App* cmd) {
    cmd
      ->add_option(
        "--version", o->version, "Version number (default: the latest)")
      ->check(CLI::PositiveNumber);
  };

  auto* validate = workflow->add_subcommand(
    "validate",
    "Check a workflow file against the catalogue; every problem at once");
  add_file(validate);
  validate->add_flag("--offline", o->offline,
                     "Check against the actions of working trees, without "
                     "the daemon (builds are not checked)");
  validate
    ->add_option("--actions", o->action_dirs,
                 "With --offline: a working tree of actions (default .); "
                 "repeat for more")
    ->allow_extra_args(false);
  validate->callback([&ctx, o] { ctx.exit_code = run_validate(ctx, *o); });

  auto* push = workflow->add_subcommand(
    "push",
    "Validate a workflow file and record it as a new version when it changed");
  add_file(push);
  push->add_flag("--deploy", o->deploy, "Deploy the pushed version");
  push->callback([&ctx, o] { ctx.exit_code = run_push(ctx, *o); });

  workflow
    ->add_subcommand("list", "List workflows: versions and deployment state")
    ->callback([&ctx] { ctx.exit_code = run_list(ctx); });

  auto* show = workflow->add_subcommand(
    "show", "Show a workflow version: steps, edges, bindings, results, state");
  add_id(show);
  add_version(show);
  show->add_flag("-w,--watch", o->watch,
                 "While it deploys or undeploys, print it again at each change "
                 "of its state, until it is done");
  show->callback([&ctx, o] { ctx.exit_code = run_show(ctx, *o); });

  auto* exported = workflow->add_subcommand(
    "export", "Print a workflow version as a normalised workflow file");
  add_id(exported);
  add_version(exported);
  exported->callback([&ctx, o] { ctx.exit_code = run_export(ctx, *o); });

  auto* diff = workflow->add_subcommand(
    "diff", "Compare the latest version with a workflow file (unified diff)");
  add_id(diff);
  add_file(diff);
  diff->add_flag("--exit-code", o->exit_code, "Exit 1 when they differ (as git diff --exit-code)");
  diff->callback([&ctx, o] { ctx.exit_code = run_diff(ctx, *o); });

  auto* graph =
    workflow->add_subcommand("graph", "Print the DAG of a workflow version");
  add_id(graph);
  add_version(graph);
  graph->add_option("--format", o->format,
                    "dot (default), mermaid, or svg and png drawn by "
                    "Graphviz's dot")
    ->check(CLI::IsMember({ "dot", "mermaid", "svg", "png" }));
  graph->callback([&ctx, o] { ctx.exit_code = run_graph(ctx, *o); });

  auto* deploy = workflow->add_subcommand(
    "deploy", "Deploy a workflow version once every action is built");
  add_id(deploy);
  add_version(deploy);
  deploy->callback([&ctx, o] { ctx.exit_code = run_deploy(ctx, *o, true); });

  auto* undeploy = workflow->add_subcommand("undeploy", "Undeploy a workflow");
  add_id(undeploy);
  undeploy->callback([&ctx, o] { ctx.exit_code = run_deploy(ctx, *o, false); });

  auto* rm = workflow->add_subcommand(
    "rm", "Remove a workflow and every version (refused while deployed)");
  add_id(rm);
  rm->add_flag("--force", o->force, "Undeploy it first when it is deployed");
  rm->callback([&ctx, o] { ctx.exit_code = run_remove(ctx, *o); });

  auto* errors = workflow->add_subcommand(
    "errors", "List the deployment errors of a workflow");
  add_id(errors);
  errors->callback([&ctx, o] { ctx.exit_code = run_errors(ctx, *o); });
}

} // namespace ryax::cli
