#include "core/infrastructure/files/containment.hpp"

#include "core/domain/path.hpp"

#include <system_error>

namespace ryax::infra::files {

bool
is_within(const std::filesystem::path& path,
          const std::filesystem::path& root,
          RootItself root_itself)
{
  std::error_code ec;
  const auto real_root = std::filesystem::weakly_canonical(root, ec);
  if (ec) {
    return false;
  }
  const auto real = std::filesystem::weakly_canonical(path, ec);
  if (ec) {
    return false;
  }
  if (root_itself == RootItself::outside &&
      domain::lexically_normal(real.string()) ==
        domain::lexically_normal(real_root.string())) {
    return false;
  }
  return domain::is_lexically_within(real.string(), real_root.string());
}

} // namespace ryax::infra::files
