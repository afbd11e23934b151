#pragma once

#include <vector>

namespace ryax::infra::sqlite {

struct Migration;

// Every schema migration, in version order. Append only: a released
// migration is never edited.
const std::vector<Migration>& schema_migrations();

} // namespace ryax::infra::sqlite
