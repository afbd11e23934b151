// SiteRegistry on in-memory ports and a manual clock: join tokens, joining,
// credentials and removal.

#include "core/application/site_registry.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/in_memory_agent_store.hpp"
#include "tests/support/in_memory_identity_store.hpp"

#include <doctest/doctest.h>

using namespace ryax;

namespace {

const std::string k_ca(64, 'f');

struct Fixture
{
  test::InMemoryAgentStore store;
  test::FastIdentityCrypto crypto;
  test::ManualClock clock;
  app::SiteRegistry registry{ store, crypto, clock, "local", k_ca };

  static domain::Site site(const std::string& name)
  {
    domain::Site s;
    s.name = name;
    domain::NodePool pool;
    pool.name = "default";
    pool.cpu = 2;
    pool.memory_bytes = 1 << 30;
    s.pools = { pool };
    return s;
  }

  std::string token()
  {
    auto made = registry.create_token(0);
    REQUIRE_MESSAGE(made, made.error().message);
    return made->token;
  }
};

} // namespace

TEST_SUITE_BEGIN("app::SiteRegistry");

TEST_CASE("a join token names the daemon's CA, lasts 24 hours by default and "
          "is stored as a hash")
{
  Fixture f;
  auto made = f.registry.create_token(0).value();
  const auto parsed = domain::parse_join_token(made.token).value();
  CHECK(parsed.ca_fingerprint == k_ca);
  CHECK(made.expires_ms == f.clock.now_unix_ms() + 24 * 3600 * 1000);
  const auto stored = f.store.find_token(parsed.id).value().value();
  CHECK(stored.hash == f.crypto.sha256_hex(parsed.secret));
  CHECK(stored.hash.find(parsed.secret) == std::string::npos);
  CHECK(f.registry.create_token(-1).error().code == ErrorCode::invalid_argument);
  CHECK(f.registry.create_token(31LL * 24 * 3600).error().code
        == ErrorCode::invalid_argument);

  test::InMemoryAgentStore store;
  app::SiteRegistry plain(store, f.crypto, f.clock, "local", "");
  CHECK(plain.create_token(0).error().code == ErrorCode::failed_precondition);
}

TEST_CASE("a worker joins once with a token, then holds a credential of its "
          "own")
{
  Fixture f;
  const auto token = f.token();
  const auto credential =
    f.registry.join(token, Fixture::site("worker-a"), "ipv4:a").value();
  CHECK(credential.size() == 64);
  const auto stored = f.store.find_site("worker-a").value().value();
  CHECK(stored.credential_hash == f.crypto.sha256_hex(credential));
  CHECK(stored.address == "ipv4:a");

  // The same token joins another machine (a fleet), not the same name.
  CHECK(f.registry.join(token, Fixture::site("worker-b"), "ipv4:b"));
  auto twice = f.registry.join(token, Fixture::site("worker-a"), "ipv4:c");
  CHECK(twice.error().code == ErrorCode::already_exists);
  CHECK(twice.error().message.find("ryax site rm worker-a") != std::string::npos);

  // Its credential lets it back in, with new pools.
  auto bigger = Fixture::site("worker-a");
  bigger.pools[0].cpu = 16;
  f.clock.advance_ms(5000);
  auto back = f.registry.authenticate(bigger, credential, "ipv4:d").value();
  CHECK(back.site.pools[0].cpu == 16);
  CHECK(back.last_seen_ms == f.clock.now_unix_ms());
  CHECK(f.store.find_site("worker-a").value()->site.pools[0].cpu == 16);
  CHECK(f.registry.authenticate(bigger, "wrong", "x").error().code
        == ErrorCode::unauthenticated);
  CHECK(f.registry.check("worker-b", credential).error().code
        == ErrorCode::unauthenticated);
}

TEST_CASE("joining is refused for a wrong or expired token, a bad site and "
          "the main site's name")
{
  Fixture f;
  const auto token = f.token();
  auto parsed = domain::parse_join_token(token).value();
  parsed.secret[0] = parsed.secret[0] == 'a' ? 'b' : 'a';
  const auto site = Fixture::site("worker-a");
  CHECK(f.registry.join(domain::format_join_token(parsed), site, "x").error().code
        == ErrorCode::unauthenticated);
  CHECK(f.registry.join("nonsense", site, "x").error().code
        == ErrorCode::unauthenticated);
  CHECK(f.registry.join(token, Fixture::site("local"), "x").error().message.find(
          "main daemon's own site")
        != std::string::npos);
  auto no_pools = site;
  no_pools.pools.clear();
  CHECK(f.registry.join(token, no_pools, "x").error().code
        == ErrorCode::invalid_argument);
  f.clock.advance_ms(24 * 3600 * 1000);
  auto expired = f.registry.join(token, site, "x");
  CHECK(expired.error().code == ErrorCode::unauthenticated);
  CHECK(expired.error().message.find("expired") != std::string::npos);
  CHECK(f.store.list_sites().value().empty());
}

TEST_CASE("removing a site revokes its credential")
{
  Fixture f;
  const auto credential =
    f.registry.join(f.token(), Fixture::site("worker-a"), "x").value();
  auto missing = f.registry.remove("worker-b");
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find("did you mean \"worker-a\"")
        != std::string::npos);
  REQUIRE(f.registry.remove("worker-a"));
  CHECK(f.registry.check("worker-a", credential).error().code
        == ErrorCode::unauthenticated);
  CHECK(f.registry.list().value().empty());
}

TEST_SUITE_END();
