#include "core/infrastructure/filestore/file_run_file_store.hpp"

#include "core/infrastructure/filestore/archive.hpp"
#include "core/infrastructure/process/unique_fd.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

constexpr std::size_t k_buffer_size = 256 * 1024;
constexpr std::size_t k_digest_hex_size = 64;
constexpr std::size_t k_max_name_size = 255;

// A file in <root>/tmp, unlinked on destruction unless moved in place.
struct TempFile
{
  std::string path;
  process::UniqueFd fd;
  bool kept = false;

  TempFile(std::string p, int f)
    : path(std::move(p))
    , fd(f)
  {
  }
  TempFile(TempFile&& other) noexcept
    : path(std::move(other.path))
    , fd(std::move(other.fd))
    , kept(std::exchange(other.kept, true))
  {
  }
  ~TempFile()
  {
    if (!kept) {
      ::unlink(path.c_str());
    }
  }
};

Result<TempFile>
make_temp(const std::string& root)
{
  const auto dir = root + "/tmp";
  std::error_code ec;
  fs::create_directories(dir, ec);
  auto pattern = dir + "/obj.XXXXXX";
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (ec || fd < 0) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create a file in \"{}\": {}",
                            dir,
                            ec ? ec.message() : std::strerror(errno)));
  }
  return TempFile(std::move(pattern), fd);
}

class Sha256
{
public:
  Sha256()
    : m_ctx(EVP_MD_CTX_new())
  {
    EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr);
  }
  void
  update(const char* data, std::size_t size)
  {
    EVP_DigestUpdate(m_ctx.get(), data, size);
  }
  std::string
  hex()
  {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(m_ctx.get(), digest, &size);
    std::string text;
    for (unsigned int i = 0; i < size; ++i) {
      text += fmt::format("{:02x}", digest[i]);
    }
    return text;
  }

private:
  struct Free
  {
    void
    operator()(EVP_MD_CTX* ctx) const
    {
      EVP_MD_CTX_free(ctx);
    }
  };
  std::unique_ptr<EVP_MD_CTX, Free> m_ctx;
};

std::unexpected<Error>
io_failure(std::string_view what, const std::string& path)
{
  if (errno == ENOSPC || errno == EDQUOT) {
    // The store's fault, not the file's: it may work once space is freed.
    return fail(ErrorCode::unavailable,
                fmt::format("cannot {} \"{}\": {} (free space in the data "
                            "dir, e.g. with ryax runs rm)",
                            what, path, std::strerror(errno)));
  }
  return fail(
    ErrorCode::internal,
    fmt::format("cannot {} \"{}\": {}", what, path, std::strerror(errno)));
}

// Copy `in` to `out` (when out >= 0) from their current positions to the
// end of `in`, feeding `hash` (when set).
Result<void>
copy_stream(int in, int out, Sha256* hash, const std::string& path)
{
  std::vector<char> buffer(k_buffer_size);
  for (;;) {
    const auto got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return io_failure("read", path);
    }
    if (got == 0) {
      return {};
    }
    if (hash != nullptr) {
      hash->update(buffer.data(), static_cast<std::size_t>(got));
    }
    for (ssize_t done = 0; out >= 0 && done < got;) {
      const auto put = ::write(
        out, buffer.data() + done, static_cast<std::size_t>(got - done));
      if (put < 0 && errno != EINTR) {
        return io_failure("write a copy of", path);
      }
      done += put < 0 ? 0 : put;
    }
  }
}

// Copy `in` to `out`, with copy_file_range (a reflink where the file system
// can) and plain reads and writes where it cannot.
Result<void>
copy_file(int in, int out, const std::string& path)
{
  for (;;) {
    const auto copied =
      ::copy_file_range(in, nullptr, out, nullptr, k_buffer_size * 16, 0);
    if (copied == 0) {
      return {};
    }
    if (copied < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
          errno == EOPNOTSUPP || errno == EPERM) {
        return copy_stream(in, out, nullptr, path);
      }
      return io_failure("copy", path);
    }
  }
}

// Make the staged object read-only and durable before it is renamed.
Result<void>
seal(const TempFile& temp)
{
  if (::fchmod(temp.fd.get(), 0444) != 0 || ::fsync(temp.fd.get()) != 0) {
    return io_failure("write", temp.path);
  }
  return {};
}

