// Users, roles, projects and tokens, end to end: a real ryaxd, the real
// ryax binary, and raw gRPC calls for the isolation matrix.

#include "core/domain/identity.hpp"
#include "tests/integration/identity_helpers.hpp"
#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/legacy_database.hpp"

#include "ryax/v1/accounting.grpc.pb.h"
#include "ryax/v1/action.grpc.pb.h"
#include "ryax/v1/agent.grpc.pb.h"
#include "ryax/v1/apikey.grpc.pb.h"
#include <SQLiteCpp/Database.h>
#include "ryax/v1/build.grpc.pb.h"
#include "ryax/v1/daemon.grpc.pb.h"
#include "ryax/v1/event.grpc.pb.h"
#include "ryax/v1/identity.grpc.pb.h"
#include "ryax/v1/run.grpc.pb.h"
#include "ryax/v1/site.grpc.pb.h"
#include "ryax/v1/variable.grpc.pb.h"
#include "ryax/v1/workflow.grpc.pb.h"
#include <doctest/doctest.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

using namespace ryax::test;
using ryax::domain::Role;

namespace {

// Call `method` (a full name: "/ryax.v1.RunService/GetRun") with an empty
// request as the holder of `token` in `project`, whatever its kind (unary
// or streaming): the status it ends with.
grpc::Status
call_empty(grpc::GenericStub& stub, const std::string& method,
           const std::string& token, const std::string& project)
{
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.AddMetadata("ryax-project", project);
  context.set_deadline(std::chrono::system_clock::now()
                       + std::chrono::seconds(10));
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(&context, method, &queue);
  void* tag = nullptr;
  bool ok = false;
  int next = 1;
  const auto step = [&](auto&& start) {
    void* mine = reinterpret_cast<void*>(static_cast<std::intptr_t>(next++));
    start(mine);
    REQUIRE(queue.Next(&tag, &ok));
    CHECK(tag == mine);
    return ok;
  };
  step([&](void* t) { call->StartCall(t); });
  grpc::ByteBuffer empty;
  grpc::Slice nothing;
  grpc::ByteBuffer request(&nothing, 1);
  step([&](void* t) { call->Write(request, t); });
  step([&](void* t) { call->WritesDone(t); });
  while (step([&](void* t) { call->Read(&empty, t); })) {
  }
  grpc::Status status;
  step([&](void* t) { call->Finish(&status, t); });
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

// Every method of the daemon's gRPC services, as "/package.Service/Method".
std::vector<std::pair<std::string, std::string>>
daemon_methods()
{
  std::vector<std::pair<std::string, std::string>> methods;
  // One message of each file, so that every file's descriptors are linked
  // in and registered.
  for (const auto* linked :
       { ryax::v1::HealthRequest::descriptor(),
         ryax::v1::AddRepositoryRequest::descriptor(),
         ryax::v1::BuildActionsRequest::descriptor(),
         ryax::v1::WorkflowFile::descriptor(),
         ryax::v1::RunFileUpload::descriptor(),
         ryax::v1::ListSitesRequest::descriptor(),
         ryax::v1::WhoAmIRequest::descriptor(),
         ryax::v1::GetVariableRequest::descriptor(),
         ryax::v1::ListApiKeysRequest::descriptor(),
         ryax::v1::GetAccountingSummaryRequest::descriptor(),
         ryax::v1::WatchEventsRequest::descriptor(),
         ryax::v1::AgentHello::descriptor() }) {
    REQUIRE(linked != nullptr);
  }
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* name :
       { "DaemonService", "RepositoryService", "ActionService",
         "BuildService", "WorkflowService", "RunService", "SiteService",
         "IdentityService", "VariableService", "ApiKeyService",
         "AccountingService", "EventService", "AgentService" }) {
    const auto* service = pool->FindServiceByName(std::string("ryax.v1.") + name);
    REQUIRE_MESSAGE(service != nullptr, name);
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* m = service->method(i);
      methods.emplace_back("/" + service->full_name() + "/" + m->name(),
                           m->name());
    }
  }
  return methods;
}

} // namespace

TEST_SUITE_BEGIN("identity");

