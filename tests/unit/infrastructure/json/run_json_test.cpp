#include "core/infrastructure/json/run_json.hpp"

#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>

using ryax::ErrorCode;
using ryax::domain::FileRef;
using ryax::domain::Secret;
using ryax::domain::StepError;
using ryax::domain::Value;
using ryax::domain::Values;
using namespace ryax::infra::json;
using nlohmann::json;

namespace {

constexpr const char* k_key =
  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08/photo.jpg";

// `value` through JSON text and back.
Value
round_trip(const Value& value)
{
  const auto text = value_to_json(value).dump();
  const auto back = value_from_json(json::parse(text));
  REQUIRE(back);
  return *back;
}

} // namespace

TEST_SUITE_BEGIN("infra::json::run_json");

TEST_CASE("scalar values are themselves in JSON and come back with their type")
{
  CHECK(value_to_json(Value{}) == json(nullptr));
  CHECK(value_to_json(true) == json(true));
  CHECK(value_to_json(std::int64_t{ 42 }) == json(42));
  CHECK(value_to_json(2.5) == json(2.5));
  CHECK(value_to_json(std::string("hi")) == json("hi"));

  for (const Value& value : { Value{},
                              Value{ false },
                              Value{ std::int64_t{ -7 } },
                              Value{ 0.25 },
                              Value{ std::string("text") } }) {
    CHECK(round_trip(value) == value);
  }
}

TEST_CASE("an integer stays an integer and an integral float stays a float")
{
  CHECK(std::holds_alternative<std::int64_t>(round_trip(std::int64_t{ 3 })));
  const auto big = std::numeric_limits<std::int64_t>::max();
  CHECK(round_trip(big) == Value{ big });
  const auto low = std::numeric_limits<std::int64_t>::min();
  CHECK(round_trip(low) == Value{ low });
  const auto two = round_trip(2.0);
  REQUIRE(std::holds_alternative<double>(two));
  CHECK(std::get<double>(two) == 2.0);
  CHECK(std::holds_alternative<double>(*value_from_json(json::parse("1e3"))));
}

TEST_CASE("a file and a directory are named by the end of their key")
{
  CHECK(value_to_json(FileRef{ k_key, false }) ==
        json{ { "file", "photo.jpg" }, { "key", k_key } });
  CHECK(value_to_json(FileRef{ "abc/out", true }) ==
        json{ { "directory", "out" }, { "key", "abc/out" } });
  CHECK(value_to_json(FileRef{ "plain", false })["file"] == "plain");

  CHECK(round_trip(FileRef{ k_key, false }) ==
        Value{ FileRef{ k_key, false } });
  CHECK(round_trip(FileRef{ "abc/out", true }) ==
        Value{ FileRef{ "abc/out", true } });
}

TEST_CASE("a float that is not finite becomes null")
{
  CHECK(value_to_json(std::nan("")) == json(nullptr));
  CHECK(value_to_json(std::numeric_limits<double>::infinity()) ==
        json(nullptr));
}

TEST_CASE("arrays, other objects and huge integers are not values")
{
  for (const char* text :
       { "[1, 2]",
         "{}",
         "{\"a\": 1}",
         "{\"file\": \"x\"}",
         "{\"file\": \"x\", \"key\": 3}",
         "{\"file\": \"x\", \"key\": \"\"}",
         "{\"file\": \"x\", \"directory\": \"x\", \"key\": \"k/x\"}",
         "{\"file\": \"x\", \"key\": \"k/x\", \"extra\": 1}",
         "18446744073709551615" }) {
    CAPTURE(text);
    const auto value = value_from_json(json::parse(text));
    REQUIRE_FALSE(value);
    CHECK(value.error().code == ErrorCode::invalid_argument);
  }
}

TEST_CASE("named values are an object and a bad member is named")
{
  const Values values = { { "n", std::int64_t{ 1 } },
                          { "f", FileRef{ "k/a.txt", false } },
                          { "none", Value{} } };
  const auto doc = values_to_json(values);
  CHECK(doc.is_object());
  CHECK(doc.size() == 3);
  CHECK(values_to_json({}) == json::object());
  const auto back = values_from_json(json::parse(doc.dump()));
  REQUIRE(back);
  CHECK(*back == values);

  const auto bad = values_from_json(json::parse(R"({"ok": 1, "list": [1]})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
  CHECK(bad.error().message.find("\"list\"") != std::string::npos);
  CHECK_FALSE(values_from_json(json::parse("[]")));
}

TEST_CASE("a step error round trips and a damaged one keeps defaults")
{
  const StepError error{ "user_exception", "boom", 3, "Traceback ..." };
  const auto doc = step_error_to_json(error);
  CHECK(doc["kind"] == "user_exception");
  CHECK(doc["code"] == 3);
  CHECK(step_error_from_json(json::parse(doc.dump())) == error);

  const auto partial =
    step_error_from_json(json::parse(R"({"kind": "timeout", "code": "x"})"));
  CHECK(partial == StepError{ "timeout", "", 0, "" });
  CHECK(step_error_from_json(json("text")) == StepError{});
}

TEST_CASE("file keys are collected from files and directories only")
{
  const Values values = { { "a", FileRef{ "k1/a", false } },
                          { "b", FileRef{ "k2/b", true } },
                          { "s", std::string("k3/not-a-file") } };
  std::set<std::string> keys = { "k0/old" };
  collect_file_keys(values, keys);
  CHECK(keys == std::set<std::string>{ "k0/old", "k1/a", "k2/b" });
}

TEST_CASE("a secret is ******** on the wire, never its text")
{
  CHECK(value_to_json(Secret{ "hunter2" }) == json("********"));
  CHECK(values_to_json({ { "pw", Secret{ "hunter2" } } }).dump().find("hunter2") == std::string::npos);
}

TEST_CASE("sealed values keep a secret's text sealed and open it back")
{
  ryax::infra::crypto::AesGcmSecretBox box{ ryax::infra::crypto::EncryptionKey{ 1 } };
  const Values values = { { "pw", Secret{ "hunter2" } }, { "n", std::int64_t{ 4 } } };
  const auto doc = sealed_values_to_json(values, box);
  REQUIRE(doc);
  const auto text = doc->dump();
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK((*doc)["pw"]["sealed"].get<std::string>().starts_with("v1:"));
  CHECK((*doc)["n"] == 4);
  const auto back = values_from_json(json::parse(text), &box);
  REQUIRE(back);
  CHECK(*back == values);

  // Another key, or no box at all, cannot read it.
  ryax::infra::crypto::AesGcmSecretBox other{ ryax::infra::crypto::EncryptionKey{ 2 } };
  const auto wrong = values_from_json(*doc, &other);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.starts_with("value \"pw\": "));
  const auto unboxed = values_from_json(*doc);
  REQUIRE_FALSE(unboxed);
  CHECK(unboxed.error().code == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
