// The AgentStore contract: every test runs against the SQLite adapter and
// the in-memory one (tests/support/in_memory_agent_store.hpp).

#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_agent_store.hpp"
#include "tests/support/in_memory_agent_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using ryax::ErrorCode;

namespace {

struct SqliteAgents
{
  ryax::test::TempDir tmp;
  std::unique_ptr<ryax::infra::sqlite::Database> database =
    std::move(*ryax::infra::sqlite::Database::open(tmp / "ryax.db"));
  ryax::infra::sqlite::SqliteAgentStore adapter{ *database };
  ryax::app::AgentStore& store() { return adapter; }
};

struct MemoryAgents
{
  ryax::test::InMemoryAgentStore adapter;
  ryax::app::AgentStore& store() { return adapter; }
};

ryax::domain::AgentSite
site(std::string name)
{
  ryax::domain::AgentSite s;
  s.site.name = std::move(name);
  ryax::domain::NodePool gpu;
  gpu.name = "gpu";
  gpu.cpu = 8;
  gpu.memory_bytes = 32LL << 30;
  gpu.gpu = 2;
  gpu.time_seconds = 3600;
  gpu.arch = "aarch64";
  gpu.scores = { 10, 20, 90 };
  gpu.filter_no_gpu_action = false;
  ryax::domain::NodePool small;
  small.name = "small";
  small.cpu = 0.5;
  small.memory_bytes = 1 << 30;
  s.site.pools = { gpu, small };
  s.credential_hash = std::string(64, 'c');
  s.joined_ms = 1'700'000'000'000;
  s.last_seen_ms = 1'700'000'000'500;
  s.address = "ipv4:10.200.0.2:5555";
  return s;
}

} // namespace

TEST_SUITE_BEGIN("contract: AgentStore");

TEST_CASE_TEMPLATE("join tokens are kept by id, once", T, SqliteAgents, MemoryAgents)
{
  T t;
  auto& store = t.store();
  CHECK_FALSE(store.find_token("0123456789abcdef").value());
  const ryax::domain::JoinTokenRecord token{ "0123456789abcdef",
                                             std::string(64, 'a'), 5, 10 };
  REQUIRE(store.add_token(token));
  CHECK(*store.find_token(token.id).value() == token);
  auto again = store.add_token(token);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::already_exists);
  const ryax::domain::JoinTokenRecord older{ "fedcba9876543210", "h", 1, 0 };
  REQUIRE(store.add_token(older));
  const auto listed = store.list_tokens().value();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0] == older);
  CHECK(listed[1] == token);
}

TEST_CASE_TEMPLATE("sites keep their pools, are replaced, touched and "
                   "removed", T, SqliteAgents, MemoryAgents)
{
  T t;
  auto& store = t.store();
  const auto a = site("worker-a");
  REQUIRE(store.put_site(a));
  REQUIRE(store.put_site(site("worker-b")));
  CHECK(*store.find_site("worker-a").value() == a);
  CHECK_FALSE(store.find_site("worker-c").value());

  auto changed = a;
  changed.site.pools.pop_back();
  REQUIRE(store.put_site(changed));
  CHECK(store.find_site("worker-a").value()->site.pools.size() == 1);

  REQUIRE(store.touch_site("worker-a", 42, "ipv4:1.2.3.4:5"));
  REQUIRE(store.touch_site("nobody", 42, "x"));
  const auto touched = *store.find_site("worker-a").value();
  CHECK(touched.last_seen_ms == 42);
  CHECK(touched.address == "ipv4:1.2.3.4:5");

  const auto listed = store.list_sites().value();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].site.name == "worker-a");
  CHECK(listed[1].site.name == "worker-b");

  CHECK(store.remove_site("worker-a").value());
  CHECK_FALSE(store.remove_site("worker-a").value());
  CHECK(store.list_sites().value().size() == 1);
}

TEST_SUITE_END();
