#include "core/infrastructure/git/libgit2_git_repository.hpp"

#include "core/infrastructure/git/libgit2_git_commit.hpp"
#include "core/infrastructure/git/libgit2_handles.hpp"

#include <git2.h>

#include <system_error>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <string_view>
#include <utility>

namespace ryax::infra::git {

namespace fs = std::filesystem;

namespace {

// libgit2's error code plus its error class, as one ErrorCode.
ErrorCode
map_error(int code)
{
  if (code == GIT_ENOTFOUND) {
    return ErrorCode::not_found;
  }
  if (code == GIT_EAUTH) {
    return ErrorCode::unauthenticated;
  }
  if (code == GIT_ECERTIFICATE) {
    return ErrorCode::unavailable;
  }
  const git_error* error = git_error_last();
  const int klass = error != nullptr ? error->klass : GIT_ERROR_NONE;
  switch (klass) {
    case GIT_ERROR_NET:
    case GIT_ERROR_SSH:
    case GIT_ERROR_HTTP:
    case GIT_ERROR_SSL:
    case GIT_ERROR_OS:
      return ErrorCode::unavailable;
    default:
      return ErrorCode::internal;
  }
}

void
replace_all(std::string& text, std::string_view what, std::string_view with)
{
  if (what.empty()) {
    return;
  }
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

// The password embedded in "scheme://user:password@host/...", if any.
std::string_view
url_password(std::string_view url)
{
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return {};
  }
  const auto authority = url.substr(scheme_end + 3);
  const auto at = authority.substr(0, authority.find('/')).rfind('@');
  if (at == std::string_view::npos) {
    return {};
  }
  const auto userinfo = authority.substr(0, at);
  const auto colon = userinfo.find(':');
  return colon == std::string_view::npos ? std::string_view{}
                                         : userinfo.substr(colon + 1);
}

// `text` with every secret of `remote` replaced by "***".
std::string
redact(std::string text, const app::GitRemote& remote)
{
  replace_all(text, remote.password, "***");
  replace_all(text, remote.ssh_key, "***");
  replace_all(text, url_password(remote.url), "***");
  return text;
}

// A failure of operation `what` on the remote, with libgit2's last message.
std::unexpected<Error>
remote_failure(ErrorCode code,
               const app::GitRemote& remote,
               std::string_view what)
{
  return fail(code,
              redact(std::string(what) + " \"" + remote.url +
                       "\": " + last_error_message(),
                     remote));
}

// `path`, an existing directory, must be the top of a git repository:
// failed_precondition saying what to do otherwise.
Result<void>
check_local_repository(const std::string& path)
{
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(),
                              GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) == 0) {
    git_repository_free(raw);
    return {};
  }
  git_buf found = GIT_BUF_INIT;
  std::string top;
  if (git_repository_discover(&found, path.c_str(), 0, nullptr) == 0) {
    top = fs::path(found.ptr).lexically_normal().string();
    git_buf_dispose(&found);
    if (top.size() > 1 && top.ends_with('/')) {
      top.pop_back();
    }
    if (top.ends_with("/.git")) {
      top.resize(top.size() - 5); // the work tree, not its .git
    }
  }
  if (!top.empty()) {
    return fail(ErrorCode::failed_precondition,
                "\"" + path + "\" is inside the git repository \"" + top +
                  "\", not its top: register \"" + top +
                  "\" (ryax finds the actions at any depth)");
  }
  return fail(ErrorCode::failed_precondition,
              "\"" + path + "\" is not a git repository: run \"git init\" "
              "there and commit the actions (ryax scans commits, not the "
              "working tree)");
}

