// `ryax variable set|list|show|rm`.

#include "core/domain/variable.hpp"

#include "cli/commands/commands.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "core/infrastructure/files/read_file.hpp"

#include "ryax/v1/variable.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

struct SetOptions
{
  std::string name;
  std::string value;
  std::string type;
  std::string description;
  bool has_description = false;
  std::string from_file;
};

nlohmann::json
to_json(const v1::Variable& v)
{
  return { { "project", v.project() }, { "name", v.name() },
           { "type", v.type() },       { "description", v.description() },
           { "value", v.value() },     { "updated_at", output::rfc3339_seconds(v.updated_at()) } };
}

// At most `max_bytes` read from standard input, refused past it.
Result<std::string>
read_stdin(std::uint64_t max_bytes)
{
  std::string text;
  char buffer[65536];
  while (text.size() <= max_bytes &&
         std::cin.read(buffer, sizeof(buffer)).gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
  }
  if (text.size() > max_bytes) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("standard input: more than {} bytes", max_bytes));
  }
  return text;
}

// The value of `ryax variable set`: VALUE, standard input ("-"), or the
// file of --from-file ("-" for standard input), checked against the size
// limit before it is read whole. A value read from a file or standard
// input loses its final newline unless the type is longstring.
Result<std::string>
value_of(const SetOptions& o)
{
  std::string source = o.from_file;
  if (source.empty()) {
    if (o.value != "-") {
      return o.value;
    }
    source = "-";
  }
  const auto limit =
    o.type == "integer" || o.type == "float" || o.type == "boolean"
      ? domain::k_max_variable_scalar_bytes
      : domain::k_max_variable_bytes;
  auto text =
    source == "-" ? read_stdin(limit) : infra::files::read_file(source, limit);
  if (!text) {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format("variable \"{}\": {}", o.name, text.error().message));
  }
  if (o.type != "longstring") {
    if (text->ends_with('\n')) {
      text->pop_back();
    }
    if (text->ends_with('\r')) {
      text->pop_back();
    }
  }
  return text;
}

int
run_set(Context& ctx, const SetOptions& o)
{
  if (o.from_file.empty() && o.value.empty()) {
    ctx.fail({ ErrorCode::invalid_argument,
               fmt::format("variable \"{}\": give a VALUE, \"-\" to read it "
                           "from standard input, or --from-file PATH",
                           o.name) });
    return ctx.exit_code;
  }
  if (!o.from_file.empty() && !o.value.empty()) {
    ctx.fail({ ErrorCode::invalid_argument,
               fmt::format("variable \"{}\": give a VALUE or --from-file, not "
                           "both",
                           o.name) });
    return ctx.exit_code;
  }
  if (o.type == "file") {
    ctx.fail({ ErrorCode::invalid_argument,
               fmt::format("variable \"{}\": type \"file\" is not supported "
                           "yet: store the file in the workflow (\"@path\") "
                           "or give it at run time (ryax run --file)",
                           o.name) });
    return ctx.exit_code;
  }
  auto value = value_of(o);
  if (!value) {
    ctx.fail(value.error());
    return ctx.exit_code;
  }
  v1::SetVariableRequest request;
  request.set_name(o.name);
  request.set_type(o.type);
  request.set_value(std::move(*value));
  if (o.has_description) {
    request.set_description(o.description);
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::VariableService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::Variable>([&](auto* c, auto* r) {
                      return stub->SetVariable(c, request, r);
                    }));
    output::emit(ctx, to_json(reply), [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << fmt::format("variable {} set in project {} ({})\n",
                           reply.name(),
                           reply.project(),
                           reply.type());
      }
    });
    return k_exit_ok;
  });
}

// The first line of `text`, at most 40 characters, for a table cell.
std::string
cell(const std::string& text)
{
  auto line = text.substr(0, text.find('\n'));
  if (line.size() > 40) {
    line = line.substr(0, 37) + "...";
  } else if (line.size() < text.size()) {
    line += "...";
  }
  return line;
}

