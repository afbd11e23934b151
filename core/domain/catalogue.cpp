#include "core/domain/catalogue.hpp"

#include <algorithm>
#include <cctype>

namespace ryax::domain {

std::string
mirror_name(const Repository& repository)
{
  return repository.project == "default"
           ? repository.name
           : repository.project + "@" + repository.name;
}

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

namespace {

// Where the password of "scheme://user:password@host/..." is in `url`:
// (offset, size), or nullopt when there is none.
std::optional<std::pair<std::size_t, std::size_t>>
url_password_span(std::string_view url)
{
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  const auto start = scheme_end + 3;
  const auto authority = url.substr(start, url.find('/', start) - start);
  const auto at = authority.rfind('@');
  const auto colon = authority.substr(0, at).find(':');
  if (at == std::string_view::npos || colon == std::string_view::npos) {
    return std::nullopt;
  }
  return std::pair{ start + colon + 1, at - colon - 1 };
}

} // namespace

Result<void>
check_repository_url(std::string_view url)
{
  if (url.size() > k_max_repository_url) {
    return fail(ErrorCode::invalid_argument,
                "the repository URL is " + std::to_string(url.size())
                  + " characters long; at most "
                  + std::to_string(k_max_repository_url) + " are accepted");
  }
  if (const auto password = url_password_span(url)) {
    std::string shown(url);
    shown.replace(password->first, password->second, "***");
    return fail(ErrorCode::invalid_argument,
                "repository URL \"" + shown
                  + "\" holds a password: give the user with --username and "
                    "the password with --password-stdin, which is stored "
                    "encrypted");
  }
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

Result<void>
check_repository_credentials(std::string_view username,
                             const RepositorySecrets& secrets)
{
  const auto check = [](std::string_view field,
                        std::size_t size,
                        std::size_t limit) -> Result<void> {
    if (size > limit) {
      return fail(ErrorCode::invalid_argument,
                  "the repository " + std::string(field) + " is "
                    + std::to_string(size) + " bytes long; at most "
                    + std::to_string(limit) + " are accepted");
    }
    return {};
  };
  RYAX_TRY(check("user name", username.size(), k_max_repository_username));
  RYAX_TRY(check("password", secrets.password.size(), k_max_repository_password));
  return check("SSH key", secrets.ssh_key.size(), k_max_repository_ssh_key);
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