// The URL handed to libgit2: local paths become absolute.
Result<std::string>
normalize_url(const app::GitRemote& remote)
{
  const std::string& url = remote.url;
  if (url.empty()) {
    return fail(ErrorCode::invalid_argument, "empty repository URL");
  }
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) {
        return c < 0x20 || c == 0x7f;
      })) {
    return fail(
      ErrorCode::invalid_argument,
      redact("repository URL \"" + url + "\" contains a control character",
             remote));
  }
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    std::string scheme = url.substr(0, scheme_end);
    std::transform(scheme.begin(),
                   scheme.end(),
                   scheme.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (scheme != "file" && scheme != "https" && scheme != "http" &&
        scheme != "ssh" && scheme != "git") {
      return fail(ErrorCode::invalid_argument,
                  redact("unsupported scheme \"" + scheme + "\" in URL \"" +
                           url + "\" (expected file, https, http or ssh)",
                         remote));
    }
    if (url.size() == scheme_end + 3) {
      return fail(ErrorCode::invalid_argument,
                  "repository URL \"" + url + "\" has nothing after \"://\"");
    }
    return url;
  }
  // scp-like "[user@]host:path": a colon before any slash.
  const auto colon = url.find(':');
  const auto slash = url.find('/');
  if (colon != std::string::npos && colon > 0 &&
      (slash == std::string::npos || colon < slash)) {
    if (colon + 1 == url.size()) {
      return fail(ErrorCode::invalid_argument,
                  "repository URL \"" + url + "\" has no path after ':'");
    }
    return url;
  }
  std::error_code ec;
  const fs::path path = fs::absolute(url, ec).lexically_normal();
  if (ec || !fs::exists(path, ec)) {
    return fail(ErrorCode::not_found, "no directory \"" + url + "\"");
  }
  if (!fs::is_directory(path, ec)) {
    return fail(ErrorCode::not_found,
                "no repository at \"" + url + "\" (not a directory)");
  }
  RYAX_TRY(check_local_repository(path.string()));
  return path.string();
}

// State of the credential callback for one fetch.
struct CredentialState
{
  const app::GitRemote* remote = nullptr;
  int calls = 0;
  bool offered = false;
  bool rejected = false;
};

// libgit2 calls this again after a rejected credential: the second request
// for a secret means the first one failed, so stop there instead of looping.
int
acquire_credential(git_credential** out,
                   const char* /*url*/,
                   const char* username_from_url,
                   unsigned int allowed_types,
                   void* payload)
{
  auto& state = *static_cast<CredentialState*>(payload);
  const app::GitRemote& remote = *state.remote;
  std::string user = username_from_url != nullptr ? username_from_url : "";
  if (user.empty()) {
    user = remote.username.empty() ? "git" : remote.username;
  }
  if (++state.calls > 3 || state.offered) {
    state.rejected = true;
    git_error_set_str(GIT_ERROR_NET, "the credentials were rejected");
    return GIT_EAUTH;
  }
  if ((allowed_types & GIT_CREDENTIAL_USERNAME) != 0) {
    return git_credential_username_new(out, user.c_str());
  }
  if ((allowed_types & GIT_CREDENTIAL_SSH_MEMORY) != 0 &&
      !remote.ssh_key.empty()) {
    state.offered = true;
    return git_credential_ssh_key_memory_new(
      out, user.c_str(), nullptr, remote.ssh_key.c_str(), nullptr);
  }
  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 &&
      !remote.username.empty()) {
    state.offered = true;
    return git_credential_userpass_plaintext_new(
      out, remote.username.c_str(), remote.password.c_str());
  }
  state.rejected = true;
  git_error_set_str(GIT_ERROR_NET,
                    "authentication required but no usable credentials were "
                    "given (username/password for https, ssh key for ssh)");
  return GIT_EAUTH;
}

// Open the mirror at `dir`, or create an empty one when `dir` is absent or
// empty (then `created` is set).
Result<Repository>
open_or_create_mirror(const std::string& dir, bool& created)
{
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw,
                              dir.c_str(),
                              GIT_REPOSITORY_OPEN_NO_SEARCH |
                                GIT_REPOSITORY_OPEN_BARE,
                              nullptr) == 0) {
    return Repository(raw);
  }
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return fail(ErrorCode::failed_precondition,
                "cache directory \"" + dir +
                  "\" is not empty and is not a git mirror");
  }
  git_repository_init_options options = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  options.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  if (git_repository_init_ext(&raw, dir.c_str(), &options) != 0) {
    return fail(ErrorCode::internal,
                "creating git mirror \"" + dir + "\": " + last_error_message());
  }
  created = true;
  return Repository(raw);
}

