// VariableService on in-memory adapters.

#include "core/application/variable_service.hpp"
#include "tests/support/fake_runner_ports.hpp"
#include "tests/support/in_memory_variable_store.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using domain::IoType;
using domain::Secret;
using domain::Value;

namespace {

struct Fixture
{
  test::InMemoryVariableStore store;
  test::ManualClock clock;
  app::VariableService service{ store, clock };

  Result<domain::Variable>
  set(std::string project,
      std::string name,
      std::string value,
      std::optional<IoType> type = std::nullopt)
  {
    app::SetVariableRequest request;
    request.project = std::move(project);
    request.name = std::move(name);
    request.value = std::move(value);
    request.type = type;
    return service.set(request);
  }
};

} // namespace

TEST_SUITE_BEGIN("app::VariableService");

TEST_CASE("a variable is set in its project, typed, and read back")
{
  Fixture f;
  const auto set = f.set("", "limit", "10", IoType::integer);
  REQUIRE(set);
  CHECK(set->project == "default");
  CHECK(set->value == Value{ std::int64_t{ 10 } });
  CHECK(set->updated_at == f.clock.now_unix());
  CHECK(f.service.get("default", "limit").value() == *set);
  CHECK(f.service.list("").value() == std::vector{ *set });
}

TEST_CASE("setting again keeps the type and description unless given")
{
  Fixture f;
  app::SetVariableRequest request;
  request.name = "limit";
  request.type = IoType::integer;
  request.description = "how many";
  request.value = "1";
  REQUIRE(f.service.set(request));
  const auto again = f.set("default", "limit", "2");
  REQUIRE(again);
  CHECK(again->type == IoType::integer);
  CHECK(again->description == "how many");
  const auto refused = f.set("default", "limit", "two");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::invalid_argument);
  CHECK(refused.error().message.starts_with("variable \"limit\""));
  CHECK(f.service.get("default", "limit")->value == Value{ std::int64_t{ 2 } });
}

TEST_CASE("projects do not see each other's variables")
{
  Fixture f;
  REQUIRE(f.set("default", "x", "of default"));
  REQUIRE(f.set("other", "x", "of other"));
  CHECK(f.service.get("other", "x")->value == Value{ std::string("of other") });
  REQUIRE(f.service.remove("other", "x"));
  CHECK(f.service.get("other", "x").error().code == ErrorCode::not_found);
  CHECK(f.service.get("default", "x")->value ==
        Value{ std::string("of default") });
}

TEST_CASE("an unknown variable is not_found with the near miss, and an unknown "
          "project refuses a set")
{
  Fixture f;
  REQUIRE(f.set("default", "api_key", "k"));
  const auto missing = f.service.get("default", "api_kye");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find("did you mean \"api_key\"") !=
        std::string::npos);
  CHECK(f.service.remove("default", "nope").error().code ==
        ErrorCode::not_found);
}

TEST_CASE("a project holds at most 1,000 variables, and replacing one is fine")
{
  Fixture f;
  for (std::size_t i = 0; i < domain::k_max_variables_per_project; ++i) {
    REQUIRE(f.store.put({ "default",
                          "v" + std::to_string(i),
                          IoType::string,
                          "",
                          std::string("x"),
                          0 }));
  }
  const auto refused = f.set("default", "one_more", "x");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::failed_precondition);
  CHECK(f.set("default", "v7", "replaced"));
  CHECK(f.set("other", "one_more", "x"));
}

TEST_CASE("a password is kept as a secret, and bad names and descriptions are "
          "refused")
{
  Fixture f;
  const auto pw = f.set("default", "token", "s3cret", IoType::password);
  REQUIRE(pw);
  CHECK(pw->value == Value{ Secret{ "s3cret" } });
  CHECK(f.set("default", "bad-name", "x").error().code ==
        ErrorCode::invalid_argument);
  app::SetVariableRequest request;
  request.name = "x";
  request.value = "1";
  request.description = std::string(2000, 'd');
  CHECK(f.service.set(request).error().code == ErrorCode::invalid_argument);
  request.type = IoType::file;
  request.description.reset();
  CHECK(f.service.set(request).error().message.find("not supported yet") !=
        std::string::npos);
}

TEST_SUITE_END();
