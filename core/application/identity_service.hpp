#pragma once

#include "core/application/ports/clock.hpp"
#include "core/application/ports/identity_crypto.hpp"
#include "core/application/ports/identity_store.hpp"
#include "core/domain/identity.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// A token just made: the only time it is shown.
struct NewToken
{
  std::string token; // what the client sends ("Authorization: Bearer ...")
  StoredToken stored;
};

// `ryax user add`.
struct AddUser
{
  std::string name;
  domain::Role role = domain::Role::user;
  std::optional<std::uint32_t> local_uid;
  std::string password; // "" for none (no login)
};

// Who may do what: users, projects, memberships, tokens, login and the
// audit log. Authenticates every call (a bearer token) and decides with
// domain::authorize. What it reads on every call is kept in memory and read
// again only when the store changed, so that a call pays no query.
//
// Tokens are of two kinds:
// - stored ("ryax_" and 64 hex digits): logins and personal tokens, kept as
//   their SHA-256 with an expiry, revocable;
// - local ("ryaxl_..."): given to a local account over the identity socket
//   (peer credentials), signed with a key of this daemon's lifetime and
//   valid for 12 hours: nothing is stored.
class IdentityService
{
public:
  IdentityService(IdentityStore& store, IdentityCrypto& crypto, Clock& clock);

  // Make a fresh data dir usable: project "default" and, when there is no
  // user, user "admin" (role admin, the local account `owner_uid`), member
  // of "default".
  Result<void> bootstrap(std::uint32_t owner_uid);

  // The principal `token` stands for. unauthenticated naming why (no token,
  // unknown, expired, revoked, its user gone).
  Result<domain::Principal> authenticate(std::string_view token);

  // The project a call of `principal` acts in: `requested` when given, else
  // its current project, else "default" when it is a member, else the
  // first project it is a member of.
  std::string project_of(const domain::Principal& principal,
                         std::string_view requested) const;

  // A local token for the local account `uid`. permission_denied when no
  // user is that account (naming how an admin maps it).
  Result<std::string> local_token(std::uint32_t uid);

  // Log in `user` with `password`: a session token valid `lifetime`.
  // unauthenticated for a wrong user or password (the same message, and an
  // audit line without the password), and after 5 failures in a row until
  // a delay passes (doubling from 1 s).
  Result<NewToken> login(const std::string& user,
                         std::string_view password,
                         std::chrono::seconds lifetime);

  // End the session of `token`. unauthenticated when it is not a session.
  Result<void> logout(std::string_view token);

  // Users. invalid_argument for a bad name, already_exists, not_found;
  // failed_precondition when removing or demoting the last admin.
  Result<domain::User> add_user(const AddUser& request);
  Result<void> remove_user(const std::string& name);
  Result<std::vector<domain::User>> users();
  // Every (project, user) membership, by project then user.
  Result<std::vector<std::pair<std::string, std::string>>> memberships();

  // ok when `project` exists; not_found naming it and how to make it.
  Result<void> check_project(std::string_view project);

  // Projects: all of them for an admin, else its memberships.
  Result<std::vector<domain::Project>> projects(
    const domain::Principal& principal);
  // invalid_argument for a bad name; already_exists.
  Result<domain::Project> create_project(const std::string& name);
  // Make `project` the current project of `principal`. not_found (with
  // did-you-mean) for an unknown project.
  Result<void> use_project(const domain::Principal& principal,
                           const std::string& project);

  // Members of `project`, by name. not_found for an unknown project.
  Result<std::vector<std::string>> members(const std::string& project);
  Result<void> add_member(const std::string& project, const std::string& user);
  Result<void> remove_member(const std::string& project,
                             const std::string& user);

  // Personal tokens of `principal`: create (valid `lifetime`, 0 for never),
  // list (its own; every user's for an admin asking for `all`), revoke by
  // id. invalid_argument for a bad name; not_found.
  Result<NewToken> create_token(const domain::Principal& principal,
                                const std::string& name,
                                std::chrono::seconds lifetime);
  Result<std::vector<StoredToken>> tokens(const domain::Principal& principal,
                                          bool all);
  Result<void> revoke_token(const domain::Principal& principal,
                            const std::string& id);

  // The audit log.
  void record(AuditEntry entry);
  Result<std::vector<AuditEntry>> audit(const AuditFilter& filter);

private:
  // The principals by user name, read again when the store changed.
  Result<void> refresh();
  Result<domain::Principal> principal_of(const std::string& user);
  Result<NewToken> make_token(const std::string& user,
                              const std::string& name,
                              TokenKind kind,
                              std::chrono::seconds lifetime);
  Result<void> check_last_admin(const std::string& leaving);

  IdentityStore& m_store;
  IdentityCrypto& m_crypto;
  Clock& m_clock;
  std::string m_local_key; // signs local tokens; this daemon's lifetime

  std::mutex m_mutex; // everything below
  std::uint64_t m_generation = ~std::uint64_t{ 0 };
  std::map<std::string, domain::Principal, std::less<>> m_principals;
  std::map<std::uint32_t, std::string> m_local_users; // uid -> user
  std::set<std::string, std::less<>> m_projects;      // their names
  std::map<std::string, StoredToken, std::less<>> m_tokens; // by hash
  // Local tokens whose signature was checked: user and expiry (ms).
  std::map<std::string, std::pair<std::string, std::int64_t>, std::less<>>
    m_local_seen;
  struct Failures
  {
    int count = 0;
    std::int64_t retry_at_ms = 0;
  };
  std::map<std::string, Failures> m_failures; // by user
};

} // namespace ryax::app
