#include "core/infrastructure/filestore/archive.hpp"
#include "core/infrastructure/filestore/file_run_file_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

using ryax::ErrorCode;
using ryax::domain::FileRef;
using ryax::infra::filestore::extract_archive;
using ryax::infra::filestore::FileRunFileStore;
using ryax::test::read_file;
using ryax::test::TempDir;
using ryax::test::write_file;

namespace fs = std::filesystem;

namespace {

// A store under <tmp>/store, with <tmp>/in for inputs and <tmp>/out for
// materialized values.
struct StoreFixture
{
  TempDir tmp;
  std::string root = tmp / "store";
  std::string in = tmp / "in";
  std::string out = tmp / "out";
  FileRunFileStore store{ root };

  StoreFixture()
  {
    fs::create_directories(in);
    fs::create_directories(out);
  }

  // Store `content` as `name`, from a file of the same name.
  FileRef
  put(const std::string& content, const std::string& name)
  {
    write_file(in + "/" + name, content);
    auto ref = store.put_file(in + "/" + name, name);
    REQUIRE(ref);
    return *ref;
  }

  // Files under the store root, but tmp/.
  std::vector<std::string>
  objects() const
  {
    std::vector<std::string> found;
    if (!fs::exists(root)) {
      return found;
    }
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) {
        found.push_back(entry.path().lexically_relative(root).string());
      }
    }
    return found;
  }
};

bool
is_executable(const fs::path& path)
{
  return (fs::status(path).permissions() & fs::perms::owner_exec) !=
         fs::perms::none;
}

} // namespace

TEST_SUITE_BEGIN("infra::filestore::FileRunFileStore");

TEST_CASE("a stored file materializes as a writable copy of its content")
{
  StoreFixture f;
  const auto ref = f.put("some content\n", "report.csv");

  CHECK_FALSE(ref.directory);
  // sha256sum of "some content\n".
  CHECK(ref.key ==
        "1c87b6727f523662df714f06a94ea27fa4d9050c38f4f7712bd4663ffbfdfa01"
        "/report.csv");
  const auto blob = f.store.blob_path(ref);
  REQUIRE(blob);
  CHECK(*blob == f.root + "/" + ref.key.substr(0, 2) + "/" + ref.key);
  CHECK(read_file(*blob) == "some content\n");

  const auto placed = f.store.materialize(ref, f.out);

  REQUIRE(placed);
  CHECK(*placed == f.out + "/report.csv");
  CHECK(read_file(*placed) == "some content\n");
  std::ofstream(*placed, std::ios::app) << "more";
  CHECK(read_file(*placed) == "some content\nmore");
  CHECK(read_file(*blob) == "some content\n");
}

TEST_CASE("the key is the SHA-256 of the content and the name")
{
  StoreFixture f;
  const auto a = f.put("", "empty");
  CHECK(a.key ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        "/empty");
  const auto again = f.put("", "empty");
  CHECK(again == a);
  const auto renamed = f.put("", "other");
  CHECK(renamed.key.substr(0, 64) == a.key.substr(0, 64));
  CHECK(renamed.key != a.key);
  const auto changed = f.put("x", "empty");
  CHECK(changed.key.substr(0, 64) != a.key.substr(0, 64));
  CHECK(f.objects().size() == 3);
}

TEST_CASE("a directory round-trips with exec bits and internal links")
{
  StoreFixture f;
  const auto src = fs::path(f.in) / "tree";
  write_file(src / "top.txt", "top");
  write_file(src / "bin/tool", "#!/bin/sh\n");
  fs::permissions(
    src / "bin/tool", fs::perms::owner_exec, fs::perm_options::add);
  write_file(src / "a/b/c/deep.txt", "deep");
  fs::create_directories(src / "empty");
  fs::create_symlink("../../top.txt", src / "a/b/top-link");

  const auto ref = f.store.put_directory(src.string(), "results");

  REQUIRE(ref);
  CHECK(ref->directory);
  CHECK(ref->key.ends_with("/results"));
  const auto placed = f.store.materialize(*ref, f.out);
  REQUIRE(placed);
  const fs::path out = *placed;
  CHECK(out == fs::path(f.out) / "results");
  CHECK(read_file(out / "top.txt") == "top");
  CHECK(read_file(out / "a/b/c/deep.txt") == "deep");
  CHECK(is_executable(out / "bin/tool"));
  CHECK_FALSE(is_executable(out / "top.txt"));
  CHECK(fs::is_directory(out / "empty"));
  CHECK(fs::read_symlink(out / "a/b/top-link") == "../../top.txt");
  CHECK(read_file(out / "a/b/top-link") == "top");

  // The blob is the tar archive itself.
  TempDir again;
  REQUIRE(extract_archive(f.store.blob_path(*ref).value(), again.path()));
  CHECK(read_file(again.path() / "a/b/c/deep.txt") == "deep");
}

