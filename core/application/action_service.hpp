#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/domain/catalogue.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// The repository shown for built-in triggers ("manual").
inline constexpr std::string_view k_builtin_repository = "(built-in)";

// The version `ref` names in `project` (its latest when ref.version is ""),
// or nullopt when there is none. Built-in triggers belong to every project.
Result<std::optional<domain::ActionVersion>>
find_in_project(ActionCatalogue& catalogue,
                const std::string& project,
                const domain::ActionRef& ref);

// Queries and removals on the action catalogue, which also lists the
// built-in triggers (always built, from k_builtin_repository). Each call
// acts in one project, which has its own action ids.
class ActionService
{
public:
  explicit ActionService(ActionCatalogue& catalogue);

  // Versions matching `filter` (its project: never "" here), built-in
  // triggers included.
  Result<std::vector<domain::ActionVersion>> list(const ActionFilter& filter);

  // `ref` ("ID" for the latest, or "ID:VERSION"), or a built-in trigger.
  // not_found naming it, with the near miss when there is one.
  Result<domain::ActionVersion> show(const std::string& project,
                                     const std::string& ref);

  // Remove `ref` ("ID" removes every version). The number removed;
  // not_found naming it when nothing matched.
  Result<int> remove(const std::string& project, const std::string& ref);

private:
  Error not_found(const std::string& project, const domain::ActionRef& ref);

  ActionCatalogue& m_catalogue;
};

} // namespace ryax::app
