#include "core/application/run_selector.hpp"
#include "tests/support/run_store_fixtures.hpp"

#include <doctest/doctest.h>

using namespace ryax::test::run_store;
using ryax::ErrorCode;
using ryax::app::resolve_run;

namespace {

// Runs of two workflows in the default project, one in another project.
struct History : StoreFixture<MemoryStore>
{
  History()
  {
    create(make_run("run-ab12cd", "wf", 100));
    create(make_run("run-ab34ef", "wf", 200));
    create(make_run("run-9f0000", "other", 300));
    create(make_run("run-aa0000", "wf", 400), "team-b");
  }

  ryax::Result<std::string> resolve(const std::string& selector,
                                    const std::string& workflow = {})
  {
    return resolve_run(store(), "default", selector, workflow);
  }
};

} // namespace

TEST_SUITE_BEGIN("application::run_selector");

TEST_CASE("a run is named by its id, by the start of it with or without run-, "
          "or @latest")
{
  History h;
  CHECK(h.resolve("run-ab12cd").value() == "run-ab12cd");
  CHECK(h.resolve("run-ab3").value() == "run-ab34ef");
  CHECK(h.resolve("ab1").value() == "run-ab12cd");
  CHECK(h.resolve("9").value() == "run-9f0000");
  CHECK(h.resolve("@latest").value() == "run-9f0000");
  CHECK(h.resolve("@latest", "wf").value() == "run-ab34ef");
  // Another project's runs are never named.
  CHECK(h.resolve("aa").error().code == ErrorCode::not_found);
  CHECK(resolve_run(h.store(), "team-b", "@latest", "").value() == "run-aa0000");
}

TEST_CASE("an ambiguous start, an unknown id and a workflow without runs are "
          "refused in one line")
{
  History h;
  const auto ambiguous = h.resolve("ab");
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().code == ErrorCode::invalid_argument);
  CHECK(ambiguous.error().message
        == "run \"ab\" is ambiguous: run-ab34ef, run-ab12cd start so; give "
           "more of the id");

  const auto typo = h.resolve("run-ab12cx");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().code == ErrorCode::not_found);
  CHECK(typo.error().message
        == "run \"run-ab12cx\" not found (did you mean \"run-ab12cd\"?)");

  const auto none = h.resolve("@latest", "empty");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == ErrorCode::not_found);
  CHECK(none.error().message == "@latest: workflow \"empty\" has no run yet");

  const auto bad = h.resolve("run-1; rm -rf /");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
  CHECK(bad.error().message
        == "run \"run-1; rm -rf /\": expected a run id, the start of one or "
           "@latest");
  CHECK(h.resolve(std::string(1000, 'a')).error().message
        == "run \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\": expected a run id, "
           "the start of one or @latest");
  CHECK(h.resolve("a\x1b[2Jb").error().message
        == "run \"a?[2Jb\": expected a run id, the start of one or @latest");
  CHECK(h.resolve("").error().code == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