TEST_CASE("equal directories give the same key")
{
  StoreFixture f;
  for (const auto* dir : { "one", "two" }) {
    write_file(fs::path(f.in) / dir / "f.txt", "same");
    fs::create_directories(fs::path(f.in) / dir / "sub");
  }
  const auto one = f.store.put_directory(f.in + "/one", "d");
  const auto two = f.store.put_directory(f.in + "/two", "d");
  REQUIRE(one);
  REQUIRE(two);
  CHECK(*one == *two);
}

TEST_CASE("bad names are refused")
{
  StoreFixture f;
  write_file(f.in + "/f", "x");
  fs::create_directories(f.in + "/d");
  for (const auto& name : { std::string(".."),
                            std::string("."),
                            std::string("a/b"),
                            std::string(""),
                            std::string("/abs"),
                            std::string("nul\0x", 5),
                            std::string(256, 'n') }) {
    CAPTURE(name);
    CHECK(f.store.put_file(f.in + "/f", name).error().code ==
          ErrorCode::invalid_argument);
    CHECK(f.store.put_directory(f.in + "/d", name).error().code ==
          ErrorCode::invalid_argument);
  }
  CHECK(f.store.put_file(f.in + "/f", std::string(255, 'n')));
}

TEST_CASE("put_file refuses links, directories, special and missing files")
{
  StoreFixture f;
  write_file(f.in + "/real", "x");
  fs::create_symlink(f.in + "/real", f.in + "/link");
  REQUIRE(::mkfifo((f.in + "/fifo").c_str(), 0644) == 0);
  for (const auto* path : { "link", "fifo", "missing" }) {
    CAPTURE(path);
    const auto ref = f.store.put_file(f.in + "/" + path, "v");
    REQUIRE_FALSE(ref);
    CHECK(ref.error().code == ErrorCode::invalid_argument);
  }
  CHECK(f.store.put_file(f.in, "v").error().code ==
        ErrorCode::invalid_argument);
  CHECK(f.objects().empty());
}

TEST_CASE("put_directory refuses a link pointing outside, naming it")
{
  StoreFixture f;
  for (const auto& [rel, target] :
       std::vector<std::pair<std::string, std::string>>{
         { "etc", "/etc" }, { "sub/up", "../../x" }, { "up", "../x" } }) {
    CAPTURE(rel);
    const auto dir = fs::path(f.in) / ("tree-" + std::to_string(rel.size()));
    fs::create_directories(dir / "sub");
    fs::create_symlink(target, dir / rel);

    const auto ref = f.store.put_directory(dir.string(), "d");

    REQUIRE_FALSE(ref);
    CHECK(ref.error().code == ErrorCode::invalid_argument);
    CHECK(ref.error().message.find('"' + rel + '"') != std::string::npos);
  }
  fs::create_directory_symlink(f.in, f.tmp / "dirlink");
  CHECK(f.store.put_directory(f.tmp / "dirlink", "d").error().code ==
        ErrorCode::invalid_argument);
  CHECK(f.store.put_directory(f.in + "/nothing", "d").error().code ==
        ErrorCode::invalid_argument);
  CHECK(f.objects().empty());
}

