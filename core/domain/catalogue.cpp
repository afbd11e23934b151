#include "core/domain/catalogue.hpp"

#include <algorithm>
#include <cctype>

namespace ryax::domain {

bool
is_valid_repository_name(std::string_view name)
{
  if (name.empty() || name.size() > 64
      || std::isalnum(static_cast<unsigned char>(name.front())) == 0) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.'
           || c == '_' || c == '-';
  });
}

Result<void>
check_repository_url(std::string_view url)
{
  const std::string quoted = "\"" + std::string(url) + "\"";
  if (url.empty()) {
    return fail(ErrorCode::invalid_argument, "the repository URL is empty");
  }
  for (const std::string_view scheme :
       {"file://", "https://", "http://", "ssh://", "git://"}) {
    if (url.starts_with(scheme)) {
      if (url.size() == scheme.size()) {
        return fail(ErrorCode::invalid_argument,
                    "repository URL " + quoted + " has no path");
      }
      return {};
    }
  }
  if (url.starts_with('/')) {
    return {};
  }
  // scp-like: [user@]host:path, with no scheme and no slash before the colon.
  const auto colon = url.find(':');
  const auto slash = url.find('/');
  if (colon != std::string_view::npos && colon > 0 && colon + 1 < url.size()
      && (slash == std::string_view::npos || slash > colon)
      && url.find("://") == std::string_view::npos) {
    return {};
  }
  return fail(ErrorCode::invalid_argument,
              "repository URL " + quoted
                + " is not an absolute path, file://, https://, http://, "
                  "ssh:// or user@host:path URL");
}

std::string_view
to_string(BuildState state)
{
  switch (state) {
  case BuildState::scanned:
    return "scanned";
  case BuildState::build_pending:
    return "build pending";
  case BuildState::building:
    return "building";
  case BuildState::built:
    return "built";
  case BuildState::build_error:
    return "build error";
  }
  return "scanned";
}

std::optional<BuildState>
parse_build_state(std::string_view text)
{
  for (const auto state :
       {BuildState::scanned, BuildState::build_pending, BuildState::building,
        BuildState::built, BuildState::build_error}) {
    if (to_string(state) == text) {
      return state;
    }
  }
  return std::nullopt;
}

Result<ActionRef>
parse_action_ref(std::string_view text)
{
  const auto colon = text.find(':');
  ActionRef ref;
  ref.id = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    ref.version = std::string(text.substr(colon + 1));
    if (ref.version.empty()) {
      return fail(ErrorCode::invalid_argument,
                  "\"" + std::string(text) + "\": empty version after ':'");
    }
  }
  if (ref.id.empty()) {
    return fail(ErrorCode::invalid_argument,
                "\"" + std::string(text) + "\": expected ID or ID:VERSION");
  }
  return ref;
}

std::string_view
to_string(ScanStatus status)
{
  switch (status) {
  case ScanStatus::added:
    return "added";
  case ScanStatus::unchanged:
    return "unchanged";
  case ScanStatus::replaced:
    return "replaced";
  case ScanStatus::conflict:
    return "conflict";
  case ScanStatus::invalid:
    return "invalid";
  }
  return "invalid";
}

bool
ScanReport::all_ok() const
{
  return std::all_of(actions.begin(), actions.end(),
                     [](const ScannedAction& a) { return a.ok(); });
}

} // namespace ryax::domain
