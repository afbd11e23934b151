#pragma once

#include "core/application/run_service.hpp"

#include "ryax/v1/site.pb.h"

#include <string>
#include <vector>

namespace ryax::daemon {

// Site `view` with its health and pools.
void to_proto(const app::SiteView& view, v1::Site& out);

// `deployment` with its replicas.
void to_proto(const app::DeploymentView& deployment, v1::Deployment& out);

} // namespace ryax::daemon
