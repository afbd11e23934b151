#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/domain/catalogue.hpp"

#include <string>
#include <vector>

namespace ryax::app {

// Queries and removals on the action catalogue.
class ActionService
{
public:
  explicit ActionService(ActionCatalogue& catalogue);

  // Versions matching `filter`.
  Result<std::vector<domain::ActionVersion>> list(const ActionFilter& filter);

  // `ref` ("ID" for the latest, or "ID:VERSION"). not_found naming it, with
  // the near miss when there is one.
  Result<domain::ActionVersion> show(const std::string& ref);

  // Remove `ref` ("ID" removes every version). The number removed;
  // not_found naming it when nothing matched.
  Result<int> remove(const std::string& ref);

private:
  Error not_found(const domain::ActionRef& ref);

  ActionCatalogue& m_catalogue;
};

} // namespace ryax::app