bool
is_hex_digest(std::string_view text)
{
  return text.size() == k_digest_hex_size &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

struct Key
{
  std::string digest;
  std::string name;
};

Result<Key>
parse_key(const std::string& key)
{
  const auto slash = key.find('/');
  if (slash != std::string::npos) {
    Key parsed{ key.substr(0, slash), key.substr(slash + 1) };
    if (is_hex_digest(parsed.digest) && is_valid_value_name(parsed.name)) {
      return parsed;
    }
  }
  return fail(ErrorCode::invalid_argument,
              fmt::format("malformed file key \"{}\"", key));
}

Result<void>
check_name(const std::string& name)
{
  if (!is_valid_value_name(name)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("invalid file name \"{}\" (it must be 1 to 255 "
                            "bytes, without '/', and not \".\" or \"..\")",
                            name));
  }
  return {};
}

bool
exists(const std::string& path)
{
  struct stat st = {};
  return ::lstat(path.c_str(), &st) == 0;
}

} // namespace

bool
is_valid_value_name(const std::string& name)
{
  return !name.empty() && name.size() <= k_max_name_size && name != "." &&
         name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

FileRunFileStore::FileRunFileStore(std::string root)
  : m_root(std::move(root))
{
}

std::string
FileRunFileStore::object_path(const std::string& digest,
                              const std::string& name) const
{
  return fmt::format("{}/{}/{}/{}", m_root, digest.substr(0, 2), digest, name);
}

Result<domain::FileRef>
FileRunFileStore::put_file(const std::string& path, const std::string& name)
{
  RYAX_TRY(check_name(name));
  // O_NONBLOCK: opening a FIFO must not hang; it is refused just after.
  process::UniqueFd in(
    ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ELOOP) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("\"{}\" is a symbolic link", path));
    }
    if (errno == ENOENT || errno == ENOTDIR) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("no file \"{}\"", path));
    }
    return io_failure("open", path);
  }
  struct stat st = {};
  if (::fstat(in.get(), &st) != 0) {
    return io_failure("stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a regular file", path));
  }
  RYAX_TRY_ASSIGN(auto temp, make_temp(m_root));
  Sha256 hash;
  RYAX_TRY(copy_stream(in.get(), temp.fd.get(), &hash, path));
  RYAX_TRY(seal(temp));
  temp.fd.reset();
  temp.kept = true; // commit moves it in place or deletes it
  return commit(temp.path, hash.hex(), name, false);
}

Result<domain::FileRef>
FileRunFileStore::put_directory(const std::string& path,
                                const std::string& name)
{
  RYAX_TRY(check_name(name));
  struct stat st = {};
  if (::lstat(path.c_str(), &st) != 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("no directory \"{}\"", path));
  }
  if (S_ISLNK(st.st_mode)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is a symbolic link", path));
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a directory", path));
  }
  RYAX_TRY_ASSIGN(auto temp, make_temp(m_root));
  RYAX_TRY(create_archive(path, temp.path));
  // The archive was written through its own descriptor; hash it from ours.
  Sha256 hash;
  RYAX_TRY(copy_stream(temp.fd.get(), -1, &hash, temp.path));
  RYAX_TRY(seal(temp));
  temp.fd.reset();
  temp.kept = true; // commit moves it in place or deletes it
  return commit(temp.path, hash.hex(), name, true);
}

Result<domain::FileRef>
FileRunFileStore::commit(const std::string& temp,
                         const std::string& digest,
                         const std::string& name,
                         bool directory)
{
  domain::FileRef ref{ digest + "/" + name, directory };
  const auto target = object_path(digest, name);
  std::lock_guard lock(m_mutex);
  if (exists(target)) {
    ::unlink(temp.c_str());
    ++m_holds[ref.key];
    return ref; // same content, same name: already stored
  }
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec || ::rename(temp.c_str(), target.c_str()) != 0) {
    auto failure = fail(ErrorCode::internal,
                        fmt::format("cannot store \"{}\": {}",
                                    target,
                                    ec ? ec.message() : std::strerror(errno)));
    ::unlink(temp.c_str());
    return failure;
  }
  ++m_holds[ref.key];
  return ref;
}

