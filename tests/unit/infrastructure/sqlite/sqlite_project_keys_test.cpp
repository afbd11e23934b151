// The SQLite stores key what projects hold by (project, name): two
// projects keep the same repository name, action id, build and workflow id
// apart. (The in-memory fakes: tests/unit/application/project_scope_test.)

#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"
#include "core/infrastructure/sqlite/sqlite_action_catalogue.hpp"
#include "core/infrastructure/sqlite/sqlite_build_store.hpp"
#include "core/infrastructure/sqlite/sqlite_repository_store.hpp"
#include "core/infrastructure/sqlite/sqlite_workflow_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::infra;

namespace {

struct Stores
{
  test::TempDir dir;
  std::unique_ptr<sqlite::Database> db =
    *sqlite::Database::open(dir / "ryax.db");
  crypto::AesGcmSecretBox box{ crypto::EncryptionKey{} };
  sqlite::SqliteRepositoryStore repositories{ *db, box };
  sqlite::SqliteActionCatalogue catalogue{ *db };
  sqlite::SqliteBuildStore builds{ *db };
  sqlite::SqliteWorkflowStore workflows{ *db };
};

domain::ActionVersion
action(const std::string& project, const std::string& tree)
{
  domain::ActionVersion v;
  v.project = project;
  v.metadata.id = "same";
  v.metadata.version = "1.0";
  v.metadata.human_name = "Same action";
  v.metadata.kind = domain::ActionKind::processor;
  v.metadata.type = domain::ActionType::python3;
  v.repository = "repo";
  v.commit = std::string(40, 'a');
  v.tree_id = tree;
  v.scanned_at = 1;
  return v;
}

} // namespace

TEST_SUITE_BEGIN("infra::sqlite project keys");

TEST_CASE("a repository name in two projects is two repositories")
{
  Stores s;
  domain::Repository r;
  r.name = "repo";
  r.url = "https://git.example.org/a.git";
  r.project = "team-a";
  REQUIRE(s.repositories.add(r, { "pw-a", "" }));
  r.url = "https://git.example.org/b.git";
  r.project = "team-b";
  REQUIRE(s.repositories.add(r, { "", "" }));
  CHECK(s.repositories.add(r, {}).error().code == ErrorCode::already_exists);
  CHECK(s.repositories.get("team-a", "repo")->url == "https://git.example.org/a.git");
  CHECK(s.repositories.get("team-b", "repo")->url == "https://git.example.org/b.git");
  CHECK(s.repositories.secrets("team-a", "repo")->password == "pw-a");
  CHECK(s.repositories.secrets("team-b", "repo")->password.empty());
  CHECK(s.repositories.list("team-a")->size() == 1);
  CHECK(s.repositories.list("default")->empty());
  CHECK(s.repositories.get("default", "repo").error().code == ErrorCode::not_found);
  REQUIRE(s.repositories.remove("team-b", "repo"));
  CHECK(s.repositories.get("team-a", "repo"));
}

TEST_CASE("an action id in two projects is two actions, built apart")
{
  Stores s;
  for (const auto& project : { "team-a", "team-b" }) {
    app::ScanCommit scan;
    scan.project = project;
    scan.repository = "repo";
    scan.commit = std::string(40, 'a');
    scan.upserts = { action(project, std::string("tree-") + project) };
    scan.present = { "same:1.0" };
    REQUIRE(s.catalogue.commit_scan(scan));
  }
  CHECK((*s.catalogue.find("team-a", "same", "1.0"))->tree_id == "tree-team-a");
  CHECK((*s.catalogue.latest("team-b", "same"))->tree_id == "tree-team-b");
  CHECK_FALSE(*s.catalogue.find("default", "same", "1.0"));
  app::ActionFilter filter;
  filter.project = "team-a";
  CHECK(s.catalogue.list(filter)->size() == 1);
  CHECK(s.catalogue.of_repository("team-b", "repo")->size() == 1);

  auto built = action("team-b", "tree-team-b");
  built.build_state = domain::BuildState::built;
  built.bundle_key = "bundle-b";
  REQUIRE(s.catalogue.set_build(built));
  CHECK((*s.catalogue.find("team-b", "same", "1.0"))->bundle_key == "bundle-b");
  CHECK((*s.catalogue.find("team-a", "same", "1.0"))->bundle_key.empty());

  const auto a = s.builds.enqueue("team-a", "same", "1.0", false, 1);
  const auto b = s.builds.enqueue("team-b", "same", "1.0", false, 1);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->id != b->id); // one pending job per project's version
  CHECK((*s.builds.latest("team-b", "same", "1.0"))->id == b->id);
  CHECK((*s.builds.latest("team-b", "same", "1.0"))->project == "team-b");

  CHECK(*s.catalogue.remove("team-a", "same", "") == 1);
  CHECK(*s.catalogue.find("team-b", "same", "1.0"));
}

TEST_CASE("a workflow id in two projects is two workflows")
{
  Stores s;
  for (const auto& project : { "team-a", "team-b" }) {
    app::StoredWorkflow stored;
    stored.id = "flow";
    stored.project = project;
    stored.version = 1;
    stored.yaml = std::string("yaml of ") + project;
    stored.files = { { "data.csv", std::string("key-") + project, 3 } };
    REQUIRE(s.workflows.add_version(stored));
    REQUIRE(s.workflows.add_error(project, "flow", { 1, 1, project }));
  }
  const auto a = s.workflows.find("team-a", "flow", 0);
  REQUIRE(*a);
  CHECK((*a)->yaml == "yaml of team-a");
  CHECK((*a)->files.at(0).key == "key-team-a");
  CHECK((*s.workflows.find("team-b", "flow", 1))->yaml == "yaml of team-b");
  CHECK(s.workflows.list("team-a")->size() == 1);
  CHECK(s.workflows.errors("team-b", "flow")->at(0).message == "team-b");

  auto deployment = (*s.workflows.deployment("team-b", "flow")).value();
  CHECK(deployment.project == "team-b");
  deployment.state = app::DeploymentState::deployed;
  deployment.deployed_version = 1;
  REQUIRE(s.workflows.set_deployment(deployment));
  CHECK((*s.workflows.deployment("team-a", "flow"))->state
        == app::DeploymentState::undeployed);

  REQUIRE(s.workflows.remove("team-b", "flow"));
  CHECK_FALSE(*s.workflows.deployment("team-b", "flow"));
  CHECK(s.workflows.errors("team-b", "flow")->empty());
  CHECK((*s.workflows.find("team-a", "flow", 0))->files.size() == 1);
  CHECK(s.workflows.errors("team-a", "flow")->size() == 1);
}

TEST_SUITE_END();
