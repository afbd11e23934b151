// Join tokens and the sites workers declare.

#include "core/domain/agent.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::domain;

TEST_SUITE_BEGIN("domain: agents");

TEST_CASE("a join token reads back its id, secret and CA fingerprint")
{
  const JoinToken token{ std::string(16, 'a'), std::string(64, 'b'),
                         std::string(64, 'c') };
  const auto text = format_join_token(token);
  CHECK(text.starts_with("ryaxjoin."));
  CHECK(parse_join_token(text).value() == token);
}

TEST_CASE("a malformed join token says what is wrong, never its secret")
{
  const auto secret = std::string(64, 'b');
  const auto message = [](std::string_view text) {
    auto parsed = parse_join_token(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::invalid_argument);
    return parsed.error().message;
  };
  CHECK(message("ryax_ak_123").find("does not start with") != std::string::npos);
  CHECK(message("ryaxjoin.abc").find("4 parts") != std::string::npos);
  CHECK(message("ryaxjoin." + std::string(16, 'a') + "." + secret + "."
                + std::string(64, 'c') + ".x")
          .find("4 parts")
        != std::string::npos);
  CHECK(message("ryaxjoin." + std::string(15, 'a') + "." + secret + "."
                + std::string(64, 'c'))
          .find("id is not 16 hex digits")
        != std::string::npos);
  const auto bad_secret = message("ryaxjoin." + std::string(16, 'a') + "."
                                  + std::string(63, 'b') + "Z."
                                  + std::string(64, 'c'));
  CHECK(bad_secret.find("secret is not 64 hex digits") != std::string::npos);
  CHECK(bad_secret.find(std::string(63, 'b')) == std::string::npos);
  CHECK(message("ryaxjoin." + std::string(16, 'a') + "." + secret + "."
                + std::string(64, 'C'))
          .find("CA fingerprint")
        != std::string::npos);
}

TEST_CASE("fingerprints compare whatever their case and colons")
{
  const std::string hex(64, 'a');
  std::string colons;
  for (std::size_t i = 0; i < 64; i += 2) {
    colons += (i == 0 ? "" : ":") + std::string("AA");
  }
  CHECK(normalize_fingerprint(colons) == hex);
  CHECK(normalize_fingerprint(hex) == hex);
  CHECK(normalize_fingerprint("AA:BB") == "");
  CHECK(normalize_fingerprint(std::string(64, 'g')) == "");
}

TEST_CASE("a worker's site needs a valid name and valid, distinct pools")
{
  Site site;
  site.name = "worker-a";
  CHECK(check_agent_site(site).error().message.find("declares no node pool")
        != std::string::npos);
  NodePool pool;
  pool.name = "default";
  pool.cpu = 2;
  site.pools = { pool };
  CHECK(check_agent_site(site));
  site.pools.push_back(pool);
  CHECK(check_agent_site(site).error().message.find("declared twice")
        != std::string::npos);
  site.pools.pop_back();
  site.pools[0].cpu = 0;
  CHECK(check_agent_site(site).error().message.find("node_pools[0]")
        != std::string::npos);
  site.pools[0].cpu = 1;
  site.name = "../etc";
  CHECK(check_agent_site(site).error().message.find("not valid")
        != std::string::npos);
}

TEST_SUITE_END();
