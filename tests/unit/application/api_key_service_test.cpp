// ApiKeyService on in-memory ports and a manual clock: making, listing and
// revoking keys, and the check of each HTTP request.

#include "core/application/api_key_service.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/in_memory_api_key_store.hpp"
#include "tests/support/in_memory_identity_store.hpp"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

using namespace ryax;

namespace {

constexpr std::int64_t k_hour_ms = 3600 * 1000;

struct Fixture
{
  test::InMemoryApiKeyStore store;
  test::FastIdentityCrypto crypto;
  test::ManualClock clock;
  app::ApiKeyService service{ store, crypto, clock };

  app::CreatedApiKey
  make(const std::string& project,
       const std::string& name,
       std::int64_t expires_ms = 0)
  {
    auto made = service.create(project, name, expires_ms);
    REQUIRE_MESSAGE(made, made.error().message);
    return *made;
  }

  // The message of a refused authorize, "" when it is accepted.
  std::string
  refusal(const std::string& project, std::string_view presented)
  {
    const auto checked = service.authorize(project, presented);
    if (checked) {
      return "";
    }
    CHECK(checked.error().code == ErrorCode::unauthenticated);
    return checked.error().message;
  }
};

} // namespace

TEST_SUITE_BEGIN("app::ApiKeyService");

TEST_CASE("a project that never had a key lets every request through")
{
  Fixture f;
  CHECK(f.refusal("p", "") == "");
  CHECK(f.refusal("p", "anything") == "");
  CHECK_FALSE(f.service.required("p").value());
}

TEST_CASE("a new key is shown once, stored as its hash, and makes the "
          "project require keys")
{
  Fixture f;
  const auto made = f.make("p", "ci");
  CHECK(made.secret.starts_with("ryax_ak_"));
  CHECK(domain::looks_like_api_key(made.secret));
  CHECK(made.key.prefix == made.secret.substr(0, 16));
  CHECK(made.key.hash == f.crypto.sha256_hex(made.secret));
  CHECK(made.key.created_ms == f.clock.now_unix_ms());
  const auto listed = f.service.list("p").value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0] == made.key);
  CHECK(listed[0].hash.find(made.secret) == std::string::npos);
  CHECK(f.service.required("p").value());
  CHECK(f.refusal("p", made.secret) == "");
  CHECK(f.refusal("p", "") == "missing API key");
  CHECK_FALSE(f.service.required("q").value());
}

