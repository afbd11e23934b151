#include "core/infrastructure/wrapper/frame_codec.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::infra::wrapper;

TEST_SUITE_BEGIN("infra::wrapper::FrameDecoder");

TEST_CASE("a frame is its big-endian length then its payload")
{
  const auto frame = encode_frame("hello");
  CHECK(frame == std::string("\0\0\0\5hello", 9));
}

TEST_CASE("frames split at any byte come out whole and in order")
{
  const auto stream = encode_frame("{\"a\":1}") + encode_frame("") + encode_frame("second");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    CAPTURE(cut);
    FrameDecoder decoder;
    std::vector<std::string> payloads;
    const auto drain = [&] {
      while (true) {
        auto next = decoder.next();
        REQUIRE(next);
        if (!next->has_value()) {
          break;
        }
        payloads.push_back(**next);
      }
    };
    decoder.feed(stream.data(), cut);
    drain();
    decoder.feed(stream.data() + cut, stream.size() - cut);
    drain();
    CHECK(payloads == std::vector<std::string>{"{\"a\":1}", "", "second"});
    CHECK(decoder.buffered() == 0);
  }
}

TEST_CASE("a frame announcing more than the limit is refused")
{
  FrameDecoder decoder;
  decoder.feed("\xff\xff\xff\xff", 4);
  const auto next = decoder.next();
  REQUIRE_FALSE(next);
  CHECK(next.error().code == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