// Fetch every branch and tag of `url` into `repo`, prune what the remote
// deleted, and point HEAD at the remote's default branch.
Result<app::FetchResult>
fetch_into(git_repository* repo,
           const std::string& url,
           const app::GitRemote& remote)
{
  // An anonymous remote keeps the URL (which may embed a token) out of the
  // mirror's configuration.
  // Skipping url.*.insteadOf also avoids a per-call leak in libgit2 1.5's
  // config regex matching.
  git_remote_create_options create = GIT_REMOTE_CREATE_OPTIONS_INIT;
  create.repository = repo;
  create.flags =
    GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw_remote = nullptr;
  if (git_remote_create_with_opts(&raw_remote, url.c_str(), &create) != 0) {
    return remote_failure(ErrorCode::invalid_argument, remote, "fetching");
  }
  const Remote origin(raw_remote);

  CredentialState credentials{ &remote };
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.callbacks.credentials = acquire_credential;
  options.callbacks.payload = &credentials;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  options.update_fetchhead = 0;

  const auto failure = [&](int code) {
    const ErrorCode mapped =
      credentials.rejected ? ErrorCode::unauthenticated : map_error(code);
    return remote_failure(mapped, remote, "fetching");
  };

  int code = git_remote_connect(origin.get(),
                                GIT_DIRECTION_FETCH,
                                &options.callbacks,
                                &options.proxy_opts,
                                nullptr);
  if (code != 0) {
    return failure(code);
  }
  char heads[] = "+refs/heads/*:refs/heads/*";
  char tags[] = "+refs/tags/*:refs/tags/*";
  char* specs[] = { heads, tags };
  const git_strarray refspecs = { specs, 2 };
  if ((code = git_remote_download(origin.get(), &refspecs, &options)) != 0 ||
      (code = git_remote_update_tips(origin.get(),
                                     &options.callbacks,
                                     0,
                                     GIT_REMOTE_DOWNLOAD_TAGS_NONE,
                                     "fetch")) != 0 ||
      (code = git_remote_prune(origin.get(), &options.callbacks)) != 0) {
    return failure(code);
  }

  git_buf default_branch = GIT_BUF_INIT;
  if (git_remote_default_branch(&default_branch, origin.get()) == 0) {
    code = git_repository_set_head(repo, default_branch.ptr);
    git_buf_dispose(&default_branch);
    if (code != 0) {
      return remote_failure(ErrorCode::internal, remote, "fetching");
    }
  }
  app::FetchResult result;
  result.received_objects = git_remote_stats(origin.get())->received_objects;
  git_remote_disconnect(origin.get());
  return result;
}

// Resolve `ref` in `repo` to a commit.
Result<Commit>
resolve_commit(git_repository* repo,
               const std::string& ref,
               const app::GitRemote& remote)
{
  Object object;
  git_reference* raw_reference = nullptr;
  if (ref.empty()) {
    if (git_repository_head(&raw_reference, repo) != 0) {
      return fail(
        ErrorCode::not_found,
        redact("the default branch of \"" + remote.url + "\" has no commit",
               remote));
    }
  } else if (git_reference_dwim(&raw_reference, repo, ref.c_str()) != 0) {
    raw_reference = nullptr;
  }
  if (raw_reference != nullptr) {
    const Reference reference(raw_reference);
    git_object* raw = nullptr;
    if (git_reference_peel(&raw, reference.get(), GIT_OBJECT_COMMIT) == 0) {
      object.reset(raw);
    }
  } else if (ref.size() >= 4 && ref.size() <= GIT_OID_HEXSZ &&
             std::all_of(ref.begin(), ref.end(), [](unsigned char c) {
               return std::isxdigit(c);
             })) {
    git_oid oid;
    git_object* raw = nullptr;
    if (git_oid_fromstrn(&oid, ref.c_str(), ref.size()) == 0) {
      const int code = ref.size() == GIT_OID_HEXSZ
                         ? git_object_lookup(&raw, repo, &oid, GIT_OBJECT_ANY)
                         : git_object_lookup_prefix(
                             &raw, repo, &oid, ref.size(), GIT_OBJECT_ANY);
      if (code == GIT_EAMBIGUOUS) {
        return fail(ErrorCode::invalid_argument,
                    "commit id \"" + ref + "\" is ambiguous in \"" +
                      redact(remote.url, remote) + "\" (give more digits)");
      }
      if (code == 0) {
        const Object found(raw);
        git_object* peeled = nullptr;
        if (git_object_peel(&peeled, found.get(), GIT_OBJECT_COMMIT) == 0) {
          object.reset(peeled);
        }
      }
    }
  }
  if (!object) {
    return fail(ErrorCode::not_found,
                redact("no branch, tag or commit \"" + ref + "\" in \"" +
                         remote.url + "\"",
                       remote));
  }
  return Commit(reinterpret_cast<git_commit*>(object.release()));
}

} // namespace