TEST_CASE("an unknown, malformed or other project's key is refused")
{
  Fixture f;
  const auto a = f.make("a", "k");
  const auto b = f.make("b", "k");
  CHECK(f.refusal("a", b.secret) == "invalid or revoked API key");
  CHECK(f.refusal("a", "ryax_ak_" + std::string(64, '0')) ==
        "invalid or revoked API key");
  CHECK(f.refusal("a", "Bearer " + a.secret) == "invalid or revoked API key");
  CHECK(f.refusal("a", std::string(100'000, 'x')) ==
        "invalid or revoked API key");
  CHECK(f.refusal("a", a.secret) == "");
}

TEST_CASE("a revoked key fails at once, the others still pass")
{
  Fixture f;
  const auto one = f.make("p", "one");
  const auto two = f.make("p", "two");
  REQUIRE(f.service.revoke("p", "one"));
  CHECK(f.refusal("p", one.secret) == "invalid or revoked API key");
  CHECK(f.refusal("p", two.secret) == "");
  CHECK(f.service.list("p").value()[0].revoked);
}

TEST_CASE("revoking an unknown key names it and suggests the near miss")
{
  Fixture f;
  f.make("p", "partner");
  const auto missed = f.service.revoke("p", "partnr");
  REQUIRE_FALSE(missed);
  CHECK(missed.error().code == ErrorCode::not_found);
  CHECK(missed.error().message == "API key \"partnr\" not found in project "
                                  "\"p\" (did you mean \"partner\"?)");
  CHECK(f.service.revoke("q", "partner").error().code == ErrorCode::not_found);
}

TEST_CASE("a key works until its expiry and is refused from then on")
{
  Fixture f;
  const auto made = f.make("p", "short", f.service.expiry_in(3600));
  CHECK(made.key.expires_ms == f.clock.now_unix_ms() + k_hour_ms);
  f.clock.advance_ms(k_hour_ms - 1);
  CHECK(f.refusal("p", made.secret) == "");
  f.clock.advance_ms(1);
  CHECK(f.refusal("p", made.secret) == "expired API key");
}

TEST_CASE("an expiry in the past or beyond ten years is refused naming the key")
{
  Fixture f;
  const auto now = f.clock.now_unix_ms();
  for (const std::int64_t expires :
       { now,
         now - 1,
         now + domain::k_max_api_key_lifetime_seconds * 1000 + 1 }) {
    const auto made = f.service.create("p", "k", expires);
    REQUIRE_FALSE(made);
    CHECK(made.error().code == ErrorCode::invalid_argument);
    CHECK(made.error().message.starts_with("API key \"k\": the expiry"));
  }
  CHECK(f.service.list("p").value().empty());
  CHECK_FALSE(f.service.required("p").value());
}

TEST_CASE("a duplicate name is already_exists and a bad name invalid_argument")
{
  Fixture f;
  f.make("p", "ci");
  const auto twice = f.service.create("p", "ci", 0);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::already_exists);
  const auto bad = f.service.create("p", "no spaces", 0);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
  CHECK(bad.error().message.starts_with("API key name \"no spaces\""));
}

TEST_CASE("a project holds at most k_max_api_keys_per_project keys")
{
  Fixture f;
  for (std::size_t i = 0; i < domain::k_max_api_keys_per_project; ++i) {
    f.make("p", "k" + std::to_string(i));
  }
  const auto more = f.service.create("p", "one-more", 0);
  REQUIRE_FALSE(more);
  CHECK(more.error().code == ErrorCode::failed_precondition);
  CHECK(f.service.create("q", "one-more", 0));
}

TEST_CASE("turning the requirement off lets requests without a key through, "
          "on again refuses them")
{
  Fixture f;
  const auto made = f.make("p", "ci");
  REQUIRE(f.service.set_required("p", false));
  CHECK(f.refusal("p", "") == "");
  CHECK(f.refusal("p", "junk") == "");
  REQUIRE(f.service.set_required("p", true));
  CHECK(f.refusal("p", "") == "missing API key");
  CHECK(f.refusal("p", made.secret) == "");
  CHECK(f.store.keys_required("p").value());
}

TEST_CASE("the requirement read from the store is the one a restart sees")
{
  Fixture f;
  REQUIRE(f.store.set_keys_required("p", true));
  app::ApiKeyService restarted{ f.store, f.crypto, f.clock };
  CHECK(restarted.required("p").value());
  CHECK(restarted.authorize("p", "").error().message == "missing API key");
}

TEST_CASE("the last use is recorded at most once a minute")
{
  Fixture f;
  const auto made = f.make("p", "ci");
  CHECK_FALSE(f.service.list("p").value()[0].last_used_ms);
  REQUIRE(f.service.authorize("p", made.secret));
  const auto first = f.clock.now_unix_ms();
  CHECK(f.service.list("p").value()[0].last_used_ms == first);
  f.clock.advance_ms(59'999);
  REQUIRE(f.service.authorize("p", made.secret));
  CHECK(f.store.touches() == 1);
  f.clock.advance_ms(1);
  REQUIRE(f.service.authorize("p", made.secret));
  CHECK(f.store.touches() == 2);
  CHECK(f.service.list("p").value()[0].last_used_ms == first + 60'000);
}

TEST_CASE("authorize answers the same from many threads at once")
{
  Fixture f;
  const auto made = f.make("p", "ci");
  std::atomic<int> accepted{ 0 };
  std::atomic<int> refused{ 0 };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        (f.service.authorize("p", made.secret) ? accepted : refused)++;
        (f.service.authorize("p", "") ? accepted : refused)++;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(accepted == 1600);
  CHECK(refused == 1600);
}

TEST_SUITE_END();
