#include "core/domain/api_key.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax;

TEST_SUITE_BEGIN("domain::ApiKey");

TEST_CASE("an API key name follows the rules of user and project names")
{
  CHECK(domain::check_api_key_name("ci"));
  CHECK(domain::check_api_key_name("partner-1.prod_x"));
  CHECK(domain::check_api_key_name(std::string(64, 'a')));
  const std::vector<std::string> bad_names = {
    "", "-x", ".x", "a b", "a/b", "\xc3\xa9", std::string(65, 'a')
  };
  for (const auto& bad : bad_names) {
    const auto checked = domain::check_api_key_name(bad);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ErrorCode::invalid_argument);
    CHECK(checked.error().message.starts_with("API key name \""));
  }
}

TEST_CASE("a refused name is shown whole in the message, a huge one cut")
{
  const auto bad = domain::check_api_key_name("a b");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "API key name \"a b\" is not valid: 1 to 64 letters, digits, '_', "
        "'-' or '.', starting with a letter or a digit");
  const auto huge = domain::check_api_key_name(std::string(5000, 'x'));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message.size() < 200);
}

TEST_CASE("a key expires at its expiry, and never without one")
{
  domain::ApiKey key;
  CHECK_FALSE(domain::is_expired(key, 9'999'999'999'999));
  key.expires_ms = 1000;
  CHECK_FALSE(domain::is_expired(key, 999));
  CHECK(domain::is_expired(key, 1000));
}

TEST_CASE("only the prefix and 64 lower-case hex digits look like a key")
{
  const std::string body(64, 'a');
  CHECK(domain::looks_like_api_key("ryax_ak_" + body));
  CHECK_FALSE(domain::looks_like_api_key("ryax_" + body));
  CHECK_FALSE(domain::looks_like_api_key("ryax_ak_" + body + "0"));
  CHECK_FALSE(domain::looks_like_api_key("ryax_ak_" + std::string(64, 'A')));
  CHECK_FALSE(domain::looks_like_api_key(""));
}

TEST_SUITE_END();
