#pragma once

#include "core/domain/scheduling.hpp"

#include "ryax/v1/site.pb.h"

namespace ryax::daemon::agent {

// The fields of a node pool a worker declares (no usage).
void pool_to_proto(const domain::NodePool& pool, v1::NodePool& out);
domain::NodePool pool_from_proto(const v1::NodePool& pool);

} // namespace ryax::daemon::agent
