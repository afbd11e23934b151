#pragma once

#include "core/application/ports/runtime_pool.hpp"

#include <string>

namespace ryax::app {

// The runtimes of every site the runner places on: the daemon's own warm
// wrappers ("local" site, or whatever the site of ryaxd.yaml is named) and
// one pool per site reached through a worker agent. The runner asks this
// port, never which technology a site uses.
class SiteRuntimes
{
public:
  virtual ~SiteRuntimes() = default;

  // The runtime pool of site `site`, or nullptr when this daemon knows no
  // such site (removed). The pool outlives the daemon's runner.
  virtual RuntimePool* pool(const std::string& site) = 0;
};

} // namespace ryax::app
