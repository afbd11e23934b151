#pragma once

#include "core/domain/error.hpp"
#include "core/domain/identity.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// How a stored token was made.
enum class TokenKind
{
  session,  // by `ryax login`, ended by `ryax logout`
  personal, // by `ryax token create`, for scripts and CI
};

// "session" or "personal".
std::string_view to_string(TokenKind kind);

// A token as stored: never the token itself, only its SHA-256.
struct StoredToken
{
  std::string hash; // SHA-256 of the token, lower-case hex
  std::string id;   // the first 12 hex digits of the hash: how people name it
  std::string user;
  std::string name; // "login", or what `token create --name` said
  TokenKind kind = TokenKind::personal;
  std::int64_t created_at = 0; // Unix seconds
  std::int64_t expires_at = 0; // Unix seconds; 0 for never
  bool revoked = false;

  bool operator==(const StoredToken&) const = default;
};

// How many audit lines a store keeps by default: the log is bounded, so
// that a flood of refused calls cannot fill the disk.
inline constexpr std::size_t k_audit_kept = 100'000;

// One line of the audit log.
struct AuditEntry
{
  std::int64_t at_ms = 0; // milliseconds since the Unix epoch
  std::string user;       // "" when nobody was recognised
  std::string method;     // the RPC ("PushWorkflow")
  std::string project;    // "" outside a project
  std::string outcome;    // "ok", "denied", "error"
  std::string detail;     // why, for denied and error: never a secret

  bool operator==(const AuditEntry&) const = default;
};

// Which audit lines `audit` returns, newest first.
struct AuditFilter
{
  std::string user;                     // "" for any
  std::optional<std::int64_t> since_ms; // at or after
  int limit = 100;                      // > 0
};

// Users, projects, memberships, tokens and the audit log.
class IdentityStore
{
public:
  virtual ~IdentityStore() = default;

  // Add `user` with `password_hash` ("" for none: no login). already_exists
  // naming it.
  virtual Result<void> add_user(const domain::User& user,
                                const std::string& password_hash) = 0;

  // Change the role, local uid and current project of `user.name`.
  // not_found.
  virtual Result<void> update_user(const domain::User& user) = 0;

  // Set the password hash of `name`. not_found.
  virtual Result<void> set_password(const std::string& name,
                                    const std::string& password_hash) = 0;

  // The password hash of `name` ("" for none). not_found.
  virtual Result<std::string> password_hash(const std::string& name) = 0;

  // Forget user `name`, its memberships and its tokens. not_found.
  virtual Result<void> remove_user(const std::string& name) = 0;

  // Every user, by name.
  virtual Result<std::vector<domain::User>> users() = 0;

  // Add `project`. already_exists naming it.
  virtual Result<void> add_project(const domain::Project& project) = 0;

  // Every project, by name.
  virtual Result<std::vector<domain::Project>> projects() = 0;

  // Make `user` a member of `project` (nothing when it is one).
  // not_found for an unknown user or project.
  virtual Result<void> add_member(const std::string& project,
                                  const std::string& user) = 0;

  // End the membership (nothing when there is none).
  virtual Result<void> remove_member(const std::string& project,
                                     const std::string& user) = 0;

  // Every (project, user) membership, by project then user.
  virtual Result<std::vector<std::pair<std::string, std::string>>>
  memberships() = 0;

  // Record `token`. already_exists for a taken hash.
  virtual Result<void> add_token(const StoredToken& token) = 0;

  // The token whose hash is `hash`, or nullopt.
  virtual Result<std::optional<StoredToken>> token(const std::string& hash) = 0;

  // The tokens of `user` ("" for everyone's), newest first.
  virtual Result<std::vector<StoredToken>> tokens(const std::string& user) = 0;

  // Revoke the token of `user` whose id is `id`. not_found.
  virtual Result<void> revoke_token(const std::string& user,
                                    const std::string& id) = 0;

  // Append `entry` to the audit log. The log keeps its newest lines, at
  // least the `kept` the store was made with (k_audit_kept by default):
  // older ones go, checked every kept/100 appends (every one below 100).
  virtual Result<void> append_audit(const AuditEntry& entry) = 0;

  // Audit lines matching `filter`, newest first.
  virtual Result<std::vector<AuditEntry>> audit(const AuditFilter& filter) = 0;

  // Changes after every write of users, projects, memberships or tokens,
  // for callers that keep what they read.
  virtual std::uint64_t generation() const = 0;
};

// --- Inline implementations ---

inline std::string_view
to_string(TokenKind kind)
{
  return kind == TokenKind::session ? "session" : "personal";
}

} // namespace ryax::app
