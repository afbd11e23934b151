#include "core/infrastructure/filestore/archive.hpp"
#include "tests/support/temp_dir.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using ryax::ErrorCode;
using ryax::infra::filestore::create_archive;
using ryax::infra::filestore::extract_archive;
using ryax::test::read_file;
using ryax::test::TempDir;
using ryax::test::write_file;

namespace fs = std::filesystem;

namespace {

// Every entry under `root`: "dir", "link:<target>", "file:" or "exec:" and
// the content.
std::map<std::string, std::string>
snapshot(const fs::path& root)
{
  std::map<std::string, std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const auto rel = entry.path().lexically_relative(root).string();
    const auto status = entry.symlink_status();
    if (fs::is_symlink(status)) {
      entries[rel] = "link:" + fs::read_symlink(entry.path()).string();
    } else if (fs::is_directory(status)) {
      entries[rel] = "dir";
    } else {
      const bool exec =
        (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
      entries[rel] = (exec ? "exec:" : "file:") + read_file(entry.path());
    }
  }
  return entries;
}

void
make_executable(const fs::path& path)
{
  fs::permissions(
    path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
}

// A tree with nested and empty directories, an executable, binary content,
// a non-ASCII name, a long path and links staying inside.
void
make_tree(const fs::path& root)
{
  write_file(root / "a.txt", "hello\n");
  write_file(root / "bin/run.sh", "#!/bin/sh\necho hi\n");
  make_executable(root / "bin/run.sh");
  write_file(root / "sub/deep/data.bin", std::string("\0\x01\xff\n", 4));
  write_file(root / "caf\xc3\xa9/na\xc3\xafve.txt", "unicode");
  write_file(root / std::string(120, 'l') / std::string(120, 'm'), "long");
  fs::create_directories(root / "empty");
  fs::create_symlink("../a.txt", root / "sub/link");
  fs::create_symlink("sub/deep", root / "dirlink");
}

// One entry of a hand-made archive.
struct Crafted
{
  std::string path;
  mode_t type = AE_IFREG;
  std::string content;  // of a file
  std::string symlink;  // target of a link
  std::string hardlink; // target of a hard link
};

Crafted
file_entry(std::string path, std::string content = "x")
{
  return Crafted{ std::move(path), AE_IFREG, std::move(content), "", "" };
}

Crafted
dir_entry(std::string path)
{
  return Crafted{ std::move(path), AE_IFDIR, "", "", "" };
}

Crafted
link_entry(std::string path, std::string target)
{
  return Crafted{ std::move(path), AE_IFLNK, "", std::move(target), "" };
}

Crafted
hardlink_entry(std::string path, std::string target)
{
  return Crafted{ std::move(path), AE_IFREG, "", "", std::move(target) };
}

// Write `entries` as a tar archive at `path` with libarchive's writer.
void
craft_archive(const std::string& path, const std::vector<Crafted>& entries)
{
  archive* out = archive_write_new();
  REQUIRE(archive_write_set_format_pax_restricted(out) == ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(out, path.c_str()) == ARCHIVE_OK);
  for (const auto& crafted : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, crafted.path.c_str());
    archive_entry_set_filetype(entry, crafted.type);
    archive_entry_set_perm(entry, crafted.type == AE_IFDIR ? 0755 : 0644);
    if (!crafted.symlink.empty()) {
      archive_entry_set_symlink(entry, crafted.symlink.c_str());
    }
    if (!crafted.hardlink.empty()) {
      archive_entry_set_hardlink(entry, crafted.hardlink.c_str());
    }
    const bool data = crafted.type == AE_IFREG && crafted.hardlink.empty();
    archive_entry_set_size(entry, data ? crafted.content.size() : 0);
    REQUIRE(archive_write_header(out, entry) == ARCHIVE_OK);
    if (data) {
      archive_write_data(out, crafted.content.data(), crafted.content.size());
    }
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(out) == ARCHIVE_OK);
  archive_write_free(out);
}

// A scratch area for extraction attacks: <tmp>/dest (the destination) and
// <tmp>/outside (what an attack would like to write into).
struct Sandbox
{
  TempDir tmp;
  std::string archive = tmp / "crafted.tar";
  std::string dest = tmp / "dest";
  std::string outside = tmp / "outside";

  Sandbox()
  {
    fs::create_directories(dest);
    write_file(outside + "/keep", "keep");
  }

