#pragma once

#include "core/application/ports/run_store.hpp"
#include "core/infrastructure/filestore/file_run_file_store.hpp"
#include "core/infrastructure/s3/s3_client.hpp"

#include <shared_mutex>
#include <string>
#include <vector>

namespace ryax::infra::s3 {

// File and directory values of runs in two tiers: a local content-addressed
// store (FileRunFileStore under `local_root`, the local tier) and an
// S3-compatible bucket shared by every site (the global tier). Keys are
// content-addressed ("<sha256>/<name>"), so one key is the same bytes
// everywhere. Bucket layout, one object per key:
//
//   runs/<sha256 hex>/<name>   the file, or the tar archive of a directory
//                              (the local tier's object, byte for byte)
//
// - put_file/put_directory store locally, then upload the object unless
//   the bucket has it already (HEAD first); a failed upload fails the put
//   (and drops its hold).
// - materialize/blob_path read the local tier; on a local miss they fetch
//   the object from the bucket into the local tier first, and keep it only
//   when its SHA-256 is the key's digest (else it is deleted and the call
//   fails with internal). not_found when neither tier has the key.
// - release acts on the local tier. collect deletes the unreferenced keys
//   nobody holds from the local tier and then from the bucket: the daemon
//   whose run records name the keys is the one that collects, so daemons
//   with records of their own must not share a bucket (or a prefix). Puts
//   wait while a collection runs, so a key stored meanwhile stays in both
//   tiers. A failed bucket delete is logged and left for an operator (or a
//   bucket lifecycle rule); the local count is returned.
// Thread-safe.
class S3RunFileStore final : public app::RunFileStore
{
public:
  S3RunFileStore(std::string local_root, S3Settings settings);

  // Create the bucket when it does not exist; call once before use. The
  // errors of S3Client::ensure_bucket.
  Result<void> open();

  Result<domain::FileRef> put_file(const std::string& path,
                                   const std::string& name) override;
  Result<domain::FileRef> put_directory(const std::string& path,
                                        const std::string& name) override;
  void release(const std::vector<std::string>& keys) override;
  Result<std::string> materialize(const domain::FileRef& ref,
                                  const std::string& dest_dir) override;
  Result<std::string> blob_path(const domain::FileRef& ref) override;
  Result<int> collect(const std::function<Result<std::vector<std::string>>()>&
                        unreferenced) override;

  // The bucket object of file key `key`: "runs/<key>".
  static std::string object_key(const std::string& key);

private:
  // Upload the local object of `ref` unless the bucket has it; on failure
  // drop the hold the put took.
  Result<domain::FileRef> publish(const domain::FileRef& ref);
  // Download the object of `ref` into the local tier, verified.
  Result<void> fetch(const domain::FileRef& ref);

  filestore::FileRunFileStore m_local;
  S3Client m_client;
  std::shared_mutex m_gate; // puts share it; collect() holds it alone
};

} // namespace ryax::infra::s3
