#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>

// The table form of `ryax action show`. Pure: no I/O but the stream.
namespace ryax::cli {

// "512 MiB", "1.5 GiB": bytes in base 1024 with the shortest decimals.
std::string format_bytes(std::int64_t bytes);

// Print the ACTION DOCUMENT `d` (ryax(1)) for people: its fields, build
// error and warnings, lock, then inputs and outputs as tables. A field the
// document lacks or gives with another type (an older or newer ryaxd)
// shows as "-" or is left out; nothing asserts or throws.
void print_action(std::ostream& out, const nlohmann::json& d);

} // namespace ryax::cli
