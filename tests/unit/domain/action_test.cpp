#include "core/domain/action.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace ryax::domain;

TEST_SUITE_BEGIN("domain::Action");

TEST_CASE("every enum value round-trips through its Ryax spelling")
{
  for (const auto kind : k_all_action_kinds) {
    CHECK(parse_action_kind(to_string(kind)) == kind);
  }
  for (const auto type : k_all_action_types) {
    CHECK(parse_action_type(to_string(type)) == type);
  }
  for (const auto type : k_all_io_types) {
    CHECK(parse_io_type(to_string(type)) == type);
  }
  CHECK(to_string(ActionKind::processor) == "Processor");
  CHECK(to_string(ActionType::python3_cuda) == "python3-cuda");
  CHECK(to_string(ActionType::csharp_dotnet6) == "csharp-dotnet6");
  CHECK(to_string(IoType::float_) == "float");
  CHECK(to_string(IoType::enum_) == "enum");
}

TEST_CASE("spellings are parsed case-sensitively and unknown ones are rejected")
{
  CHECK_FALSE(parse_action_kind("processor"));
  CHECK_FALSE(parse_action_kind("Functions"));
  CHECK_FALSE(parse_action_type("python3_cuda"));
  CHECK_FALSE(parse_io_type("float_"));
  CHECK_FALSE(parse_io_type(""));
}

TEST_CASE("the code file an action needs depends on its kind and type")
{
  CHECK(required_code_file(ActionKind::processor, ActionType::python3) ==
        "ryax_handler.py");
  CHECK(required_code_file(ActionKind::publisher, ActionType::python3_cuda) ==
        "ryax_handler.py");
  CHECK(required_code_file(ActionKind::source, ActionType::python3) ==
        "ryax_run.py");
  CHECK(required_code_file(ActionKind::processor, ActionType::nodejs) ==
        "ryax_handler.js");
  CHECK_FALSE(required_code_file(ActionKind::source, ActionType::internal));
  CHECK_FALSE(
    required_code_file(ActionKind::processor, ActionType::csharp_dotnet6));
}

TEST_CASE("an action id is 3 to 24 letters, digits or dashes")
{
  CHECK(is_valid_action_id("add-two"));
  CHECK(is_valid_action_id("abc"));
  CHECK(is_valid_action_id(std::string(24, 'a')));
  CHECK_FALSE(is_valid_action_id("ab"));
  CHECK_FALSE(is_valid_action_id(std::string(25, 'a')));
  CHECK_FALSE(is_valid_action_id("add_two"));
  CHECK_FALSE(is_valid_action_id("add two"));
}

TEST_CASE("an IO name is an identifier of at most 64 characters")
{
  CHECK(is_valid_io_name("x"));
  CHECK(is_valid_io_name("_private2"));
  CHECK(is_valid_io_name(std::string(64, 'n')));
  CHECK_FALSE(is_valid_io_name(""));
  CHECK_FALSE(is_valid_io_name("2x"));
  CHECK_FALSE(is_valid_io_name("my input"));
  CHECK_FALSE(is_valid_io_name("a-b"));
  CHECK_FALSE(is_valid_io_name(std::string(65, 'n')));
}

TEST_CASE("memory amounts use base-1024 units or plain bytes")
{
  CHECK(parse_memory("100K").value() == 100 * 1024);
  CHECK(parse_memory("512M").value() == 512LL * 1024 * 1024);
  CHECK(parse_memory("4G").value() == 4LL * 1024 * 1024 * 1024);
  CHECK(parse_memory("1.5G").value() == 1536LL * 1024 * 1024);
  CHECK(parse_memory("1T").value() == 1024LL * 1024 * 1024 * 1024);
  CHECK(parse_memory("1000000").value() == 1'000'000);
}

TEST_CASE("a malformed memory amount names the accepted units")
{
  for (const std::string_view text :
       { "4GB", "G", "-1G", "", "1.2.3M", "4 G" }) {
    CAPTURE(text);
    const auto result = parse_memory(text);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ryax::ErrorCode::invalid_argument);
    CHECK(result.error().message.find("K, M, G or T") != std::string::npos);
  }
  CHECK_FALSE(parse_memory("99999999999T"));
}

TEST_CASE("durations use s, m, h, d units or plain seconds")
{
  CHECK(parse_duration_seconds("30s").value() == 30);
  CHECK(parse_duration_seconds("10m").value() == 600);
  CHECK(parse_duration_seconds("2h").value() == 7200);
  CHECK(parse_duration_seconds("1d").value() == 86400);
  CHECK(parse_duration_seconds("90").value() == 90);
  CHECK(parse_duration_seconds("1.5m").value() == 90);
  CHECK(parse_duration_seconds("0.2s").value() == 1); // rounded up
  const auto result = parse_duration_seconds("10min");
  REQUIRE_FALSE(result);
  CHECK(result.error().message ==
        "invalid duration \"10min\": expected a number of seconds or a number "
        "with unit s, m, h or d, e.g. \"30m\"");
}

TEST_CASE("images are recognised by content with their pixel size")
{
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x01\x2c\0\0\0\x20", 24);
  const auto png_info = sniff_image(png);
  REQUIRE(png_info);
  CHECK(png_info->format == ImageInfo::Format::png);
  CHECK(png_info->width == 300);
  CHECK(png_info->height == 32);

  // SOI, an APP0 segment of 4 bytes, then SOF0 with height 200, width 100.
  const std::string jpeg("\xFF\xD8\xFF\xE0\x00\x04\x00\x00"
                         "\xFF\xC0\x00\x11\x08\x00\xC8\x00\x64",
                         17);
  const auto jpeg_info = sniff_image(jpeg);
  REQUIRE(jpeg_info);
  CHECK(jpeg_info->format == ImageInfo::Format::jpeg);
  CHECK(jpeg_info->width == 100);
  CHECK(jpeg_info->height == 200);

  CHECK_FALSE(sniff_image("GIF89a"));
  CHECK_FALSE(sniff_image(""));
}

TEST_CASE("near misses are suggested only when plausible")
{
  constexpr std::string_view keys[] = { "human_name", "help", "type" };
  CHECK(edit_distance("humn_name", "human_name") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest_match("humn_name", keys) == "human_name");
  CHECK(closest_match("typ", keys) == "type");
  CHECK_FALSE(closest_match("zzzzzz", keys));
  constexpr std::string_view types[] = { "string", "integer" };
  CHECK(closest_match("int", types) == "integer");
}

TEST_CASE("a diagnostic reads file:line:column: field: message")
{
  CHECK(format_diagnostic({ "a.yaml", 3, 7, "spec.id", "bad" }) ==
        "a.yaml:3:7: spec.id: bad");
  CHECK(format_diagnostic({ "a.yaml", 3, 7, "", "bad" }) == "a.yaml:3:7: bad");
  CHECK(format_diagnostic({ "a.yaml", 0, 0, "spec", "bad" }) ==
        "a.yaml: spec: bad");
  CHECK(format_diagnostic({ "a.yaml", 2, 0, "", "bad" }) == "a.yaml:2: bad");
}

TEST_SUITE_END();
