#include "wrapper/work_dirs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace ryax::wrapper {

namespace {

// Whether `dir` is a directory holding nothing but "." and "..": four
// system calls (std::filesystem::is_empty takes more).
bool
is_empty_dir(const std::string& dir)
{
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  alignas(8) char buffer[4096];
  bool empty = true;
  while (empty) {
    const auto n = ::getdents64(fd, buffer, sizeof(buffer));
    if (n <= 0) {
      empty = n == 0;
      break;
    }
    for (long offset = 0; offset < n;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buffer + offset);
      if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
        empty = false;
        break;
      }
      offset += entry->d_reclen;
    }
  }
  ::close(fd);
  return empty;
}

} // namespace

WorkDirs::WorkDirs()
{
  m_janitor = std::thread([this] { janitor_loop(); });
}

WorkDirs::~WorkDirs()
{
  {
    std::lock_guard lock(m_janitor_mutex);
    m_stopping = true;
  }
  m_janitor_wake.notify_one();
  m_janitor.join();
}

Result<void>
WorkDirs::open(const std::string& work_root)
{
  if (work_root.empty() || !fs::path(work_root).is_absolute()) {
    return fail(ErrorCode::invalid_argument, "work_root must be an absolute path");
  }
  std::error_code ec;
  fs::create_directories(fs::path(work_root) / "exec", ec);
  fs::create_directories(fs::path(work_root) / "outputs", ec);
  if (ec) {
    return fail(ErrorCode::invalid_argument, "work_root \"" + work_root + "\": " + ec.message());
  }
  const auto root = work_root.back() == '/' ? work_root : work_root + "/";
  m_exec = root + "exec/";
  m_outputs = root + "outputs/";
  m_spare = m_exec + ".spare";
  return {};
}

Result<void>
WorkDirs::prepare(const std::string& id, std::string& workdir, std::string& outdir)
{
  workdir = m_exec + id;
  outdir = m_outputs + id;
  discard(outdir); // a reused id: start afresh (one failed rename otherwise)
  if (m_have_spare) {
    m_have_spare = false;
    // Replaces an empty directory of a reused id; refuses anything else.
    if (::rename(m_spare.c_str(), workdir.c_str()) == 0) {
      return {};
    }
    if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR || errno == EISDIR) {
      discard(workdir);
      if (::rename(m_spare.c_str(), workdir.c_str()) == 0) {
        return {};
      }
    }
  }
  if (::mkdir(workdir.c_str(), 0777) == 0) {
    return {};
  }
  if (errno == EEXIST) {
    discard(workdir);
    if (::mkdir(workdir.c_str(), 0777) == 0) {
      return {};
    }
  }
  return fail(ErrorCode::internal, "cannot create " + workdir + ": " + std::strerror(errno));
}

void
WorkDirs::recycle(const std::string& workdir)
{
  if (!m_have_spare && is_empty_dir(workdir) && ::rename(workdir.c_str(), m_spare.c_str()) == 0) {
    m_have_spare = true;
    return;
  }
  discard(workdir);
}

void
WorkDirs::discard(const std::string& dir)
{
  const auto trash = m_exec + ".trash-" + std::to_string(++m_trash_counter);
  const bool moved = ::rename(dir.c_str(), trash.c_str()) == 0;
  if (!moved && errno == ENOENT) {
    return;
  }
  // When the rename failed otherwise, the directory is removed in place.
  {
    std::lock_guard lock(m_janitor_mutex);
    m_trash.push_back(moved ? trash : dir);
  }
  m_janitor_wake.notify_one();
}

void
WorkDirs::janitor_loop()
{
  std::unique_lock lock(m_janitor_mutex);
  while (true) {
    m_janitor_wake.wait(lock, [this] { return m_stopping || !m_trash.empty(); });
    auto batch = std::move(m_trash);
    m_trash.clear();
    const bool stopping = m_stopping;
    lock.unlock();
    for (const auto& dir : batch) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    lock.lock();
    if (stopping && m_trash.empty()) {
      return;
    }
  }
}

} // namespace ryax::wrapper