  // Everything in the sandbox but the destination.
  std::map<std::string, std::string>
  around() const
  {
    auto all = snapshot(tmp.path());
    std::erase_if(all, [](const auto& entry) {
      return entry.first == "dest" || entry.first.starts_with("dest/");
    });
    return all;
  }
};

} // namespace

TEST_SUITE_BEGIN("infra::filestore::archive");

TEST_CASE("a tree of files, directories and internal links round-trips")
{
  TempDir tmp;
  make_tree(tmp.path() / "src");
  REQUIRE(create_archive(tmp / "src", tmp / "tree.tar"));
  fs::create_directories(tmp.path() / "out");

  REQUIRE(extract_archive(tmp / "tree.tar", tmp / "out"));

  const auto extracted = snapshot(tmp.path() / "out");
  CHECK(extracted == snapshot(tmp.path() / "src"));
  CHECK(extracted.at("bin/run.sh").starts_with("exec:"));
  CHECK(extracted.at("a.txt") == "file:hello\n");
  CHECK(extracted.at("sub/link") == "link:../a.txt");
  CHECK(read_file(tmp.path() / "out/sub/link") == "hello\n");
  CHECK(extracted.at("empty") == "dir");
}

TEST_CASE("two archives of equal trees are byte-identical")
{
  TempDir tmp;
  make_tree(tmp.path() / "one");
  // The same tree, created in another order and at another time.
  write_file(tmp.path() / "two/empty/.x", "");
  fs::remove(tmp.path() / "two/empty/.x");
  make_tree(tmp.path() / "two");
  fs::last_write_time(tmp.path() / "two/a.txt",
                      fs::file_time_type::clock::now() - std::chrono::hours(5));

  REQUIRE(create_archive(tmp / "one", tmp / "one.tar"));
  REQUIRE(create_archive(tmp / "two", tmp / "two.tar"));

  const auto bytes = read_file(tmp.path() / "one.tar");
  CHECK_FALSE(bytes.empty());
  CHECK(bytes == read_file(tmp.path() / "two.tar"));
}

TEST_CASE("the exec bit changes the archive")
{
  TempDir tmp;
  write_file(tmp.path() / "one/f", "x");
  write_file(tmp.path() / "two/f", "x");
  make_executable(tmp.path() / "two/f");
  REQUIRE(create_archive(tmp / "one", tmp / "one.tar"));
  REQUIRE(create_archive(tmp / "two", tmp / "two.tar"));
  CHECK(read_file(tmp.path() / "one.tar") != read_file(tmp.path() / "two.tar"));
}

TEST_CASE("a link pointing outside the tree is refused with its relative path")
{
  TempDir tmp;
  write_file(tmp.path() / "x", "outside");
  const std::vector<std::pair<std::string, std::string>> links = {
    { "abs", "/etc" },
    { "up", "../x" },
    { "sub/up2", "../../x" },
    { "sub/sneaky", "../sub/../../x" },
  };
  for (const auto& [rel, target] : links) {
    CAPTURE(rel);
    TempDir src;
    fs::create_directories(src.path() / "sub");
    fs::create_symlink(target, src.path() / rel);

    const auto created = create_archive(src.path().string(), tmp / "a.tar");

    REQUIRE_FALSE(created);
    CHECK(created.error().code == ErrorCode::invalid_argument);
    CHECK(created.error().message.find('"' + rel + '"') != std::string::npos);
    CHECK_FALSE(fs::exists(tmp.path() / "a.tar"));
  }
}

TEST_CASE("a link escaping through another link is refused")
{
  TempDir tmp;
  // "here" stays inside, but "here/.." is the parent of the tree.
  fs::create_directories(tmp.path() / "src");
  fs::create_symlink(".", tmp.path() / "src/here");
  fs::create_symlink("here/..", tmp.path() / "src/escape");

  const auto created = create_archive(tmp / "src", tmp / "a.tar");

  REQUIRE_FALSE(created);
  CHECK(created.error().code == ErrorCode::invalid_argument);
  CHECK(created.error().message.find("\"escape\"") != std::string::npos);
}

TEST_CASE("a special file is refused")
{
  TempDir tmp;
  fs::create_directories(tmp.path() / "src/d");
  REQUIRE(::mkfifo((tmp / "src/d/fifo").c_str(), 0644) == 0);

  const auto created = create_archive(tmp / "src", tmp / "a.tar");

  REQUIRE_FALSE(created);
  CHECK(created.error().code == ErrorCode::invalid_argument);
  CHECK(created.error().message.find("\"d/fifo\"") != std::string::npos);
}

