#include "core/infrastructure/wrapper/line_assembler.hpp"

#include <doctest/doctest.h>

using namespace ryax::infra::wrapper;
using Lines = std::vector<std::string>;

TEST_SUITE_BEGIN("infra::wrapper::LineAssembler");

TEST_CASE("bytes are cut into lines across chunks, without newline or carriage return")
{
  LineAssembler lines;
  CHECK(lines.feed("first li") == Lines{});
  CHECK(lines.feed("ne\r\nsecond\n\nthi") == Lines{"first line", "second", ""});
  CHECK(lines.flush() == "thi");
  CHECK(lines.flush() == std::nullopt);
}

TEST_CASE("a very long line comes out in pieces of the maximum size")
{
  LineAssembler lines;
  const std::string big(k_max_line_bytes * 2 + 10, 'x');
  const auto out = lines.feed(big + "\n");
  REQUIRE(out.size() == 3);
  CHECK(out[0].size() == k_max_line_bytes);
  CHECK(out[1].size() == k_max_line_bytes);
  CHECK(out[2].size() == 10);
}

TEST_CASE("every occurrence of a secret is masked, empty secrets are ignored")
{
  CHECK(mask_secrets("pw=hunter2 again hunter2", {"hunter2", ""}) == "pw=*** again ***");
  CHECK(mask_secrets("nothing here", {"hunter2"}) == "nothing here");
  CHECK(mask_secrets("aaaa", {"aa"}) == "******");
}

TEST_SUITE_END();
