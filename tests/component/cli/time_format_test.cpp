#include "cli/output/time_format.hpp"

#include <doctest/doctest.h>

#include <ctime>
#include <string>

using namespace ryax::cli::output;

namespace {

// What the strftime copies this helper replaced printed.
std::string
strftime_text(std::int64_t unix_seconds, bool utc, const char* layout)
{
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), layout, &tm);
  return buffer;
}

} // namespace

TEST_SUITE_BEGIN("cli::output::time_format");

TEST_CASE(
  "a Unix time is laid out in UTC as the ISO, seconds and minutes forms")
{
  CHECK(format_unix_time(1'700'000'000, TimeZone::utc, TimeLayout::iso) ==
        "2023-11-14T22:13:20");
  CHECK(format_unix_time(1'700'000'000, TimeZone::utc, TimeLayout::seconds) ==
        "2023-11-14 22:13:20");
  CHECK(format_unix_time(1'700'000'000, TimeZone::utc, TimeLayout::minutes) ==
        "2023-11-14 22:13");
  CHECK(format_unix_time(0, TimeZone::utc, TimeLayout::iso) ==
        "1970-01-01T00:00:00");
}

TEST_CASE("every layout and zone prints what strftime printed")
{
  for (const std::int64_t t : { std::int64_t{ 0 },
                                std::int64_t{ 1'700'000'000 },
                                std::int64_t{ 951'782'400 }, // 2000-02-29
                                std::int64_t{ -86'400 } }) {
    CAPTURE(t);
    for (const bool utc : { true, false }) {
      const auto zone = utc ? TimeZone::utc : TimeZone::local;
      CHECK(format_unix_time(t, zone, TimeLayout::iso) ==
            strftime_text(t, utc, "%Y-%m-%dT%H:%M:%S"));
      CHECK(format_unix_time(t, zone, TimeLayout::seconds) ==
            strftime_text(t, utc, "%Y-%m-%d %H:%M:%S"));
      CHECK(format_unix_time(t, zone, TimeLayout::minutes) ==
            strftime_text(t, utc, "%Y-%m-%d %H:%M"));
    }
  }
}

TEST_CASE("a time the C library cannot convert does not throw")
{
  const auto far = std::int64_t{ 1 } << 62;
  CHECK_NOTHROW((void)format_unix_time(far, TimeZone::utc, TimeLayout::iso));
  CHECK_NOTHROW(
    (void)format_unix_time(far, TimeZone::local, TimeLayout::minutes));
}

TEST_CASE("JSON times are RFC 3339 UTC strings, null when not reached")
{
  using namespace ryax::cli::output;
  CHECK(rfc3339_seconds(0).is_null());
  CHECK(rfc3339_seconds(1'700'000'000) == "2023-11-14T22:13:20Z");
  CHECK(rfc3339_ms(0).is_null());
  CHECK(rfc3339_ms(1'700'000'000'005) == "2023-11-14T22:13:20.005Z");
  nlohmann::json doc = { { "created_at", 1'700'000'000 }, { "id", 3 }, { "done_at", "x" } };
  seconds_to_rfc3339(doc, { "created_at", "id_at", "done_at" });
  CHECK(doc["created_at"] == "2023-11-14T22:13:20Z");
  CHECK(doc["id"] == 3);
  CHECK(doc["done_at"] == "x");
}

TEST_SUITE_END();
