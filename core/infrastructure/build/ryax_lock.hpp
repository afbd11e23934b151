#pragma once

#include "core/domain/error.hpp"

#include <string>
#include <string_view>

namespace ryax::infra::build {

// The content of a ryax_lock.json (ryax-formats.md section 4). The Nix
// fields mean nothing to this builder: written empty, read and kept.
struct RyaxLock
{
  std::string action_nix;          // "actionNix"
  std::string action_nix_original; // "actionNixOriginal"
  std::string nixpkgs_python;      // "nixpkgsPython"
  std::string wrapper_revision;    // "wrapperRevision"
  // python.pythonVersion: the interpreter's full version, "3.11.7".
  std::string python_version;
  // python.pythonVersionOriginal: what the action asked ("3.11" or "").
  std::string python_version_original;
  // python.originalRequirements: the requirements.txt content.
  std::string original_requirements;
  // python.lockedRequirements: pip freeze output ("" when nothing).
  std::string locked_requirements;

  bool operator==(const RyaxLock&) const = default;
};

// Read a lock from its JSON text. Missing fields read as "". invalid_argument
// naming `file` when the text is not a JSON object or a field is not a
// string.
Result<RyaxLock> parse_ryax_lock(std::string_view json,
                                 const std::string& file);

// The JSON text of `lock`: every field present, in the documented order,
// indented by 2, with a final newline.
std::string format_ryax_lock(const RyaxLock& lock);

} // namespace ryax::infra::build
