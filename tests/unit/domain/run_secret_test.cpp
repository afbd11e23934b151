// Password values of runs: marked as domain::Secret wherever they come
// from, so that stores seal them and views hide them.

#include "core/domain/run.hpp"
#include "core/domain/run_progress.hpp"
#include "core/domain/run_values.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ryax;
using namespace ryax::domain;
using ryax::test::action;
using ryax::test::io;
using ryax::test::k_now;
using ryax::test::ref;

TEST_SUITE_BEGIN("domain::Secret");

TEST_CASE("a password typed on the command line is a secret")
{
  const auto value = parse_value_text(io("pw", IoType::password), "hunter2");
  REQUIRE(value);
  CHECK(*value == Value{ Secret{ "hunter2" } });
  CHECK(value_type_name(*value) == "password");
  const auto text = parse_value_text(io("name", IoType::string), "hunter2");
  REQUIRE(text);
  CHECK(*text == Value{ std::string("hunter2") });
}

TEST_CASE("mark_secrets turns the strings of password specs into secrets, nothing else")
{
  Values values = { { "pw", std::string("a") },
                    { "name", std::string("b") },
                    { "n", std::int64_t{ 1 } },
                    { "already", Secret{ "c" } } };
  mark_secrets(values,
               { io("pw", IoType::password), io("name", IoType::string),
                 io("already", IoType::password), io("missing", IoType::password) });
  CHECK(values.at("pw") == Value{ Secret{ "a" } });
  CHECK(values.at("name") == Value{ std::string("b") });
  CHECK(values.at("n") == Value{ std::int64_t{ 1 } });
  CHECK(values.at("already") == Value{ Secret{ "c" } });
  CHECK_FALSE(values.contains("missing"));
}

TEST_CASE("a secret fits wherever text does, and nowhere else")
{
  const Value secret = Secret{ "x" };
  CHECK(value_fits(io("pw", IoType::password), secret));
  CHECK(value_fits(io("s", IoType::string), secret));
  CHECK_FALSE(value_fits(io("n", IoType::integer), secret));
  CHECK_FALSE(value_fits(io("f", IoType::file), secret));
}

TEST_CASE("a trigger's password output is a secret even when given as a string")
{
  const auto workflow = test::compile(test::make_workflow(
    { action("a", { { "pw", ref("start", "pw") } }) }, {}, { io("pw", IoType::password) }));
  const auto run = start("run-1", workflow, 1, { { "pw", std::string("hunter2") } }, k_now);
  REQUIRE(run);
  CHECK(run->trigger_values.at("pw") == Value{ Secret{ "hunter2" } });
  // Bound as it is to the step's input: still a secret.
  const auto inputs = resolve_inputs(*run, workflow, { "a", "" }, {});
  REQUIRE(inputs);
  CHECK(inputs->at("pw") == Value{ Secret{ "hunter2" } });
}

TEST_CASE("an interpolation holding a secret is a secret")
{
  Interpolation text{ { std::string("Bearer "), OutputReference{ "start", "pw" } } };
  const auto workflow = test::compile(test::make_workflow(
    { action("a", { { "header", text } }) }, {}, { io("pw", IoType::password) }));
  const auto run = start("run-1", workflow, 1, { { "pw", Secret{ "hunter2" } } }, k_now);
  REQUIRE(run);
  const auto inputs = resolve_inputs(*run, workflow, { "a", "" }, {});
  REQUIRE(inputs);
  CHECK(inputs->at("header") == Value{ Secret{ "Bearer hunter2" } });
}

TEST_SUITE_END();
