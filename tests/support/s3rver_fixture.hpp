#pragma once

#include "core/infrastructure/s3/s3_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <memory>
#include <string>

namespace ryax::test {

// Whether node is on PATH. Without it the S3 tests skip themselves (with a
// "skipped" message); with it, a missing s3rver fails them.
bool has_node_for_s3();

// A real S3-compatible server: s3rver 3.7.1 (installed by
// scripts/install-deps under .test-tools/), on 127.0.0.1 and a free port,
// its objects in a temp dir; access key and secret "S3RVER". Started by the
// constructor (which REQUIREs it to listen within 20 s), killed by PID on
// destruction. s3rver checks no signature.
class S3rverFixture
{
public:
  S3rverFixture();
  ~S3rverFixture();
  S3rverFixture(const S3rverFixture&) = delete;
  S3rverFixture& operator=(const S3rverFixture&) = delete;

  // "http://127.0.0.1:PORT".
  std::string endpoint() const;

  // Settings for `bucket` on this server.
  infra::s3::S3Settings settings(const std::string& bucket) const;

  // Where s3rver keeps the bytes of `key` of `bucket`: s3rver 3.7 stores
  // an object as "<dir>/<bucket>/<key>._S3rver_object".
  std::string object_file(const std::string& bucket,
                          const std::string& key) const;

  // The folder s3rver keeps its buckets in, one sub-folder each.
  std::string data_dir() const { return m_dir / "data"; }

private:
  TempDir m_dir;
  int m_port = 0;
  std::unique_ptr<BackgroundProcess> m_process;
};

} // namespace ryax::test
