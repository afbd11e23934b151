#include "core/domain/cron.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace ryax::domain {

namespace {

struct FieldSpec
{
  std::string_view name;
  int min;
  int max;
  // Names accepted for values (JAN... or SUN...), index + `min` is the value.
  const std::array<std::string_view, 12>* names;
  std::size_t name_count;
};

constexpr std::array<std::string_view, 12> k_month_names = {
  "jan", "feb", "mar", "apr", "may", "jun",
  "jul", "aug", "sep", "oct", "nov", "dec"
};
constexpr std::array<std::string_view, 12> k_weekday_names = {
  "sun", "mon", "tue", "wed", "thu", "fri", "sat", "", "", "", "", ""
};

const FieldSpec k_fields[] = {
  { "minute", 0, 59, nullptr, 0 },
  { "hour", 0, 23, nullptr, 0 },
  { "day-of-month", 1, 31, nullptr, 0 },
  { "month", 1, 12, &k_month_names, 12 },
  { "day-of-week", 0, 7, &k_weekday_names, 7 },
};

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

std::vector<std::string_view>
split(std::string_view text, char separator)
{
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) {
      return parts;
    }
    text.remove_prefix(at + 1);
  }
}

std::string
lower(std::string_view text)
{
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::optional<int>
parse_int(std::string_view text)
{
  int value = 0;
  const auto [end, ec] =
    std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// One value of a field: a number in range or a name.
Result<int>
parse_value(const FieldSpec& field, std::string_view text)
{
  const auto bad = [&](const std::string& why) {
    return fail(ErrorCode::invalid_argument,
                "field " + quote(field.name) + ": " + quote(text) + " " + why);
  };
  if (auto number = parse_int(text)) {
    if (*number < field.min || *number > field.max) {
      return bad("is out of range " + std::to_string(field.min) + "-" +
                 std::to_string(field.max));
    }
    return *number;
  }
  if (field.names != nullptr) {
    const auto name = lower(text);
    for (std::size_t i = 0; i < field.name_count; ++i) {
      if ((*field.names)[i] == name) {
        return static_cast<int>(i) + (field.max == 12 ? 1 : 0);
      }
    }
  }
  return bad("is not a number" +
             std::string(field.names != nullptr ? " or a name" : ""));
}

// The values of one field, as bits from min to max.
Result<std::vector<bool>>
parse_field(const FieldSpec& field, std::string_view text)
{
  std::vector<bool> bits(static_cast<std::size_t>(field.max) + 1, false);
  for (const auto item : split(text, ',')) {
    const auto bad = [&](const std::string& why) {
      return fail(ErrorCode::invalid_argument,
                  "field " + quote(field.name) + ": " + quote(item) + " " +
                    why);
    };
    if (item.empty()) {
      return bad("is empty (two commas in a row?)");
    }
    auto range = item;
    int step = 1;
    const auto slash = item.find('/');
    if (slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const auto step_value = parse_int(item.substr(slash + 1));
      if (!step_value || *step_value < 1) {
        return bad("has a bad step: expected a positive number after \"/\"");
      }
      step = *step_value;
    }
    int first = field.min;
    int last = field.max;
    if (range == "*") {
      if (field.max == 7) {
        last = 6; // 7 is Sunday again
      }
    } else if (const auto dash = range.find('-');
               dash != std::string_view::npos) {
      RYAX_TRY_ASSIGN(first, parse_value(field, range.substr(0, dash)));
      RYAX_TRY_ASSIGN(last, parse_value(field, range.substr(dash + 1)));
      if (last < first) {
        return bad("is a range that ends before it starts");
      }
    } else {
      RYAX_TRY_ASSIGN(first, parse_value(field, range));
      if (slash == std::string_view::npos) {
        last = first;
      }
    }
    for (int v = first; v <= last; v += step) {
      bits[static_cast<std::size_t>(v)] = true;
    }
  }
  return bits;
}

template<std::size_t N>
void
assign(std::bitset<N>& set, const std::vector<bool>& bits)
{
  for (std::size_t i = 0; i < bits.size() && i < N; ++i) {
    set[i] = bits[i];
  }
}

std::string_view
expand_macro(std::string_view expression)
{
  if (expression == "@yearly" || expression == "@annually") {
    return "0 0 1 1 *";
  }
  if (expression == "@monthly") {
    return "0 0 1 * *";
  }
  if (expression == "@weekly") {
    return "0 0 * * 0";
  }
  if (expression == "@daily" || expression == "@midnight") {
    return "0 0 * * *";
  }
  if (expression == "@hourly") {
    return "0 * * * *";
  }
  return {};
}

std::int64_t
floor_div(std::int64_t a, std::int64_t b)
{
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

} // namespace

Result<CronSchedule>
parse_cron(std::string_view expression)
{
  std::vector<std::string_view> fields;
  {
    std::string_view rest = expression;
    while (!rest.empty()) {
      const auto start = rest.find_first_not_of(" \t");
      if (start == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(start);
      const auto end = rest.find_first_of(" \t");
      fields.push_back(rest.substr(0, end));
      rest =
        end == std::string_view::npos ? std::string_view() : rest.substr(end);
    }
  }
  if (fields.size() == 1 && fields[0].starts_with('@')) {
    const auto expanded = expand_macro(lower(fields[0]));
    if (expanded.empty()) {
      return fail(ErrorCode::invalid_argument,
                  "unknown macro " + quote(fields[0]) +
                    ": expected @yearly, @annually, @monthly, @weekly, "
                    "@daily, @midnight or @hourly");
    }
    return parse_cron(expanded);
  }
  if (fields.size() != 5) {
    return fail(ErrorCode::invalid_argument,
                quote(expression) + " has " + std::to_string(fields.size()) +
                  " fields: expected 5 (minute hour day-of-month month "
                  "day-of-week) or a macro such as @daily");
  }
  CronSchedule schedule;
  std::vector<std::vector<bool>> bits;
  for (std::size_t i = 0; i < 5; ++i) {
    RYAX_TRY_ASSIGN(auto field, parse_field(k_fields[i], fields[i]));
    bits.push_back(std::move(field));
  }
  assign(schedule.minutes, bits[0]);
  assign(schedule.hours, bits[1]);
  assign(schedule.days, bits[2]);
  assign(schedule.months, bits[3]);
  if (bits[4][7]) {
    bits[4][0] = true;
  }
  assign(schedule.weekdays, bits[4]);
  schedule.days_star = fields[2].starts_with('*');
  schedule.weekdays_star = fields[4].starts_with('*');
  return schedule;
}

Result<int>
parse_utc_offset(std::string_view timezone)
{
  auto text = timezone;
  if (text.empty() || text == "UTC" || text == "GMT" || text == "Z" ||
      text == "Etc/UTC" || text == "Etc/GMT") {
    return 0;
  }
  if (text.starts_with("UTC") || text.starts_with("GMT")) {
    text.remove_prefix(3);
  }
  const auto bad = [&]() {
    return fail(ErrorCode::invalid_argument,
                "time zone " + quote(timezone) +
                  " is not \"UTC\" or a fixed offset such as \"+02:00\"");
  };
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) {
    return bad();
  }
  const int sign = text[0] == '-' ? -1 : 1;
  text.remove_prefix(1);
  std::string digits;
  for (const char c : text) {
    if (c != ':') {
      digits += c;
    }
  }
  if (digits.size() != 2 && digits.size() != 4) {
    return bad();
  }
  const auto hours = parse_int(std::string_view(digits).substr(0, 2));
  const auto minutes = digits.size() == 4
                         ? parse_int(std::string_view(digits).substr(2))
                         : std::optional<int>(0);
  if (!hours || !minutes || *hours > 14 || *minutes > 59) {
    return bad();
  }
  return sign * (*hours * 60 + *minutes);
}

std::optional<std::int64_t>
next_cron_time(const CronSchedule& schedule,
               int offset_minutes,
               std::int64_t after_ms)
{
  using namespace std::chrono;
  constexpr std::int64_t k_day = 1440;
  std::int64_t minute = floor_div(after_ms, 60'000) + 1 + offset_minutes;
  const auto limit = floor_div(minute, k_day) + 3660 + 10; // ten years
  const bool either_day = !schedule.days_star && !schedule.weekdays_star;
  for (;;) {
    const auto day = floor_div(minute, k_day);
    if (day > limit) {
      return std::nullopt;
    }
    const sys_days date{ days{ day } };
    const year_month_day ymd{ date };
    const auto month = static_cast<unsigned>(ymd.month());
    if (!schedule.months[month]) {
      const auto next =
        year_month_day{ ymd.year() / ymd.month() / 1 } + months{ 1 };
      minute = sys_days{ next }.time_since_epoch().count() * k_day;
      continue;
    }
    const bool dom = schedule.days[static_cast<unsigned>(ymd.day())];
    const bool dow = schedule.weekdays[weekday{ date }.c_encoding()];
    if (!(either_day ? dom || dow : dom && dow)) {
      minute = (day + 1) * k_day;
      continue;
    }
    const auto in_day = minute - day * k_day;
    const auto hour = in_day / 60;
    if (!schedule.hours[static_cast<std::size_t>(hour)]) {
      minute = day * k_day + (hour + 1) * 60;
      continue;
    }
    if (!schedule.minutes[static_cast<std::size_t>(in_day % 60)]) {
      ++minute;
      continue;
    }
    return (minute - offset_minutes) * 60'000;
  }
}

ZoneOffsets
ZoneOffsets::fixed(int offset_minutes, std::string name)
{
  ZoneOffsets zone;
  zone.name = std::move(name);
  zone.intervals.push_back({ std::numeric_limits<std::int64_t>::min() / 2,
                             std::numeric_limits<std::int64_t>::max() / 2,
                             offset_minutes });
  return zone;
}

bool
looks_like_zone_name(std::string_view name)
{
  if (name.empty() || name.size() > 64 || name.front() == '/' ||
      name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

std::optional<std::int64_t>
next_cron_time(const CronSchedule& schedule,
               const ZoneOffsets& zone,
               std::int64_t after_ms)
{
  const auto& intervals = zone.intervals;
  if (intervals.empty()) {
    return next_cron_time(schedule, 0, after_ms);
  }
  std::size_t i = 0;
  while (i + 1 < intervals.size() && intervals[i].end_ms <= after_ms + 1) {
    ++i;
  }
  // Local times repeated after clocks went back fired in the interval
  // before: skip them.
  const auto repeated_until = [&](std::size_t k) {
    const auto back =
      k == 0 ? 0
             : std::int64_t{ intervals[k - 1].offset_minutes -
                             intervals[k].offset_minutes } *
                 60'000;
    return intervals[k].begin_ms - 1 + std::max<std::int64_t>(0, back);
  };
  auto from = std::max(after_ms, repeated_until(i));
  for (; i < intervals.size(); ++i) {
    const auto& interval = intervals[i];
    const auto found =
      next_cron_time(schedule, interval.offset_minutes, from);
    if (!found || i + 1 == intervals.size() || *found < interval.end_ms) {
      return found;
    }
    from = repeated_until(i + 1); // on to the next offset
  }
  return std::nullopt;
}

std::string
iso8601_utc(std::int64_t unix_ms)
{
  using namespace std::chrono;
  const auto day = floor_div(unix_ms, 86'400'000);
  const auto in_day = unix_ms - day * 86'400'000;
  const year_month_day ymd{ sys_days{ days{ day } } };
  char buffer[40];
  std::snprintf(buffer,
                sizeof buffer,
                "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()),
                static_cast<int>(in_day / 3'600'000),
                static_cast<int>(in_day / 60'000 % 60),
                static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  return buffer;
}

} // namespace ryax::domain
