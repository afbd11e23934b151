#include "core/domain/suggest.hpp"

#include "core/domain/action.hpp"

#include <vector>

namespace ryax::domain {

std::string
did_you_mean(std::string_view word,
             std::span<const std::string_view> candidates)
{
  if (const auto near = closest_match(word, candidates)) {
    return " (did you mean \"" + std::string(*near) + "\"?)";
  }
  return "";
}

std::string
did_you_mean(std::string_view word, std::span<const std::string> candidates)
{
  const std::vector<std::string_view> views(candidates.begin(),
                                            candidates.end());
  return did_you_mean(word, std::span<const std::string_view>(views));
}

} // namespace ryax::domain
