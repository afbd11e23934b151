#include "core/application/repository_service.hpp"

#include "core/application/action_lint.hpp"
#include "core/application/log.hpp"
#include "core/domain/identity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace ryax::app {

RepositoryService::RepositoryService(RepositoryStore& store,
                                     ActionCatalogue& catalogue,
                                     GitRepository& git,
                                     ActionMetadataParser& parser, Clock& clock,
                                     std::string mirrors_dir)
  : m_store(store),
    m_catalogue(catalogue),
    m_git(git),
    m_parser(parser),
    m_clock(clock),
    m_mirrors_dir(std::move(mirrors_dir))
{
}

Result<domain::Repository>
RepositoryService::add(const AddRepository& request)
{
  if (!domain::is_valid_repository_name(request.name)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("repository name \"{}\" is invalid: use 1 to 64 "
                            "letters, digits, '.', '_' or '-', starting with a "
                            "letter or digit",
                            request.name));
  }
  RYAX_TRY(domain::check_repository_url(request.url));
  RYAX_TRY(domain::check_repository_credentials(
    request.username, {request.password, request.ssh_key}));
  if (!request.password.empty() && request.username.empty()) {
    return fail(ErrorCode::invalid_argument,
                "a password needs a user name (--username)");
  }
  if (!request.ssh_key.empty() && !request.password.empty()) {
    return fail(ErrorCode::invalid_argument,
                "give either a password or an SSH key, not both");
  }
  RYAX_TRY(m_git.check_source(GitRemote{ request.url, "", "", "", "" }));
  domain::Repository repository;
  repository.name = request.name;
  repository.project = request.project;
  repository.url = request.url;
  repository.branch = request.branch;
  repository.username = request.username;
  repository.has_password = !request.password.empty();
  repository.has_ssh_key = !request.ssh_key.empty();
  repository.created_at = m_clock.now_unix();
  RYAX_TRY(m_store.add(repository,
                       domain::RepositorySecrets{request.password, request.ssh_key}));
  log::info("repository {}{} added: {} (user {}, password {}, ssh key {})",
            repository.name, domain::in_project(repository.project),
            repository.url,
            repository.username.empty() ? "none" : repository.username,
            repository.has_password ? "set" : "none",
            repository.has_ssh_key ? "set" : "none");
  return repository;
}

Result<std::vector<domain::Repository>>
RepositoryService::list(const std::string& project)
{
  return m_store.list(project);
}

Result<domain::Repository>
RepositoryService::get(const std::string& project, const std::string& name)
{
  auto repository = m_store.get(project, name);
  if (!repository && repository.error().code == ErrorCode::not_found) {
    return fail(ErrorCode::not_found,
                fmt::format("repository \"{}\" not found{}",
                            name, domain::in_project(project)));
  }
  return repository;
}

Result<void>
RepositoryService::remove(const std::string& project, const std::string& name)
{
  std::lock_guard lock(m_scan_mutex);
  RYAX_TRY_ASSIGN(const auto repository, get(project, name));
  RYAX_TRY_ASSIGN(const auto secrets, m_store.secrets(project, name));
  RYAX_TRY(m_store.remove(project, name));
  RYAX_TRY(m_git.remove_mirror(remote_for(repository, secrets)));
  log::info("repository {}{} removed", name, domain::in_project(project));
  return {};
}

GitRemote
RepositoryService::remote_for(const domain::Repository& repository,
                              const domain::RepositorySecrets& secrets) const
{
  GitRemote remote;
  remote.url = repository.url;
  remote.cache_dir = m_mirrors_dir + "/" + domain::mirror_name(repository);
  remote.username = repository.username;
  remote.password = secrets.password;
  remote.ssh_key = secrets.ssh_key;
  return remote;
}

namespace {

std::string
join_path(const std::string& directory, const std::string& file)
{
  return directory.empty() ? file : directory + "/" + file;
}

} // namespace

