// `ryax whoami`, `ryax project ...` and `ryax user ...`.

#include "cli/commands/commands.hpp"
#include "cli/output/time_format.hpp"
#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"

#include "ryax/v1/identity.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <optional>

namespace ryax::cli {

namespace {

std::string
joined(const google::protobuf::RepeatedPtrField<std::string>& items)
{
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

nlohmann::json
strings_json(const google::protobuf::RepeatedPtrField<std::string>& items)
{
  auto doc = nlohmann::json::array();
  for (const auto& item : items) {
    doc.push_back(item);
  }
  return doc;
}

nlohmann::json
who_json(const v1::WhoAmIReply& who)
{
  return { { "user", who.user() },
           { "role", who.role() },
           { "projects", strings_json(who.projects()) },
           { "current_project", who.current_project() },
           { "project", who.project() } };
}

nlohmann::json
user_json(const v1::User& user)
{
  nlohmann::json doc = { { "name", user.name() },
                         { "role", user.role() },
                         { "projects", strings_json(user.projects()) },
                         { "current_project", user.current_project() },
                         { "created_at", output::rfc3339_seconds(user.created_at()) } };
  doc["local_uid"] = user.has_local_uid() ? nlohmann::json(user.local_uid())
                                          : nlohmann::json(nullptr);
  return doc;
}

// The identity service's call `call` with `request`, its reply printed by
// `show` (as JSON/YAML: `doc`).
template<typename Reply, typename Call>
int
call_and_show(Context& ctx,
              Call&& call,
              const std::function<nlohmann::json(const Reply&)>& doc,
              const std::function<void(std::ostream&, const Reply&)>& show)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::IdentityService::NewStub(client.channel());
    RYAX_TRY_ASSIGN(const auto reply,
                    client.call<Reply>([&](auto* c, auto* r) {
                      return call(*stub, c, r);
                    }));
    output::emit(ctx, doc(reply),
                 [&](std::ostream& out) { show(out, reply); });
    return k_exit_ok;
  });
}

void
show_who(std::ostream& out, const v1::WhoAmIReply& who)
{
  output::print_fields(
    out,
    { { "user", who.user() },
      { "role", who.role() },
      { "project", who.project() },
      { "member of", who.projects().empty() ? "-" : joined(who.projects()) } });
}

nlohmann::json
members_json(const v1::ListMembersReply& reply)
{
  return { { "project", reply.project() },
           { "users", strings_json(reply.users()) } };
}

void
show_members(std::ostream& out, const v1::ListMembersReply& reply)
{
  if (reply.users().empty()) {
    out << "project " << reply.project() << " has no members\n";
    return;
  }
  for (const auto& user : reply.users()) {
    out << user << "\n";
  }
}

void
register_project_commands(CLI::App& app, Context& ctx)
{
  auto name = std::make_shared<std::string>();
  auto* project = app.add_subcommand(
    "project", "List, create and choose projects; manage their members");
  project->require_subcommand(1);

  project->add_subcommand("list", "List the projects you can use (all for "
                                  "an admin); * marks the current one")
    ->callback([&ctx] {
      ctx.exit_code = with_client(ctx, [&](const Client& client) -> Result<int> {
        auto stub = v1::IdentityService::NewStub(client.channel());
        RYAX_TRY_ASSIGN(const auto who,
                        client.call<v1::WhoAmIReply>([&](auto* c, auto* r) {
                          return stub->WhoAmI(c, {}, r);
                        }));
        RYAX_TRY_ASSIGN(const auto reply,
                        client.call<v1::ListProjectsReply>([&](auto* c, auto* r) {
                          return stub->ListProjects(c, {}, r);
                        }));
        auto doc = nlohmann::json::array();
        output::Table table{ { "", "NAME", "CREATED" }, {} };
        for (const auto& p : reply.projects()) {
          const bool current = p.name() == who.project();
          doc.push_back({ { "name", p.name() },
                          { "created_at", output::rfc3339_seconds(p.created_at()) },
                          { "current", current } });
          table.rows.push_back(
            { current ? "*" : "", p.name(), format_time(p.created_at()) });
        }
        output::emit(ctx, doc, [&](std::ostream& out) {
          output::print_table(out, table, ctx.color());
        });
        return k_exit_ok;
      });
    });

  auto* create = project->add_subcommand("create", "Create a project (admin)");
  create->add_option("name", *name, "Project name")->required();
  create->callback([&ctx, name] {
    v1::CreateProjectRequest request;
    request.set_name(*name);
    ctx.exit_code = call_and_show<v1::Project>(
      ctx,
      [&](auto& stub, auto* c, auto* r) {
        return stub.CreateProject(c, request, r);
      },
      [](const v1::Project& p) -> nlohmann::json {
        return { { "name", p.name() },
                 { "created_at", output::rfc3339_seconds(p.created_at()) } };
      },
      [&](std::ostream& out, const v1::Project& p) {
        if (!ctx.quiet) {
          out << "created project " << p.name() << "\n";
        }
      });
  });

  auto* use = project->add_subcommand(
    "use", "Make a project your current one (kept by the daemon)");
  use->add_option("name", *name, "Project name")->required();
  use->callback([&ctx, name] {
    ctx.project = *name;
    ctx.exit_code = call_and_show<v1::WhoAmIReply>(
      ctx,
      [&](auto& stub, auto* c, auto* r) { return stub.UseProject(c, {}, r); },
      who_json,
      [&](std::ostream& out, const v1::WhoAmIReply& who) {
        if (!ctx.quiet) {
          out << "current project: " << who.current_project() << "\n";
        }
      });
  });

  auto* members = project->add_subcommand(
    "members", "List, add and remove the members of the project (--project)");
  members->require_subcommand(0, 1);
  members->callback([&ctx, members] {
    if (!members->get_subcommands().empty()) {
      return;
    }
    ctx.exit_code = call_and_show<v1::ListMembersReply>(
      ctx,
      [&](auto& stub, auto* c, auto* r) { return stub.ListMembers(c, {}, r); },
      members_json,
      show_members);
  });
  for (const bool adding : { true, false }) {
    auto* sub = members->add_subcommand(
      adding ? "add" : "rm",
      adding ? "Make a user a member of the project (admin)"
             : "End a user's membership of the project (admin)");
    sub->add_option("user", *name, "User name")->required();
    sub->callback([&ctx, name, adding] {
      v1::MemberRequest request;
      request.set_user(*name);
      ctx.exit_code = call_and_show<v1::ListMembersReply>(
        ctx,
        [&](auto& stub, auto* c, auto* r) {
          return adding ? stub.AddMember(c, request, r)
                        : stub.RemoveMember(c, request, r);
        },
        members_json,
        show_members);
    });
  }
}