TEST_CASE("isolation matrix: every RPC, every role but admin, as a member "
          "and as a non-member, is refused exactly where the permission "
          "table says")
{
  DaemonFixture d;
  REQUIRE(d.ryax({ "project", "create", "other" }).exit_code == 0);
  struct Holder
  {
    Role role;
    bool member;
    std::string token;
  };
  std::vector<Holder> holders;
  for (const auto role : { Role::developer, Role::user, Role::operator_ }) {
    for (const bool member : { true, false }) {
      const auto name = std::string(ryax::domain::to_string(role))
                        + (member ? "-in" : "-out");
      add_user(d, name, std::string(ryax::domain::to_string(role)),
               member ? "default" : "other");
      holders.push_back({ role, member, login(d, name, "pw-" + name) });
    }
  }
  grpc::GenericStub stub(channel_to(d));
  const auto methods = daemon_methods();
  std::set<std::string> seen;
  for (const auto& [path, method] : methods) {
    const auto* rule = ryax::domain::call_rule(method);
    REQUIRE_MESSAGE(rule != nullptr, "no permission table entry for " << method);
    seen.insert(method);
    for (const auto& h : holders) {
      if (method == "Logout") {
        continue; // it would end the session the next calls use
      }
      const bool allowed =
        rule->scope == ryax::domain::Scope::open
        || (ryax::domain::role_allows(h.role, rule->operation)
            && (rule->scope != ryax::domain::Scope::project || h.member));
      const auto status = call_empty(stub, path, h.token, "default");
      const bool refused =
        status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
      CHECK_MESSAGE(refused == !allowed,
                    method << " as " << ryax::domain::to_string(h.role)
                           << (h.member ? " member" : " non-member") << ": "
                           << status.error_code() << " "
                           << status.error_message());
      if (rule->scope != ryax::domain::Scope::open) { // Login: a wrong user
        CHECK(status.error_code() != grpc::StatusCode::UNAUTHENTICATED);
      }
    }
  }
  CHECK(seen.size() == ryax::domain::call_rules().size());
  // The daemon is still there after all of that.
  CHECK(d.ryax({ "whoami" }).exit_code == 0);
}

TEST_CASE("tokens from the CLI: made once, used by RYAX_TOKEN, listed "
          "without the secret, revoked, every refusal is exit 4 with one "
          "line, and in the audit log")
{
  DaemonFixture d;
  add_user(d, "dev", "developer", "default");
  add_user(d, "viewer", "user", "default");
  const auto dev = login(d, "dev", "pw-dev");

  auto made = d.ryax({ "token", "create", "--name", "ci", "--expires", "1d" },
                     "", { { "RYAX_TOKEN", dev } });
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const auto token = made.out.substr(0, made.out.find('\n'));
  CHECK(token.starts_with("ryax_"));
  CHECK(made.err.find("shown this once") != std::string::npos);

  auto who = d.ryax({ "whoami", "-o", "json" }, "", { { "RYAX_TOKEN", token } });
  REQUIRE_MESSAGE(who.exit_code == 0, who.err);
  CHECK(nlohmann::json::parse(who.out)["user"] == "dev");
  CHECK(nlohmann::json::parse(who.out)["role"] == "developer");

  auto listed = d.ryax({ "token", "list", "-o", "json" }, "",
                       { { "RYAX_TOKEN", token } });
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out.find(token) == std::string::npos);
  const auto tokens = nlohmann::json::parse(listed.out);
  std::string id;
  for (const auto& t : tokens) {
    if (t["name"] == "ci") {
      id = t["id"];
    }
  }
  REQUIRE(id.size() == 12);

  // A role without the permission: exit 4, naming role and operation.
  const auto viewer = login(d, "viewer", "pw-viewer");
  auto refused = d.ryax({ "project", "create", "mine" }, "",
                        { { "RYAX_TOKEN", viewer } });
  CHECK(refused.exit_code == 4);
  CHECK(refused.err
        == "ryax: error: user \"viewer\" (role user) may not projects "
           "(CreateProject)\n");
  // A project it is not a member of.
  REQUIRE(d.ryax({ "project", "create", "team-b" }).exit_code == 0);
  auto outside = d.ryax({ "--project", "team-b", "project", "members" }, "",
                        { { "RYAX_TOKEN", viewer } });
  CHECK(outside.exit_code == 4);
  CHECK(outside.err.find("is not a member of project \"team-b\"")
        != std::string::npos);

  REQUIRE(d.ryax({ "token", "revoke", id }, "", { { "RYAX_TOKEN", dev } })
            .exit_code
          == 0);
  auto revoked = d.ryax({ "whoami" }, "", { { "RYAX_TOKEN", token } });
  CHECK(revoked.exit_code == 4);
  CHECK(revoked.err == "ryax: error: token " + id + " was revoked\n");
  auto bogus = d.ryax({ "whoami" }, "", { { "RYAX_TOKEN", "ryax_nope" } });
  CHECK(bogus.exit_code == 4);
  CHECK(bogus.err == "ryax: error: unknown token\n");

  // Removed mid-session: the next call is refused.
  REQUIRE(d.ryax({ "user", "rm", "viewer" }).exit_code == 0);
  auto gone = d.ryax({ "whoami" }, "", { { "RYAX_TOKEN", viewer } });
  CHECK(gone.exit_code == 4);

  auto audit = d.ryax({ "audit", "list", "-o", "json" });
  REQUIRE_MESSAGE(audit.exit_code == 0, audit.err);
  const auto entries = nlohmann::json::parse(audit.out);
  std::set<std::string> denied;
  for (const auto& e : entries) {
    if (e["outcome"] == "denied") {
      denied.insert(e["method"].get<std::string>() + "/"
                    + e["user"].get<std::string>());
    }
  }
  CHECK(denied.contains("CreateProject/viewer"));
  CHECK(denied.contains("ListMembers/viewer"));
  CHECK(denied.contains("WhoAmI/")); // the revoked and the unknown token
  // A non-admin cannot read it.
  auto peek = d.ryax({ "audit", "list" }, "", { { "RYAX_TOKEN", dev } });
  CHECK(peek.exit_code == 4);
}