Result<void>
FileRunFileStore::adopt(const std::string& temp, const domain::FileRef& ref)
{
  struct Unlink
  {
    const std::string& path;
    ~Unlink() { ::unlink(path.c_str()); } // a no-op once renamed
  } unlink_temp{ temp };
  RYAX_TRY_ASSIGN(const auto key, parse_key(ref.key));
  process::UniqueFd in(::open(temp.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    return io_failure("open", temp);
  }
  Sha256 hash;
  RYAX_TRY(copy_stream(in.get(), -1, &hash, temp));
  if (const auto digest = hash.hex(); digest != key.digest) {
    return fail(ErrorCode::internal,
                fmt::format("the content fetched for \"{}\" has SHA-256 {}, "
                            "not the key's: refused",
                            ref.key, digest));
  }
  if (::fchmod(in.get(), 0444) != 0 || ::fsync(in.get()) != 0) {
    return io_failure("write", temp);
  }
  const auto target = object_path(key.digest, key.name);
  std::lock_guard lock(m_mutex);
  if (exists(target)) {
    return {};
  }
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec || ::rename(temp.c_str(), target.c_str()) != 0) {
    return fail(ErrorCode::internal,
                fmt::format("cannot store \"{}\": {}", target,
                            ec ? ec.message() : std::strerror(errno)));
  }
  return {};
}

Result<std::string>
FileRunFileStore::temp_dir() const
{
  const auto dir = m_root + "/tmp";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create \"{}\": {}", dir, ec.message()));
  }
  return dir;
}

void
FileRunFileStore::release(const std::vector<std::string>& keys)
{
  // Not while a collection decides: see RunFileStore.
  std::lock_guard collecting(m_collect_mutex);
  std::lock_guard lock(m_mutex);
  for (const auto& key : keys) {
    if (auto it = m_holds.find(key); it != m_holds.end() && --it->second <= 0) {
      m_holds.erase(it);
    }
  }
}

Result<int>
FileRunFileStore::collect(
  const std::function<Result<std::vector<std::string>>()>& unreferenced)
{
  std::lock_guard collecting(m_collect_mutex);
  RYAX_TRY_ASSIGN(const auto keys, unreferenced());
  int removed = 0;
  for (const auto& key : keys) {
    auto parsed = parse_key(key);
    if (!parsed) {
      continue;
    }
    const auto path = object_path(parsed->digest, parsed->name);
    std::lock_guard lock(m_mutex);
    if (m_holds.contains(key)) {
      continue; // a run just stored the same content: it stays
    }
    if (::unlink(path.c_str()) == 0) {
      ++removed;
    }
    // Fails, as it should, while another name of the same content remains.
    ::rmdir(fs::path(path).parent_path().c_str());
  }
  return removed;
}

Result<std::string>
FileRunFileStore::materialize(const domain::FileRef& ref,
                              const std::string& dest_dir)
{
  RYAX_TRY_ASSIGN(auto object, blob_path(ref));
  const auto name = ref.key.substr(ref.key.find('/') + 1);
  struct stat st = {};
  if (::stat(dest_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a directory", dest_dir));
  }
  const auto target = dest_dir + "/" + name;

  if (ref.directory) {
    if (::mkdir(target.c_str(), 0755) != 0) {
      if (errno == EEXIST) {
        return fail(ErrorCode::already_exists,
                    fmt::format("\"{}\" already exists", target));
      }
      return io_failure("create", target);
    }
    auto extracted = extract_archive(object, target);
    if (!extracted) {
      std::error_code ec;
      fs::remove_all(target, ec);
      return std::unexpected(std::move(extracted).error());
    }
    return target;
  }

  process::UniqueFd in(::open(object.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ENOENT) {
      return fail(ErrorCode::not_found,
                  fmt::format("no stored file \"{}\"", ref.key));
    }
    return io_failure("open", object);
  }
  // O_EXCL also refuses a symbolic link planted at the target.
  process::UniqueFd out(
    ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) {
    if (errno == EEXIST) {
      return fail(ErrorCode::already_exists,
                  fmt::format("\"{}\" already exists", target));
    }
    return io_failure("create", target);
  }
  auto copied = copy_file(in.get(), out.get(), target);
  if (!copied) {
    ::unlink(target.c_str());
    return std::unexpected(std::move(copied).error());
  }
  return target;
}

Result<std::string>
FileRunFileStore::blob_path(const domain::FileRef& ref)
{
  RYAX_TRY_ASSIGN(auto key, parse_key(ref.key));
  auto path = object_path(key.digest, key.name);
  if (!exists(path)) {
    return fail(ErrorCode::not_found,
                fmt::format("no stored {} \"{}\"",
                            ref.directory ? "directory" : "file",
                            ref.key));
  }
  return path;
}

} // namespace ryax::infra::filestore
