// ryaxd with `filestore: {type: s3}`: run files go to a real S3 server
// (s3rver, tests/support/s3rver_fixture.hpp).

#include "tests/support/run_fixture.hpp"
#include "tests/support/s3rver_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <regex>

using namespace ryax::test;

TEST_SUITE_BEGIN("integration::object_store");

TEST_CASE("with an s3 filestore the file outputs of a run land in the bucket "
          "under runs/<sha256>/<name>")
{
  if (!has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  S3rverFixture server;
  TempDir secrets;
  write_file(secrets / "s3.secret", "S3RVER\n");
  ::chmod((secrets / "s3.secret").c_str(), 0600);
  RunFixture f({ "writer", "reader" },
               "filestore:\n"
               "  type: s3\n"
               "  endpoint: " + server.endpoint() + "\n"
               "  bucket: ryax-runs\n"
               "  access_key: S3RVER\n"
               "  secret_key_file: " + (secrets / "s3.secret") + "\n");
  const auto shown = f.daemon.ryaxd({ "--print-config" });
  CHECK(shown.out.find("filestore: s3 (endpoint " + server.endpoint()) !=
        std::string::npos);
  CHECK(shown.out.find("S3RVER\n") == std::string::npos);

  f.deploy("files",
           "    - {name: text, type: string}\n",
           "  - {id: w, from: writer, inputs_values: {text: \"{{ start.text }}\"}}\n"
           "  - {id: r, from: reader, inputs_values: {f: \"{{ w.out }}\", d: \"{{ w.tree }}\"}}\n",
           "  - {key: summary, value: \"{{ r.summary }}\"}\n");
  auto run = f.daemon.ryax(
    { "run", "files", "--input", "text=through s3", "--wait", "-o", "json" });
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(RunFixture::result(json::parse(run.out), "summary") ==
        "through s3|a.txt,sub/b.txt");

  // The file output is in the bucket with its bytes, under its key.
  const std::regex file_key(".*/ryax-runs/runs/[0-9a-f]{64}/out\\.txt\\._S3rver_object");
  const std::regex tree_key(".*/ryax-runs/runs/[0-9a-f]{64}/tree\\._S3rver_object");
  int files = 0;
  int trees = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(server.data_dir())) {
    const auto path = entry.path().string();
    if (std::regex_match(path, file_key)) {
      ++files;
      CHECK(read_file(path) == "through s3");
    }
    trees += std::regex_match(path, tree_key) ? 1 : 0;
  }
  CHECK(files == 1);
  CHECK(trees == 1);
}

TEST_CASE("ryaxd refuses to start when the s3 filestore cannot be reached")
{
  DaemonFixture d(false);
  std::filesystem::create_directories(d.home());
  write_file(d.home() + "/ryaxd.yaml",
             "filestore: {type: s3, endpoint: \"http://127.0.0.1:1\", "
             "bucket: b, access_key: AK}\n");
  const auto started =
    d.ryaxd({}, { { "RYAX_S3_SECRET_KEY", std::string("hidden-secret") } });
  CHECK(started.exit_code != 0);
  CHECK(started.err.find("s3: HEAD bucket \"b\" at http://127.0.0.1:1") !=
        std::string::npos);
  CHECK(started.err.find("hidden-secret") == std::string::npos);
}

TEST_SUITE_END();