TEST_CASE("an unknown key is not_found, a malformed one invalid_argument")
{
  StoreFixture f;
  const FileRef unknown{ std::string(64, 'a') + "/f", false };
  CHECK(f.store.materialize(unknown, f.out).error().code ==
        ErrorCode::not_found);
  CHECK(f.store.blob_path(unknown).error().code == ErrorCode::not_found);
  const FileRef unknown_dir{ std::string(64, 'b') + "/d", true };
  CHECK(f.store.materialize(unknown_dir, f.out).error().code ==
        ErrorCode::not_found);
  CHECK(fs::is_empty(f.out));
  for (const auto* key : { "../../etc/passwd", "abc/f", "", "/etc/passwd" }) {
    CAPTURE(key);
    CHECK(f.store.materialize(FileRef{ key, false }, f.out).error().code ==
          ErrorCode::invalid_argument);
  }
}

TEST_CASE("materialize never replaces what is in the destination")
{
  StoreFixture f;
  const auto ref = f.put("new", "v");
  write_file(f.out + "/v", "old");
  CHECK(f.store.materialize(ref, f.out).error().code ==
        ErrorCode::already_exists);
  CHECK(read_file(f.out + "/v") == "old");

  fs::remove(f.out + "/v");
  fs::create_symlink(f.tmp / "elsewhere", f.out + "/v");
  CHECK(f.store.materialize(ref, f.out).error().code ==
        ErrorCode::already_exists);
  CHECK_FALSE(fs::exists(f.tmp / "elsewhere"));
}

TEST_CASE("materialize of a directory whose archive escapes leaves nothing")
{
  StoreFixture f;
  const auto tar = f.in + "/evil.tar";
  archive* out = archive_write_new();
  archive_write_set_format_pax_restricted(out);
  archive_write_open_filename(out, tar.c_str());
  for (const auto* path : { "fine.txt", "../evil" }) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path);
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, 1);
    archive_write_header(out, entry);
    archive_write_data(out, "x", 1);
    archive_entry_free(entry);
  }
  archive_write_close(out);
  archive_write_free(out);
  // Stored as a file, then presented as a directory value.
  auto ref = f.store.put_file(tar, "d");
  REQUIRE(ref);
  ref->directory = true;

  const auto placed = f.store.materialize(*ref, f.out);

  REQUIRE_FALSE(placed);
  CHECK(placed.error().code == ErrorCode::invalid_argument);
  CHECK(placed.error().message.find("\"../evil\"") != std::string::npos);
  CHECK(fs::is_empty(f.out));
  CHECK_FALSE(fs::exists(f.tmp / "evil"));
}

TEST_CASE("collect deletes unheld objects and their directory, not other names")
{
  StoreFixture f;
  const auto a = f.put("same", "a");
  const auto b = f.put("same", "b");
  f.store.release({ a.key, b.key });
  const auto digest_dir = fs::path(f.store.blob_path(a).value()).parent_path();
  const auto keys = [](std::vector<std::string> k) {
    return [k]() -> ryax::Result<std::vector<std::string>> { return k; };
  };

  CHECK(f.store.collect(keys({ a.key })) == 1);
  CHECK(f.store.blob_path(a).error().code == ErrorCode::not_found);
  CHECK(f.store.blob_path(b));

  CHECK(f.store.collect(keys({ b.key, b.key, "../../escape" })) == 1);
  CHECK_FALSE(fs::exists(digest_dir));
  CHECK(f.objects().empty());
}

TEST_CASE("concurrent puts of the same content agree and store it once")
{
  StoreFixture f;
  write_file(f.in + "/f", std::string(1 << 20, 'z'));
  fs::create_directories(f.in + "/d/sub");
  write_file(f.in + "/d/sub/g", "g");
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] {
      auto ref = i % 2 == 0 ? f.store.put_file(f.in + "/f", "v")
                            : f.store.put_directory(f.in + "/d", "w");
      keys[i] = ref ? ref->key : "error";
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (std::size_t i = 2; i < keys.size(); ++i) {
    CHECK(keys[i] == keys[i % 2]);
  }
  CHECK(f.objects().size() == 2);
  CHECK(fs::is_empty(f.root + "/tmp"));
  CHECK(read_file(f.store.blob_path(FileRef{ keys[0], false }).value()) ==
        std::string(1 << 20, 'z'));
}

TEST_SUITE_END();