void
register_user_commands(CLI::App& app, Context& ctx)
{
  struct Options
  {
    std::string name;
    std::string role = "user";
    std::optional<std::int64_t> local_uid;
    bool password_stdin = false;
  };
  auto options = std::make_shared<Options>();
  auto* user = app.add_subcommand("user", "List, add and remove users (admin)");
  user->require_subcommand(1);

  user->add_subcommand("list", "List the users with their role and projects")
    ->callback([&ctx] {
      ctx.exit_code = call_and_show<v1::ListUsersReply>(
        ctx,
        [&](auto& stub, auto* c, auto* r) { return stub.ListUsers(c, {}, r); },
        [](const v1::ListUsersReply& reply) {
          auto doc = nlohmann::json::array();
          for (const auto& u : reply.users()) {
            doc.push_back(user_json(u));
          }
          return doc;
        },
        [&](std::ostream& out, const v1::ListUsersReply& reply) {
          output::Table table{ { "NAME", "ROLE", "LOCAL UID", "PROJECTS" },
                               {} };
          for (const auto& u : reply.users()) {
            table.rows.push_back(
              { u.name(), u.role(),
                u.has_local_uid() ? std::to_string(u.local_uid()) : "-",
                u.projects().empty() ? "-" : joined(u.projects()) });
          }
          output::print_table(out, table, ctx.color());
        });
    });

  auto* add = user->add_subcommand(
    "add", "Add a user, member of the project (--project, else yours)");
  add->add_option("name", options->name, "User name")->required();
  add->add_option("--role", options->role,
                  "admin, developer, user (run and read) or operator "
                  "(deployments and runs, no code)")
    ->check(CLI::IsMember({ "admin", "developer", "user", "operator" }))
    ->capture_default_str();
  add->add_option("--local-uid", options->local_uid,
                  "The local account (uid) that is this user on the socket")
    ->check(CLI::Range(std::int64_t{ 0 }, std::int64_t{ 4294967294 }));
  add->add_flag("--password-stdin", options->password_stdin,
                "Read a password (for ryax login) from standard input");
  add->callback([&ctx, options] {
    v1::AddUserRequest request;
    request.set_name(options->name);
    request.set_role(options->role);
    if (options->local_uid) {
      request.set_has_local_uid(true);
      request.set_local_uid(*options->local_uid);
    }
    if (options->password_stdin) {
      auto password = read_secret_stdin("--password-stdin");
      if (!password) {
        ctx.fail(password.error());
        return;
      }
      request.set_password(*password);
    }
    ctx.exit_code = call_and_show<v1::User>(
      ctx,
      [&](auto& stub, auto* c, auto* r) { return stub.AddUser(c, request, r); },
      user_json,
      [&](std::ostream& out, const v1::User& u) {
        if (!ctx.quiet) {
          out << fmt::format("added user {} (role {})\n", u.name(), u.role());
        }
      });
  });

  auto* rm = user->add_subcommand(
    "rm", "Remove a user, its memberships and its tokens");
  rm->add_option("name", options->name, "User name")->required();
  rm->callback([&ctx, options] {
    v1::RemoveUserRequest request;
    request.set_name(options->name);
    ctx.exit_code = call_and_show<v1::RemoveUserReply>(
      ctx,
      [&](auto& stub, auto* c, auto* r) {
        return stub.RemoveUser(c, request, r);
      },
      [&](const v1::RemoveUserReply&) -> nlohmann::json {
        return { { "removed", options->name } };
      },
      [&](std::ostream& out, const v1::RemoveUserReply&) {
        if (!ctx.quiet) {
          out << "removed user " << options->name << "\n";
        }
      });
  });
}

} // namespace

void
register_identity_commands(CLI::App& app, Context& ctx)
{
  app.add_subcommand("whoami", "Show who you are to ryaxd: user, role, "
                               "project")
    ->callback([&ctx] {
      ctx.exit_code = call_and_show<v1::WhoAmIReply>(
        ctx,
        [&](auto& stub, auto* c, auto* r) { return stub.WhoAmI(c, {}, r); },
        who_json,
        show_who);
    });
  register_project_commands(app, ctx);
  register_user_commands(app, ctx);
}

} // namespace ryax::cli