TEST_CASE("crafted archives escaping the destination are refused")
{
  Sandbox box;
  const auto abs_evil = box.tmp / "abs/evil";
  struct Case
  {
    std::string name; // the entry the error names
    std::vector<Crafted> entries;
  };
  const std::vector<Case> cases = {
    { "../evil", { file_entry("../evil") } },
    { abs_evil, { file_entry(abs_evil) } },
    { "a/../../evil", { dir_entry("a/"), file_entry("a/../../evil") } },
    { "link", { link_entry("link", box.outside), file_entry("link/evil") } },
    { "link", { link_entry("link", "/tmp"), file_entry("link/evil") } },
    { "up", { link_entry("up", "../outside"), file_entry("up/evil") } },
    { "inner/evil", { link_entry("inner", "."), file_entry("inner/evil") } },
    { "hard", { file_entry("a.txt"), hardlink_entry("hard", "a.txt") } },
    { "hard", { hardlink_entry("hard", "../outside/keep") } },
    { "fifo", { Crafted{ "fifo", AE_IFIFO, "", "", "" } } },
    // Each link alone stays inside; together "escape" is "./..".
    { "escape", { link_entry("here", "."), link_entry("escape", "here/..") } },
    { "escape", { link_entry("escape", "here/.."), link_entry("here", ".") } },
  };
  const auto before = box.around();
  for (const auto& c : cases) {
    CAPTURE(c.name);
    craft_archive(box.archive, c.entries);

    const auto extracted = extract_archive(box.archive, box.dest);

    REQUIRE_FALSE(extracted);
    CHECK(extracted.error().code == ErrorCode::invalid_argument);
    CHECK(extracted.error().message.find('"' + c.name + '"') !=
          std::string::npos);
    fs::remove(box.archive);
    CHECK(box.around() == before);
    CHECK_FALSE(fs::exists("/tmp/evil"));
    fs::remove_all(box.dest);
    fs::create_directories(box.dest);
  }
}

TEST_CASE("an entry going through a link already in the destination is refused")
{
  Sandbox box;
  fs::create_directory_symlink(box.outside, box.dest + "/pre");
  craft_archive(box.archive, { file_entry("pre/evil") });

  const auto extracted = extract_archive(box.archive, box.dest);

  REQUIRE_FALSE(extracted);
  CHECK(extracted.error().code == ErrorCode::invalid_argument);
  CHECK(extracted.error().message.find("\"pre/evil\"") != std::string::npos);
  CHECK_FALSE(fs::exists(box.outside + "/evil"));
}

TEST_CASE("an entry over an existing file is refused")
{
  Sandbox box;
  write_file(box.dest + "/f", "mine");
  craft_archive(box.archive, { file_entry("f", "theirs") });

  const auto extracted = extract_archive(box.archive, box.dest);

  REQUIRE_FALSE(extracted);
  CHECK(extracted.error().code == ErrorCode::invalid_argument);
  CHECK(read_file(box.dest + "/f") == "mine");
}

TEST_CASE("foreign archives with \"./\" names and late directories extract")
{
  Sandbox box;
  craft_archive(box.archive,
                { dir_entry("./"),
                  file_entry("./d/f", "content"),
                  dir_entry("d/"),
                  link_entry("l", "later/f"),
                  dir_entry("later/"),
                  file_entry("later/f", "late") });

  REQUIRE(extract_archive(box.archive, box.dest));

  CHECK(read_file(box.dest + "/d/f") == "content");
  CHECK(read_file(box.dest + "/l") == "late");
}

TEST_CASE("a missing destination or archive is an error")
{
  TempDir tmp;
  make_tree(tmp.path() / "src");
  REQUIRE(create_archive(tmp / "src", tmp / "a.tar"));
  CHECK(extract_archive(tmp / "a.tar", tmp / "nowhere").error().code ==
        ErrorCode::invalid_argument);
  fs::create_directories(tmp.path() / "out");
  CHECK(extract_archive(tmp / "missing.tar", tmp / "out").error().code ==
        ErrorCode::internal);
  CHECK(create_archive(tmp / "nodir", tmp / "b.tar").error().code ==
        ErrorCode::invalid_argument);
}

TEST_SUITE_END();
