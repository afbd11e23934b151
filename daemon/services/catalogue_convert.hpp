#pragma once

#include "core/domain/catalogue.hpp"

#include "ryax/v1/action.pb.h"

namespace ryax::daemon {

// Domain values to their proto messages (proto types never enter core/).
void to_proto(const domain::Repository& repository, v1::Repository& out);
void to_proto(const domain::ActionVersion& version, v1::ActionVersion& out);
void to_proto(const domain::ScanReport& report, v1::ScanReport& out);

} // namespace ryax::daemon
