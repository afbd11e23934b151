#include "core/infrastructure/log/json_line.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <ctime>

namespace ryax::infra::log {

namespace {

// Nouns that start "NOUN ID ..." messages and name their component.
constexpr std::array<std::string_view, 11> k_nouns = {
  "run",     "build",     "replica", "repository", "execution", "action",
  "workflow", "database", "bundle",  "project",    "step",
};

// Words followed by an id worth a field of its own.
constexpr std::array<std::string_view, 5> k_id_words = {
  "run", "build", "step", "workflow", "execution",
};

bool
is_prefix_text(std::string_view text)
{
  return !text.empty() && text.size() <= 24
         && std::all_of(text.begin(), text.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || c == ' ' || c == '-';
            });
}

// "StartRun", "ListWorkflows": a gRPC method's name.
bool
is_method_name(std::string_view word)
{
  if (word.size() < 3 || word[0] < 'A' || word[0] > 'Z') {
    return false;
  }
  bool lower = false;
  for (const char c : word) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!letter && !(c >= '0' && c <= '9')) {
      return false;
    }
    lower = lower || (c >= 'a' && c <= 'z');
  }
  return lower;
}

std::vector<std::string_view>
words_of(std::string_view text)
{
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find(' ', at), text.size());
    if (end > at) {
      words.push_back(text.substr(at, end - at));
    }
    at = end + 1;
  }
  return words;
}

// An id as written in a message: without the punctuation after it.
std::string_view
trim_id(std::string_view word)
{
  while (!word.empty()
         && std::string_view(":,;)(\"").find(word.back()) != std::string_view::npos) {
    word.remove_suffix(1);
  }
  while (!word.empty() && (word.front() == '"' || word.front() == '(')) {
    word.remove_prefix(1);
  }
  return word;
}

} // namespace

MessageFields
describe_message(std::string_view message)
{
  MessageFields out;
  const auto words = words_of(message);
  const auto colon = message.find(": ");
  if (!words.empty() && is_method_name(trim_id(words[0]))
      && (words.size() < 2 || words[1] == "ok" || words[1] == "failed"
          || words[0].ends_with(':'))) {
    out.component = "grpc";
    out.fields.emplace_back("method", std::string(trim_id(words[0])));
    return out;
  }
  if (colon != std::string_view::npos && is_prefix_text(message.substr(0, colon))) {
    out.component = std::string(message.substr(0, colon));
  } else if (!words.empty()
             && std::find(k_nouns.begin(), k_nouns.end(), words[0]) != k_nouns.end()) {
    out.component = std::string(words[0]);
  } else {
    out.component = "ryaxd";
  }
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const auto word = words[i];
    if (std::find(k_id_words.begin(), k_id_words.end(), word) == k_id_words.end()) {
      continue;
    }
    const auto id = trim_id(words[i + 1]);
    // Run and build ids have digits or dashes ("run history", "build
    // worker" are words); steps and workflows have names.
    const bool strict = word == "run" || word == "build";
    const bool looks_like_id =
      !id.empty() && id.size() <= 128
      && (!strict || std::any_of(id.begin(), id.end(), [](char c) {
            return (c >= '0' && c <= '9') || c == '-' || c == '_';
          }))
      && id != "of" && id != "is" && id != "and" && id != "the";
    const bool known = std::any_of(out.fields.begin(), out.fields.end(),
                                   [&](const auto& f) { return f.first == word; });
    if (looks_like_id && !known) {
      out.fields.emplace_back(std::string(word), std::string(id));
    }
  }
  return out;
}

std::string
json_line(std::string_view time, std::string_view level, std::string_view message)
{
  const auto described = describe_message(message);
  nlohmann::ordered_json line;
  line["time"] = time;
  line["level"] = level;
  line["component"] = described.component;
  line["message"] = message;
  for (const auto& [key, value] : described.fields) {
    line[key] = value;
  }
  // A message is bytes from anywhere (user code's errors): never throw on
  // invalid UTF-8, replace it.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string
rfc3339_ms(long long unix_ms)
{
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     unix_ms % 1000);
}

} // namespace ryax::infra::log
