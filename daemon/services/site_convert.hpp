#pragma once

#include "core/application/run_service.hpp"

#include "ryax/v1/site.pb.h"

#include <string>
#include <vector>

namespace ryax::daemon {

// The fields of a node pool as declared (no usage): what `site show`
// prints and what a worker agent declares in its hello.
void pool_to_proto(const domain::NodePool& pool, v1::NodePool& out);
domain::NodePool pool_from_proto(const v1::NodePool& pool);

// Site `view` with its health and pools.
void to_proto(const app::SiteView& view, v1::Site& out);

// `deployment` with its replicas.
void to_proto(const app::DeploymentView& deployment, v1::Deployment& out);

} // namespace ryax::daemon