int
run_list(Context& ctx)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::VariableService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::ListVariablesReply>([&](auto* c, auto* r) {
                      return stub->ListVariables(
                        c, v1::ListVariablesRequest{}, r);
                    }));
    auto doc = nlohmann::json::array();
    output::Table table{ { "NAME", "TYPE", "VALUE", "DESCRIPTION", "UPDATED" },
                         {} };
    for (const auto& v : reply.variables()) {
      doc.push_back(to_json(v));
      table.rows.push_back({ v.name(),
                             v.type(),
                             cell(v.value()),
                             cell(v.description()),
                             format_time(v.updated_at()) });
    }
    output::emit(ctx, doc, [&](std::ostream& out) {
      if (reply.variables().empty()) {
        if (!ctx.quiet) {
          out << "no variables\n";
        }
        return;
      }
      output::print_table(out, table, ctx.color());
    });
    return k_exit_ok;
  });
}

int
run_show(Context& ctx, const std::string& name)
{
  v1::GetVariableRequest request;
  request.set_name(name);
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::VariableService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto v,
                    client.call<v1::Variable>([&](auto* c, auto* r) {
                      return stub->GetVariable(c, request, r);
                    }));
    output::emit(ctx, to_json(v), [&](std::ostream& out) {
      output::print_fields(out,
                           { { "name", v.name() },
                             { "project", v.project() },
                             { "type", v.type() },
                             { "description", v.description() },
                             { "updated", format_time(v.updated_at()) },
                             { "value", v.value() } });
    });
    return k_exit_ok;
  });
}

int
run_rm(Context& ctx, const std::string& name)
{
  v1::RemoveVariableRequest request;
  request.set_name(name);
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::VariableService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<v1::RemoveVariableReply>([&](auto* c, auto* r) {
                      return stub->RemoveVariable(c, request, r);
                    }));
    (void)reply;
    output::emit(ctx, { { "removed", name } }, [&](std::ostream& out) {
      if (!ctx.quiet) {
        out << "removed variable " << name << "\n";
      }
    });
    return k_exit_ok;
  });
}

} // namespace

void
register_variable_commands(CLI::App& app, Context& ctx)
{
  auto* variable = app.add_subcommand(
    "variable", "Project variables, read by workflows as \"{{ vars.NAME }}\"");
  variable->require_subcommand(1);

  auto set = std::make_shared<SetOptions>();
  auto* set_cmd = variable->add_subcommand(
    "set", "Create or replace a variable of the project");
  set_cmd->add_option("name", set->name, "Its name (letters, digits, '_')")
    ->required();
  set_cmd->add_option(
    "value", set->value, "Its value; \"-\" reads it from standard input");
  set_cmd
    ->add_option("--type",
                 set->type,
                 "string (default for a new one), longstring, integer, "
                 "float, boolean, password or file (not supported yet)")
    ->check(CLI::IsMember({ "string",
                            "longstring",
                            "integer",
                            "float",
                            "boolean",
                            "password",
                            "file" }));
  auto* description =
    set_cmd->add_option("--description", set->description, "One line about it");
  set_cmd->add_option("--from-file",
                      set->from_file,
                      "Read the value from PATH (\"-\": standard input)");
  set_cmd->callback([&ctx, set, description] {
    set->has_description = description->count() > 0;
    ctx.exit_code = run_set(ctx, *set);
  });

  variable->add_subcommand("list", "List the variables of the project")
    ->callback([&ctx] { ctx.exit_code = run_list(ctx); });

  auto name = std::make_shared<std::string>();
  auto* show = variable->add_subcommand(
    "show", "Show one variable (a password reads \"********\")");
  show->add_option("name", *name, "The variable")->required();
  show->callback([&ctx, name] { ctx.exit_code = run_show(ctx, *name); });

  auto* rm = variable->add_subcommand("rm", "Remove a variable");
  rm->add_option("name", *name, "The variable")->required();
  rm->callback([&ctx, name] { ctx.exit_code = run_rm(ctx, *name); });
}

} // namespace ryax::cli
