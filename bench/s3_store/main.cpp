// ryax_bench_s3: one put or one get of a file through S3RunFileStore, timed
// inside the process (bench/s3_store/run.sh drives it).
//   ryax_bench_s3 put ENDPOINT BUCKET LOCAL_DIR FILE        prints KEY MS
//   ryax_bench_s3 get ENDPOINT BUCKET LOCAL_DIR KEY OUT_DIR prints MS
// The secret comes from RYAX_S3_SECRET_KEY, the access key is S3RVER;
// RYAX_BENCH_PART_MB sets the part size (default 16 MiB, the daemon's).

#include "core/infrastructure/s3/s3_run_file_store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>

int
main(int argc, char** argv)
{
  using clock = std::chrono::steady_clock;
  if (argc < 6) {
    fmt::print(stderr, "usage: ryax_bench_s3 put|get ENDPOINT BUCKET "
                       "LOCAL_DIR FILE|KEY [OUT_DIR]\n");
    return 2;
  }
  const std::string verb = argv[1];
  ryax::infra::s3::S3Settings settings;
  settings.endpoint = argv[2];
  settings.bucket = argv[3];
  settings.access_key = "S3RVER";
  const char* secret = std::getenv("RYAX_S3_SECRET_KEY");
  settings.secret_key.value = secret != nullptr ? secret : "S3RVER";
  if (const char* part = std::getenv("RYAX_BENCH_PART_MB")) {
    settings.part_size = std::stoull(part) << 20;
  }
  ryax::infra::s3::S3RunFileStore store(argv[4], settings);
  if (auto opened = store.open(); !opened) {
    fmt::print(stderr, "{}\n", opened.error().message);
    return 1;
  }
  const auto start = clock::now();
  const auto ms = [&] {
    return std::chrono::duration<double, std::milli>(clock::now() - start)
      .count();
  };
  if (verb == "put") {
    const auto ref = store.put_file(argv[5], "big.bin");
    if (!ref) {
      fmt::print(stderr, "{}\n", ref.error().message);
      return 1;
    }
    fmt::print("{} {:.0f}\n", ref->key, ms());
    return 0;
  }
  if (verb == "get" && argc == 7) {
    const auto path = store.materialize({ argv[5], false }, argv[6]);
    if (!path) {
      fmt::print(stderr, "{}\n", path.error().message);
      return 1;
    }
    fmt::print("{:.0f}\n", ms());
    return 0;
  }
  fmt::print(stderr, "ryax_bench_s3: bad arguments\n");
  return 2;
}
