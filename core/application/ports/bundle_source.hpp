#pragma once

#include "core/domain/error.hpp"

#include <string>

namespace ryax::app {

// Where a worker agent gets the action bundles it runs: built once on the
// main daemon, fetched by content key and cached.
class BundleSource
{
public:
  virtual ~BundleSource() = default;

  // Make bundle `key` present in the worker's bundle store (nothing when
  // it is). unavailable when the main daemon cannot be reached;
  // failed_precondition when the bundle cannot run here (an interpreter
  // it links to is missing); internal on I/O errors or a bad digest.
  virtual Result<void> ensure(const std::string& key) = 0;
};

} // namespace ryax::app
