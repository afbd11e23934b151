#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Reading the JSON documents the daemon sends (the action and workflow
// documents, run values) without trusting their shape: an older or newer
// ryaxd may leave a field out or give it another type. nlohmann's own
// accessors assert (operator[] on a const document) or throw (at, get,
// value); these never do.
namespace ryax::cli::output {

// The member `key` of `object`; a null value when `object` is not an
// object or has no such member.
const nlohmann::json& field(const nlohmann::json& object, std::string_view key);

// The array `key` of `object`; an empty array when it is absent or not an
// array, so that a range-for over it never surprises.
const nlohmann::json& array_field(const nlohmann::json& object,
                                  std::string_view key);

// Element `index` of `array`; a null value when `array` is not an array or
// is shorter.
const nlohmann::json& element(const nlohmann::json& array, std::size_t index);

// The string `key` of `object`; `fallback` when it is absent or not a
// string.
std::string text_field(const nlohmann::json& object,
                       std::string_view key,
                       std::string_view fallback = "");

// The boolean `key` of `object`; `fallback` when absent or not a boolean.
bool flag_field(const nlohmann::json& object,
                std::string_view key,
                bool fallback = false);

// The number `key` of `object`; nullopt when absent or not a number.
std::optional<double> number_field(const nlohmann::json& object,
                                   std::string_view key);

// The number `key` of `object` as an integer (a fraction truncated);
// nullopt when absent, not a number or out of range.
std::optional<std::int64_t> integer_field(const nlohmann::json& object,
                                          std::string_view key);

// `value` as text for people: a string as is, anything else as compact
// JSON (invalid UTF-8 replaced, never thrown on).
std::string json_text(const nlohmann::json& value);

// `doc` as JSON text indented by `indent` (-1: compact), with invalid UTF-8
// in strings replaced by U+FFFD instead of throwing.
std::string dump(const nlohmann::json& doc, int indent = -1);

} // namespace ryax::cli::output