TEST_CASE("a local account that is no user is refused until an admin maps "
          "it, then it is that user")
{
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to run a command as another uid");
    return;
  }
  DaemonFixture d;
  constexpr uid_t k_other = 54321;
  // `ryax args...` as the account k_other: its exit code and stderr.
  const auto as_other = [&](const std::vector<std::string>& args) {
    const auto out = d.dir() / "other.out";
    std::vector<std::string> argv{ ryax_binary(), "--socket", d.socket() };
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) {
      raw.push_back(a.data());
    }
    raw.push_back(nullptr);
    std::string env_autostart = "RYAX_NO_AUTOSTART=1";
    std::string env_home = "HOME=/tmp";
    char* env[] = { env_autostart.data(), env_home.data(), nullptr };
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd =
        ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0 || ::setgid(k_other) != 0
          || ::setuid(k_other) != 0) {
        ::_exit(99);
      }
      ::execve(raw[0], raw.data(), env);
      ::_exit(98);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::pair{ WEXITSTATUS(status), read_file(out) };
  };
  // The other account must reach the socket and write its output.
  ::chmod(d.dir().path().c_str(), 0777);
  const auto [refused, why] = as_other({ "whoami" });
  CHECK(refused == 4);
  CHECK(why.find("the local account 54321 is not a ryax user") != std::string::npos);
  REQUIRE(d.ryax({ "user", "add", "bob", "--role", "user", "--local-uid",
                   "54321" })
            .exit_code
          == 0);
  const auto [ok, err] = as_other({ "whoami" });
  CHECK_MESSAGE(ok == 0, err);
  const auto [denied, message] = as_other({ "user", "list" });
  CHECK(denied == 4);
  CHECK(message.find("may not users (ListUsers)") != std::string::npos);
}

TEST_SUITE_END();

TEST_CASE("a data dir of the schema before identities migrates: what it "
          "held is in project default and its owner is admin")
{
  DaemonFixture d(false);
  std::filesystem::create_directories(d.home());
  GitBuilder repo(d.dir().path() / "actions.git");
  repo.write("README", "x\n");
  repo.commit("one");
  const auto db = d.home() + "/ryax.db";
  write_legacy_database(db, 6); // no identity tables, no projects
  insert_repository_row(db, "actions", repo.url(), "", "", "");
  d.start();
  CHECK(d.log().find("migrated to schema") != std::string::npos);
  auto who = d.ryax({ "whoami", "-o", "json" });
  REQUIRE_MESSAGE(who.exit_code == 0, who.err);
  CHECK(nlohmann::json::parse(who.out)["user"] == "admin");
  CHECK(nlohmann::json::parse(who.out)["project"] == "default");
  auto repos = d.ryax({ "--project", "default", "repo", "list", "-o", "json" });
  REQUIRE_MESSAGE(repos.exit_code == 0, repos.err);
  CHECK(nlohmann::json::parse(repos.out).size() == 1);
}
