#include "core/infrastructure/filestore/file_trigger_log_store.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

bool
is_name(const std::string& name)
{
  return !name.empty() && !name.starts_with('.')
         && name.find('/') == std::string::npos
         && name.find('\0') == std::string::npos;
}

// The record of one line of a log file; nullopt for a malformed one.
std::optional<app::TriggerLogLine>
parse_record(std::string_view text)
{
  app::TriggerLogLine line;
  const auto tab1 = text.find('\t');
  const auto tab2 = tab1 == std::string_view::npos ? tab1 : text.find('\t', tab1 + 1);
  const auto tab3 = tab2 == std::string_view::npos ? tab2 : text.find('\t', tab2 + 1);
  if (tab3 == std::string_view::npos) {
    return std::nullopt;
  }
  const auto number = [](std::string_view digits, auto& out) {
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && end == digits.data() + digits.size();
  };
  if (!number(text.substr(0, tab1), line.sequence)
      || !number(text.substr(tab1 + 1, tab2 - tab1 - 1), line.timestamp_unix_ns)) {
    return std::nullopt;
  }
  line.origin = std::string(text.substr(tab2 + 1, tab3 - tab2 - 1));
  line.line = std::string(text.substr(tab3 + 1));
  return line;
}

// Every well-formed record of `path` (none when it does not exist).
std::vector<app::TriggerLogLine>
read_records(const std::string& path)
{
  std::vector<app::TriggerLogLine> records;
  std::ifstream in(path, std::ios::binary);
  std::string text;
  while (std::getline(in, text)) {
    if (auto record = parse_record(text)) {
      records.push_back(std::move(*record));
    }
  }
  return records;
}

} // namespace

FileTriggerLogStore::FileTriggerLogStore(std::string root, std::uint64_t max_bytes)
  : m_root(std::move(root))
  , m_max_bytes(max_bytes)
{
}

Result<std::string>
FileTriggerLogStore::log_path(const std::string& project, const std::string& id) const
{
  if (!is_name(project) || !is_name(id)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}/{}\" cannot name a trigger log", project, id));
  }
  return m_root + "/" + project + "/" + id + ".log";
}

Result<std::uint64_t>
FileTriggerLogStore::append(const std::string& project,
                            const std::string& id,
                            app::TriggerLogLine line)
{
  RYAX_TRY_ASSIGN(const auto path, log_path(project, id));
  std::lock_guard lock(m_mutex);
  const auto key = std::make_pair(project, id);
  auto last = m_last.find(key);
  if (last == m_last.end()) {
    std::uint64_t found = 0;
    for (const auto& file : { path + ".1", path }) {
      for (const auto& record : read_records(file)) {
        found = std::max(found, record.sequence);
      }
    }
    last = m_last.emplace(key, found).first;
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  line.sequence = last->second + 1;
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << line.sequence << '\t' << line.timestamp_unix_ns << '\t' << line.origin << '\t'
        << line.line << '\n';
    out.flush();
    if (!out) {
      return fail(ErrorCode::internal, fmt::format("cannot write {}", path));
    }
  }
  last->second = line.sequence;
  if (fs::file_size(path, ec) > m_max_bytes / 2 && !ec) {
    fs::rename(path, path + ".1", ec);
  }
  return line.sequence;
}

Result<std::vector<app::TriggerLogLine>>
FileTriggerLogStore::read(const std::string& project,
                          const std::string& id,
                          std::uint64_t after,
                          std::size_t max)
{
  RYAX_TRY_ASSIGN(const auto path, log_path(project, id));
  std::vector<app::TriggerLogLine> lines;
  // Under the lock: a rotation between the two reads would lose lines.
  std::lock_guard lock(m_mutex);
  for (const auto& file : { path + ".1", path }) {
    for (auto& record : read_records(file)) {
      if (record.sequence > after && lines.size() < max) {
        lines.push_back(std::move(record));
      }
    }
  }
  return lines;
}

} // namespace ryax::infra::filestore
