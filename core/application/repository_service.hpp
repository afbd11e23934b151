#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/action_metadata_parser.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/git_repository.hpp"
#include "core/application/ports/repository_store.hpp"
#include "core/domain/catalogue.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace ryax::app {

// `ryax repo add`.
struct AddRepository
{
  std::string project; // the project it will belong to
  std::string name;
  std::string url; // local paths must be absolute (the client resolves them)
  std::string branch;
  std::string username;
  std::string password;
  std::string ssh_key; // private key content
};

// `ryax repo scan`.
struct ScanRepository
{
  std::string project; // the caller's: the repository must belong to it
  std::string name;
  std::string ref;    // "" for the repository's branch, else its default
  bool force = false; // accept new content under an existing id:version
};

// Registers action repositories and scans them into the catalogue.
class RepositoryService
{
public:
  // `mirrors_dir` holds one bare mirror per repository.
  RepositoryService(RepositoryStore& store, ActionCatalogue& catalogue,
                    GitRepository& git, ActionMetadataParser& parser,
                    Clock& clock, std::string mirrors_dir);

  // Register a repository. invalid_argument for a bad name, URL or
  // credential combination; already_exists when the name is taken (in any
  // project: names are unique across the daemon).
  Result<domain::Repository> add(const AddRepository& request);

  // Every repository of `project`.
  Result<std::vector<domain::Repository>> list(const std::string& project);

  // One repository of `project`; not_found naming it (another project's
  // is not_found too).
  Result<domain::Repository> get(const std::string& project,
                                 const std::string& name);

  // Forget a repository, its credentials and its mirror; its catalogued
  // action versions stay usable. not_found naming it.
  Result<void> remove(const std::string& project, const std::string& name);

  // Fetch, resolve the ref, find and validate every action, and catalogue
  // the valid ones. One bad action never stops the others: the report says
  // which failed. Fails only when the scan itself cannot run (not_found
  // repository or ref, unreachable remote, bad credentials).
  Result<domain::ScanReport> scan(const ScanRepository& request);

private:
  GitRemote remote_for(const domain::Repository& repository,
                       const domain::RepositorySecrets& secrets) const;

  RepositoryStore& m_store;
  ActionCatalogue& m_catalogue;
  GitRepository& m_git;
  ActionMetadataParser& m_parser;
  Clock& m_clock;
  std::string m_mirrors_dir;
  std::mutex m_scan_mutex; // one scan at a time: they share mirrors
};

} // namespace ryax::app