Result<domain::ScanReport>
RepositoryService::scan(const ScanRepository& request)
{
  std::lock_guard lock(m_scan_mutex);
  RYAX_TRY_ASSIGN(const auto repository, get(request.project, request.name));
  RYAX_TRY_ASSIGN(const auto secrets,
                  m_store.secrets(request.project, request.name));
  const auto remote = remote_for(repository, secrets);

  RYAX_TRY_ASSIGN(const auto fetched, m_git.fetch(remote));
  const std::string ref = request.ref.empty() ? repository.branch : request.ref;
  RYAX_TRY_ASSIGN(auto commit, m_git.open(remote, ref));
  RYAX_TRY_ASSIGN(const auto directories, commit->find_action_directories());

  domain::ScanReport report;
  report.repository = repository.name;
  report.ref = ref;
  report.commit = commit->commit_id();
  report.cloned = fetched.cloned;

  // What the catalogue holds from this repository, by directory and by key:
  // an unchanged tree needs no parsing at all.
  RYAX_TRY_ASSIGN(const auto known,
                  m_catalogue.of_repository(repository.project,
                                            repository.name));
  std::map<std::string, const domain::ActionVersion*> known_by_tree;
  for (const auto& version : known) {
    known_by_tree[version.directory + "\n" + version.tree_id] = &version;
  }

  ScanCommit scan_commit;
  scan_commit.project = repository.project;
  scan_commit.repository = repository.name;
  scan_commit.ref = ref;
  scan_commit.commit = report.commit;
  scan_commit.scanned_at = m_clock.now_unix();
  std::map<std::string, std::string> seen; // "id:version" -> directory

  for (const auto& dir : directories) {
    domain::ScannedAction scanned;
    scanned.directory = dir.directory;
    scanned.tree_id = dir.tree_id;
    const auto display =
      join_path(dir.directory, "ryax_metadata.yaml");

    if (auto it = known_by_tree.find(dir.directory + "\n" + dir.tree_id);
        it != known_by_tree.end()) {
      const auto& version = *it->second;
      scanned.id = version.id();
      scanned.version = version.version();
      scanned.kind = version.metadata.kind;
      scanned.type = version.metadata.type;
      scanned.status = domain::ScanStatus::unchanged;
    } else {
      RYAX_TRY_ASSIGN(auto linted,
                      lint_action_directory(*commit, m_parser, dir));
      scanned = std::move(linted.scanned);
      if (!linted.metadata) {
        scanned.status = domain::ScanStatus::invalid;
      } else {
        RYAX_TRY_ASSIGN(const auto existing,
                        m_catalogue.find(repository.project, scanned.id,
                                         scanned.version));
        if (existing && existing->tree_id == dir.tree_id) {
          scanned.status = domain::ScanStatus::unchanged;
        } else if (existing && !request.force) {
          scanned.status = domain::ScanStatus::conflict;
          scanned.errors.push_back(fmt::format(
            "{}: action \"{}\" version \"{}\" is already catalogued with other "
            "content (from {} at {} in \"{}\"): change spec.version, or scan "
            "with --force to replace it",
            display, scanned.id, scanned.version,
            existing->repository.empty() ? "a removed repository" : existing->repository,
            existing->commit.substr(0, 12), existing->directory));
        } else {
          scanned.status = existing ? domain::ScanStatus::replaced
                                    : domain::ScanStatus::added;
          domain::ActionVersion version;
          version.metadata = std::move(*linted.metadata);
          version.project = repository.project;
          version.repository = repository.name;
          version.commit = report.commit;
          version.directory = dir.directory;
          version.tree_id = dir.tree_id;
          version.scanned_at = scan_commit.scanned_at;
          scan_commit.upserts.push_back(std::move(version));
        }
      }
    }

    if (scanned.ok()) {
      const auto key = scanned.id + ":" + scanned.version;
      if (auto [it, inserted] = seen.emplace(key, dir.directory); !inserted) {
        // Two directories of one commit claim the same id and version.
        scanned.status = domain::ScanStatus::invalid;
        scanned.errors.push_back(duplicate_action_error(scanned, it->second));
        std::erase_if(scan_commit.upserts, [&](const domain::ActionVersion& v) {
          return v.directory == dir.directory;
        });
      } else {
        scan_commit.present.push_back(key);
      }
    }
    report.actions.push_back(std::move(scanned));
  }

  for (const auto& version : known) {
    const auto key = version.id() + ":" + version.version();
    if (!version.gone_from_head
        && std::find(scan_commit.present.begin(), scan_commit.present.end(), key)
             == scan_commit.present.end()) {
      report.gone.push_back(key);
    }
  }
  RYAX_TRY(m_catalogue.commit_scan(scan_commit));

  const auto failed = std::count_if(report.actions.begin(), report.actions.end(),
                                    [](const auto& a) { return !a.ok(); });
  log::info("repository {}{} scanned at {} ({}): {} actions, {} invalid, {} "
            "new or replaced, {} gone",
            repository.name, domain::in_project(repository.project),
            report.commit.substr(0, 12),
            ref.empty() ? "default branch" : ref, report.actions.size(), failed,
            scan_commit.upserts.size(), report.gone.size());
  return report;
}

} // namespace ryax::app
