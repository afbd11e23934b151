#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ryax::domain {

// The "did you mean" part of a message about an unknown `word`: ` (did you
// mean "x"?)`, with a leading space, where x is the candidate that
// closest_match (action.hpp) finds; "" when none is close enough. Append
// it to the message: `unknown key "humn_name" (did you mean "human_name"?)`.
std::string did_you_mean(std::string_view word,
                         std::span<const std::string_view> candidates);

// The same for candidates held as strings.
std::string did_you_mean(std::string_view word,
                         std::span<const std::string> candidates);

} // namespace ryax::domain
