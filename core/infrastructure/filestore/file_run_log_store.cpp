#include "core/infrastructure/filestore/file_run_log_store.hpp"

#include "core/infrastructure/process/unique_fd.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>
#include <string_view>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

constexpr std::string_view k_special = "\\\t\n\r";
constexpr int k_fields = 6;

void
append_escaped(std::string& out, std::string_view text)
{
  if (text.find_first_of(k_special) == std::string_view::npos) {
    out += text;
    return;
  }
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::optional<std::string>
unescape(std::string_view text)
{
  if (text.find('\\') == std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) {
      return std::nullopt;
    }
    switch (text[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

void
append_record(std::string& out, const app::RunLogRecord& record)
{
  fmt::format_to(std::back_inserter(out), "{}\t", record.timestamp_unix_ns);
  append_escaped(out, record.step);
  out += '\t';
  append_escaped(out, record.branch);
  fmt::format_to(std::back_inserter(out),
                 "\t{}\t{}\t",
                 record.attempt,
                 record.stream == app::LogStream::err ? 'e' : 'o');
  append_escaped(out, record.line);
  out += '\n';
}

template<typename T>
bool
parse_number(std::string_view text, T& value)
{
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

// One line, without its newline; nullopt when it is malformed.
std::optional<app::RunLogRecord>
parse_record(std::string_view line)
{
  std::string_view fields[k_fields];
  for (int i = 0; i < k_fields - 1; ++i) {
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos) {
      return std::nullopt;
    }
    fields[i] = line.substr(0, tab);
    line.remove_prefix(tab + 1);
  }
  fields[k_fields - 1] = line;

  app::RunLogRecord record;
  if (!parse_number(fields[0], record.timestamp_unix_ns) ||
      !parse_number(fields[3], record.attempt) ||
      (fields[4] != "o" && fields[4] != "e")) {
    return std::nullopt;
  }
  record.stream = fields[4] == "e" ? app::LogStream::err : app::LogStream::out;
  auto step = unescape(fields[1]);
  auto branch = unescape(fields[2]);
  auto text = unescape(fields[5]);
  if (!step || !branch || !text) {
    return std::nullopt;
  }
  record.step = std::move(*step);
  record.branch = std::move(*branch);
  record.line = std::move(*text);
  return record;
}

std::unexpected<Error>
io_failure(std::string_view what, const std::string& path)
{
  return fail(
    ErrorCode::internal,
    fmt::format("cannot {} \"{}\": {}", what, path, std::strerror(errno)));
}

} // namespace

FileRunLogStore::FileRunLogStore(std::string root)
  : m_root(std::move(root))
{
}

Result<std::string>
FileRunLogStore::log_path(const std::string& run_id) const
{
  if (run_id.empty() || run_id.front() == '.' ||
      run_id.find('/') != std::string::npos ||
      run_id.find('\0') != std::string::npos) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("invalid run id \"{}\"", run_id));
  }
  return m_root + "/" + run_id + ".log";
}

Result<void>
FileRunLogStore::append(const std::string& run_id,
                        const std::vector<app::RunLogRecord>& records)
{
  RYAX_TRY_ASSIGN(auto path, log_path(run_id));
  if (records.empty()) {
    return {};
  }
  std::string batch;
  batch.reserve(records.size() * 96);
  for (const auto& record : records) {
    append_record(batch, record);
  }

  std::lock_guard lock(m_mutex);
  const int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
  int raw = ::open(path.c_str(), flags, 0644);
  if (raw < 0 && errno == ENOENT) {
    std::error_code ec;
    fs::create_directories(m_root, ec);
    raw = ::open(path.c_str(), flags, 0644);
  }
  process::UniqueFd fd(raw);
  struct stat st = {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    return io_failure("open", path);
  }
  for (std::size_t done = 0; done < batch.size();) {
    const auto wrote =
      ::write(fd.get(), batch.data() + done, batch.size() - done);
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote < 0) {
      auto failure = io_failure("write", path);
      // Leave no partial line for the next batch to be glued to.
      [[maybe_unused]] const int cut = ::ftruncate(fd.get(), st.st_size);
      return failure;
    }
    done += static_cast<std::size_t>(wrote);
  }
  return {};
}

Result<std::pair<std::vector<app::RunLogRecord>, std::uint64_t>>
FileRunLogStore::read(const std::string& run_id, std::uint64_t offset)
{
  RYAX_TRY_ASSIGN(auto path, log_path(run_id));
  std::pair<std::vector<app::RunLogRecord>, std::uint64_t> result{ {}, offset };
  process::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 && errno == ENOENT) {
    return result;
  }
  struct stat st = {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    return io_failure("open", path);
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset > size) {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format("offset {} is past the end of the log of run \"{}\" "
                  "({} bytes)",
                  offset,
                  run_id,
                  size));
  }
  std::string text(size - offset, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const auto n = ::pread(fd.get(),
                           text.data() + got,
                           text.size() - got,
                           static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return io_failure("read", path);
    }
    if (n <= 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);

  const auto last = text.rfind('\n');
  if (last == std::string::npos) {
    return result;
  }
  std::string_view rest(text.data(), last + 1);
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    if (auto record = parse_record(rest.substr(0, end))) {
      result.first.push_back(std::move(*record));
    }
    rest.remove_prefix(end + 1);
  }
  result.second = offset + last + 1;
  return result;
}

void
FileRunLogStore::remove(const std::string& run_id)
{
  auto path = log_path(run_id);
  if (path) {
    std::lock_guard lock(m_mutex);
    ::unlink(path->c_str());
  }
}

} // namespace ryax::infra::filestore
