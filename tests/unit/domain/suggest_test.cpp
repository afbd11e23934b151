#include "core/domain/suggest.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace ryax::domain;

TEST_SUITE_BEGIN("domain::suggest");

TEST_CASE("did_you_mean names the near miss, or says nothing")
{
  const std::vector<std::string_view> keys = { "human_name",
                                               "type",
                                               "version" };
  CHECK(did_you_mean("humn_name", keys) == " (did you mean \"human_name\"?)");
  CHECK(did_you_mean("vers", keys) ==
        " (did you mean \"version\"?)"); // abbreviation
  CHECK(did_you_mean("zzzzzz", keys).empty());
  const std::vector<std::string> owned = { "resize", "crop" };
  CHECK(did_you_mean("resise", owned) == " (did you mean \"resize\"?)");
  CHECK(did_you_mean("x", std::vector<std::string>{}).empty());
}

TEST_SUITE_END();
