#pragma once

#include "core/application/ports/run_store.hpp"

#include <map>
#include <mutex>
#include <vector>
#include <string>

namespace ryax::infra::filestore {

// File and directory values of runs under `root`, content-addressed:
//
//   <root>/<first 2 hex digits>/<sha256 hex>/<name>   the file, or the tar
//                                                     archive of a directory
//   <root>/tmp/                                       objects being written
//
// A key is "<sha256 hex>/<name>"; for a directory the digest is that of its
// deterministic archive (create_archive), so the exec bits and internal links
// are part of it, while a file's mode is not. One object per key, with no
// ".tar" suffix: a 255-byte name leaves no room for one, and a file and a
// directory with the same key have the same bytes anyway. Objects are written
// to tmp/, synced and renamed, so an object is complete or absent; they are
// read-only on disk. Thread-safe.
class FileRunFileStore final : public app::RunFileStore
{
public:
  explicit FileRunFileStore(std::string root);

  Result<domain::FileRef> put_file(const std::string& path,
                                   const std::string& name) override;
  Result<domain::FileRef> put_directory(const std::string& path,
                                        const std::string& name) override;
  // A file is copied (never hard-linked: user code may write to it) with
  // mode 0644; a directory is extracted with extract_archive. already_exists
  // when dest_dir/name exists; on failure nothing is left at dest_dir/name.
  Result<std::string> materialize(const domain::FileRef& ref,
                                  const std::string& dest_dir) override;
  Result<std::string> blob_path(const domain::FileRef& ref) override;
  void release(const std::vector<std::string>& keys) override;

  // Store the file at `temp` (in temp_dir(), e.g. fetched from another
  // tier) as the object of `ref`, without taking a hold, once its SHA-256
  // is found equal to the digest of the key. The file is moved in place or
  // deleted, whatever happens. invalid_argument for a malformed key;
  // internal, naming both digests, for content that is not the key's.
  Result<void> adopt(const std::string& temp, const domain::FileRef& ref);

  // A directory on the store's file system for files given to adopt();
  // created on demand. internal when it cannot be.
  Result<std::string> temp_dir() const;
  Result<int> collect(const std::function<Result<std::vector<std::string>>()>&
                        unreferenced) override;

private:
  // Move the staged object `temp`, whose content has SHA-256 `digest`, in
  // place as `name`, or delete it when that key is already stored.
  Result<domain::FileRef> commit(const std::string& temp,
                                 const std::string& digest,
                                 const std::string& name,
                                 bool directory);
  // Where the object of "<digest>/<name>" lives.
  std::string object_path(const std::string& digest,
                          const std::string& name) const;

  std::string m_root;
  std::mutex m_collect_mutex; // held by collect(); release() waits on it
  std::mutex m_mutex; // orders commits and removals; guards m_holds
  std::map<std::string, int> m_holds; // key -> puts not released
};

// Whether `name` can name a value: not empty, at most 255 bytes, no '/' or
// NUL, not "." or "..".
bool is_valid_value_name(const std::string& name);

} // namespace ryax::infra::filestore
