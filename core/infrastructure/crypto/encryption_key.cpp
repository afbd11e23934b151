#include "core/infrastructure/crypto/encryption_key.hpp"

#include "core/infrastructure/crypto/base64.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ryax::infra::crypto {

namespace {

constexpr std::size_t k_key_bytes = std::tuple_size_v<EncryptionKey>;

std::string_view
trim(std::string_view text)
{
  constexpr std::string_view k_space = " \t\r\n";
  const auto first = text.find_first_not_of(k_space);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(k_space);
  return text.substr(first, last - first + 1);
}

int
hex_digit(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::optional<EncryptionKey>
from_hex(std::string_view text)
{
  if (text.size() != 2 * k_key_bytes) {
    return std::nullopt;
  }
  EncryptionKey key{};
  for (std::size_t i = 0; i < k_key_bytes; ++i) {
    const int high = hex_digit(text[2 * i]);
    const int low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    key[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return key;
}

std::string
errno_text()
{
  return std::strerror(errno);
}

// Write 32 random bytes to a temporary file beside `path`, then link it to
// `path` (which never replaces a file that appeared meanwhile).
Result<EncryptionKey>
create_key_file(const std::string& path)
{
  EncryptionKey key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create key file \"{}\": the random "
                            "source failed",
                            path));
  }
  const auto temporary = path + ".tmp";
  ::unlink(temporary.c_str()); // left by a start that died here
  const int fd = ::open(temporary.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0600);
  if (fd < 0) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create key file \"{}\": {}",
                            temporary,
                            errno_text()));
  }
  std::size_t written = 0;
  while (written < key.size()) {
    const auto n = ::write(fd, key.data() + written, key.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  const bool ok = written == key.size() && ::fsync(fd) == 0;
  const auto error = errno_text();
  ::close(fd);
  if (!ok || ::link(temporary.c_str(), path.c_str()) != 0) {
    const auto reason = ok ? errno_text() : error;
    ::unlink(temporary.c_str());
    return fail(ErrorCode::internal,
                fmt::format("cannot create key file \"{}\": {}", path, reason));
  }
  ::unlink(temporary.c_str());
  // The new name must survive a crash as well as the database does.
  const auto dir = std::filesystem::path(path).parent_path().string();
  if (const int dir_fd =
        ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
      dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return key;
}

} // namespace

Result<EncryptionKey>
parse_encryption_key(std::string_view text, std::string_view origin)
{
  const auto trimmed = trim(text);
  if (auto key = from_hex(trimmed)) {
    return *key;
  }
  if (auto bytes = base64_decode(trimmed);
      bytes && bytes->size() == k_key_bytes) {
    EncryptionKey key{};
    std::memcpy(key.data(), bytes->data(), key.size());
    OPENSSL_cleanse(bytes->data(), bytes->size());
    return key;
  }
  return fail(ErrorCode::invalid_argument,
              fmt::format("{}: expected 64 hexadecimal digits or the base64 "
                          "of 32 bytes (\"openssl rand -hex 32\" makes one), "
                          "got {} characters that are neither",
                          origin,
                          trimmed.size()));
}

Result<EncryptionKey>
load_or_create_key_file(const std::string& path, bool create)
{
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && create) {
      return create_key_file(path);
    }
    if (errno == ENOENT) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("key file \"{}\" is missing, and the secrets "
                              "of this data dir were sealed with it: restore "
                              "it (or set RYAX_ENCRYPTION_KEY to its key)",
                              path));
    }
    return fail(
      ErrorCode::internal,
      fmt::format("cannot read key file \"{}\": {}", path, errno_text()));
  }
  struct stat st
  {};
  const bool stated = ::fstat(fd, &st) == 0;
  const auto refuse = [&](std::string message) -> Result<EncryptionKey> {
    ::close(fd);
    return fail(ErrorCode::failed_precondition, std::move(message));
  };
  if (!stated || !S_ISREG(st.st_mode)) {
    return refuse(fmt::format("key file \"{}\" is not a regular file", path));
  }
  if (st.st_uid != ::geteuid()) {
    return refuse(fmt::format("key file \"{}\" belongs to uid {}, not to this "
                              "user (uid {})",
                              path,
                              st.st_uid,
                              ::geteuid()));
  }
  if ((st.st_mode & 077) != 0) {
    return refuse(fmt::format("key file \"{}\" has mode {:04o}: it must be "
                              "private to its owner (chmod 600 \"{}\")",
                              path,
                              st.st_mode & 07777,
                              path));
  }
  if (st.st_size != static_cast<off_t>(k_key_bytes)) {
    return refuse(fmt::format("key file \"{}\" holds {} bytes, not {}: it is "
                              "not a ryax key; restore the file the secrets "
                              "of this data dir were sealed with",
                              path,
                              st.st_size,
                              k_key_bytes));
  }
  EncryptionKey key{};
  std::size_t read = 0;
  while (read < key.size()) {
    const auto n = ::read(fd, key.data() + read, key.size() - read);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    read += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (read != key.size()) {
    return fail(ErrorCode::internal,
                fmt::format("cannot read key file \"{}\": short read", path));
  }
  return key;
}

Result<EncryptionKey>
load_encryption_key(const KeySource& source, bool create)
{
  if (source.text) {
    return parse_encryption_key(*source.text, "RYAX_ENCRYPTION_KEY");
  }
  return load_or_create_key_file(source.file, create);
}

} // namespace ryax::infra::crypto