Libgit2GitRepository::Libgit2GitRepository()
{
  git_libgit2_init();
}

Libgit2GitRepository::~Libgit2GitRepository()
{
  git_libgit2_shutdown();
}

Result<app::FetchResult>
Libgit2GitRepository::fetch(const app::GitRemote& remote)
{
  RYAX_TRY_ASSIGN(const std::string url, normalize_url(remote));
  if (remote.cache_dir.empty()) {
    return fail(
      ErrorCode::invalid_argument,
      redact("no cache directory for \"" + remote.url + "\"", remote));
  }
  bool created = false;
  RYAX_TRY_ASSIGN(Repository repo,
                  open_or_create_mirror(remote.cache_dir, created));
  auto result = fetch_into(repo.get(), url, remote);
  if (!result && created) {
    repo.reset();
    std::error_code ec;
    fs::remove_all(remote.cache_dir, ec);
  }
  if (result) {
    result->cloned = created;
  }
  return result;
}

Result<void>
Libgit2GitRepository::check_source(const app::GitRemote& remote)
{
  std::string url = remote.url;
  if (url.starts_with("file://")) {
    url.erase(0, 7);
  } else if (url.find("://") != std::string::npos) {
    return {};
  }
  // Checks a local path (see check_local_repository); leaves scp-like
  // "host:path" alone.
  RYAX_TRY(normalize_url(app::GitRemote{ url, "", "", "", "" }));
  return {};
}

Result<void>
Libgit2GitRepository::remove_mirror(const app::GitRemote& remote)
{
  if (remote.cache_dir.empty()) {
    return fail(
      ErrorCode::invalid_argument,
      redact("no cache directory for \"" + remote.url + "\"", remote));
  }
  std::error_code ec;
  fs::remove_all(remote.cache_dir, ec);
  if (ec) {
    return fail(ErrorCode::internal,
                "removing git mirror \"" + remote.cache_dir +
                  "\": " + ec.message());
  }
  return {};
}

Result<std::unique_ptr<app::GitCommit>>
Libgit2GitRepository::open(const app::GitRemote& remote, const std::string& ref)
{
  git_repository* raw = nullptr;
  if (remote.cache_dir.empty() ||
      git_repository_open_ext(&raw,
                              remote.cache_dir.c_str(),
                              GIT_REPOSITORY_OPEN_NO_SEARCH |
                                GIT_REPOSITORY_OPEN_BARE,
                              nullptr) != 0) {
    return fail(ErrorCode::failed_precondition,
                redact("repository \"" + remote.url +
                         "\" has not been fetched (no mirror at \"" +
                         remote.cache_dir + "\")",
                       remote));
  }
  Repository repo(raw);
  RYAX_TRY_ASSIGN(Commit commit, resolve_commit(repo.get(), ref, remote));
  git_tree* root = nullptr;
  if (git_commit_tree(&root, commit.get()) != 0) {
    return fail(ErrorCode::internal,
                "reading the tree of commit " +
                  oid_hex(git_commit_id(commit.get())) + ": " +
                  last_error_message());
  }
  return std::make_unique<Libgit2GitCommit>(
    std::move(repo), std::move(commit), Tree(root));
}

} // namespace ryax::infra::git
