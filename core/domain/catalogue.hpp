#pragma once

#include "core/domain/action.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::domain {

// A git repository of actions, as registered by `ryax repo add`. Credentials
// are not part of it (see RepositorySecrets): this value is safe to show.
struct Repository
{
  std::string name;     // 1-64 of letters, digits, '.', '_', '-'
  std::string project = "default"; // the project it belongs to
  std::string url;      // absolute local path, file://, https://, ssh://, scp-like
  std::string branch;   // "" for the remote's default branch
  std::string username; // "" when none
  bool has_password = false;
  bool has_ssh_key = false;
  std::int64_t created_at = 0; // Unix seconds
  std::optional<std::int64_t> last_scan_at;
  std::string last_scan_ref;
  std::string last_scan_commit;
};

// The credentials of a repository. Never shown, never logged.
struct RepositorySecrets
{
  std::string password;
  std::string ssh_key; // private key content
};

// Is `name` a valid repository name?
bool is_valid_repository_name(std::string_view name);

// The directory name of the git mirror of `repository` under the daemon's
// mirrors: its name in the default project (where mirrors were before
// projects), "PROJECT@NAME" in another ('@' is in no repository name).
std::string mirror_name(const Repository& repository);

// The longest repository URL, user name, password and SSH key accepted, in
// bytes.
inline constexpr std::size_t k_max_repository_url = 4096;
inline constexpr std::size_t k_max_repository_username = 256;
inline constexpr std::size_t k_max_repository_password = 4096;
inline constexpr std::size_t k_max_repository_ssh_key = 1 << 20;

// Check `url` is a form ryax can fetch: an absolute local path, file://,
// http(s)://, ssh:// or scp-like user@host:path, of at most
// k_max_repository_url bytes, with no password in it (credentials are given
// apart, and stored sealed). invalid_argument naming it (its password
// shown as "***").
Result<void> check_repository_url(std::string_view url);

// Check the sizes of a repository's user name and credentials against the
// limits above. invalid_argument naming the field and the limit.
Result<void> check_repository_credentials(std::string_view username,
                                          const RepositorySecrets& secrets);

// Where an action version stands in the build pipeline.
enum class BuildState { scanned, build_pending, building, built, build_error };

// "scanned", "build pending", "building", "built", "build error".
std::string_view to_string(BuildState state);

// Parse the spelling of to_string.
std::optional<BuildState> parse_build_state(std::string_view text);

// One catalogued action version: its metadata and where it came from.
struct ActionVersion
{
  ActionMetadata metadata;
  std::string project = "default"; // that of the repository it came from
  std::string repository;   // name of the repository it was scanned from
  std::string commit;       // full commit id
  std::string directory;    // "" for the repository root
  std::string tree_id;      // git tree id of the directory: content identity
  std::int64_t scanned_at = 0; // Unix seconds
  std::int64_t sequence = 0;   // catalogue order; the highest is "latest"
  bool gone_from_head = false; // absent from the latest scan of its repository
  BuildState build_state = BuildState::scanned;
  std::string build_error;    // why the last build failed
  std::string bundle_key;     // content key of the built bundle
  std::string lock_json;      // ryax_lock.json of the last successful build
  std::vector<std::string> build_warnings;

  const std::string& id() const { return metadata.id; }
  const std::string& version() const { return metadata.version; }
};

// "ID" or "ID:VERSION" as typed by users.
struct ActionRef
{
  std::string id;
  std::string version; // "" for the latest
};

// Split "ID[:VERSION]". invalid_argument naming `text` when empty parts.
Result<ActionRef> parse_action_ref(std::string_view text);

// What a scan found for one action directory.
enum class ScanStatus {
  added,     // a new action version entered the catalogue
  unchanged, // same id, version and content as catalogued
  replaced,  // same id and version, new content, accepted with --force
  conflict,  // same id and version, new content, refused
  invalid,   // the metadata or the files are invalid
};

// "added", "unchanged", "replaced", "conflict", "invalid".
std::string_view to_string(ScanStatus status);

struct ScannedAction
{
  std::string directory;
  std::string id;      // "" when unreadable
  std::string version; // "" when unreadable
  std::optional<ActionKind> kind;
  std::optional<ActionType> type;
  std::string tree_id;
  ScanStatus status = ScanStatus::invalid;
  std::vector<std::string> errors; // formatted diagnostics

  // Neither invalid nor a conflict.
  bool ok() const
  {
    return status != ScanStatus::invalid && status != ScanStatus::conflict;
  }
};

// The result of `ryax repo scan`.
struct ScanReport
{
  std::string repository;
  std::string ref;    // as asked ("" for the repository's branch or default)
  std::string commit; // resolved full commit id
  bool cloned = false; // the mirror was created by this scan
  std::vector<ScannedAction> actions; // sorted by directory
  std::vector<std::string> gone;      // "id:version" no longer at the head

  // Every action ok.
  bool all_ok() const;
};

} // namespace ryax::domain
