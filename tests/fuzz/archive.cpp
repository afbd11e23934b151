// libFuzzer target: archive extraction (extract_archive, libarchive), as the
// filestore unpacks directory values and action bundles. Checked besides the
// sanitizers: nothing is written outside the destination, and no symbolic
// link extracted points outside it.

#include "core/infrastructure/filestore/archive.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

// Remove `dest`, even when an entry made a directory of it read-only.
void
remove_tree(const fs::path& dest)
{
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dest, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
  fs::permissions(dest, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(dest, ec);
}

// A directory of this process: the archive file and the destination.
const fs::path&
sandbox()
{
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "ryax-fuzz-archive-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    std::atexit([] { remove_tree(sandbox()); });
    return fs::path(pattern);
  }();
  return dir;
}

[[noreturn]] void
failed(const std::string& what)
{
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

// Whether `path` (lexically normal, absolute) is `root` or under it.
bool
inside(const fs::path& path, const fs::path& root)
{
  const auto rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

void
check_tree(const fs::path& dest)
{
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dest, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_symlink(ec)) {
      continue;
    }
    const auto resolved = fs::weakly_canonical(it->path(), ec);
    if (!ec && !inside(resolved, fs::canonical(dest))) {
      failed("extracted link " + it->path().string() + " points outside: "
             + resolved.string());
    }
  }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const auto archive = sandbox() / "in.tar";
  const auto dest = sandbox() / "dest";
  {
    std::ofstream out(archive, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  remove_tree(dest);
  fs::create_directory(dest);
  (void)ryax::infra::filestore::extract_archive(archive.string(), dest.string());
  for (const auto& entry : fs::directory_iterator(sandbox())) {
    const auto name = entry.path().filename();
    if (name != "in.tar" && name != "dest") {
      failed("written outside the destination: " + entry.path().string());
    }
  }
  check_tree(dest);
  remove_tree(dest);
  return 0;
}
