#include "core/infrastructure/filestore/file_run_staging.hpp"

#include "core/application/run_starter.hpp"
#include "core/infrastructure/files/containment.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

Result<void>
write_file(const fs::path& path, std::string_view content)
{
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    return fail(ErrorCode::internal,
                fmt::format("cannot write \"{}\"", path.string()));
  }
  return {};
}

} // namespace

FileRunStaging::FileRunStaging(std::string work_dir,
                               app::RunFileStore& files,
                               app::WorkflowFileStore& workflow_files)
  : m_work_dir(std::move(work_dir))
  , m_files(files)
  , m_workflow_files(workflow_files)
{
  // Nothing here outlives a daemon: what a crash left is garbage.
  std::error_code ec;
  fs::remove_all(m_work_dir, ec);
  fs::create_directories(m_work_dir, ec);
}

Result<std::string>
FileRunStaging::stage_dir()
{
  const auto dir =
    fmt::format("{}/stage/{}", m_work_dir, m_staged.fetch_add(1) + 1);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create \"{}\": {}", dir, ec.message()));
  }
  return dir;
}

Result<domain::FileRef>
FileRunStaging::put_upload(const app::Upload& upload)
{
  if (!app::is_valid_upload_name(upload.file_name)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--file {}: \"{}\" is not a valid file name",
                            upload.name,
                            upload.file_name));
  }
  RYAX_TRY_ASSIGN(const auto dir, stage_dir());
  const auto target = fs::path(dir) / upload.file_name;
  const auto stored = [&]() -> Result<domain::FileRef> {
    if (!upload.directory) {
      RYAX_TRY(write_file(target, upload.content));
      return m_files.put_file(target.string(), upload.file_name);
    }
    std::error_code ec;
    fs::create_directories(target, ec);
    for (const auto& entry : upload.entries) {
      if (!app::is_valid_upload_entry(entry.path)) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("--file {}: entry \"{}\" escapes its "
                                "directory",
                                upload.name,
                                entry.path));
      }
      if (entry.directory) {
        fs::create_directories(target / entry.path, ec);
      } else {
        RYAX_TRY(write_file(target / entry.path, entry.content));
      }
    }
    return m_files.put_directory(target.string(), upload.file_name);
  }();
  std::error_code ec;
  fs::remove_all(dir, ec);
  return stored;
}

Result<domain::FileRef>
FileRunStaging::put_static(const std::vector<app::StoredWorkflowFile>& files,
                           const std::string& path)
{
  const auto name = fs::path(path).filename().string();
  for (const auto& file : files) {
    if (file.path == path) {
      return m_files.put_file(m_workflow_files.path(file.key), name);
    }
  }
  // A directory: gather its files into a temporary tree.
  RYAX_TRY_ASSIGN(const auto dir, stage_dir());
  std::error_code ec;
  const auto root = fs::path(dir) / name;
  fs::create_directories(root, ec);
  for (const auto& file : files) {
    if (file.path.starts_with(path + "/")) {
      const auto target = root / file.path.substr(path.size() + 1);
      fs::create_directories(target.parent_path(), ec);
      fs::copy_file(m_workflow_files.path(file.key), target, ec);
      if (ec) {
        fs::remove_all(dir, ec);
        return fail(ErrorCode::internal,
                    fmt::format("static file \"{}\": cannot copy \"{}\"",
                                path,
                                file.path));
      }
    }
  }
  auto ref = m_files.put_directory(root.string(), name);
  fs::remove_all(dir, ec);
  return ref;
}

Result<domain::Values>
FileRunStaging::stage_inputs(const std::string& execution_id,
                             const domain::Values& inputs,
                             const std::string& dir)
{
  const auto base =
    dir.empty() ? fs::path(m_work_dir) / "exec" / execution_id : fs::path(dir);
  domain::Values local = inputs;
  for (auto& [name, value] : local) {
    const auto* ref = std::get_if<domain::FileRef>(&value);
    if (ref == nullptr) {
      continue;
    }
    std::error_code ec;
    const auto dir = base / name;
    fs::create_directories(dir, ec);
    auto path = m_files.materialize(*ref, dir.string());
    if (!path) {
      // A full disk stays unavailable: no fault of the input.
      return fail(path.error().code == ErrorCode::unavailable
                    ? ErrorCode::unavailable
                    : ErrorCode::invalid_argument,
                  fmt::format("input \"{}\": {}", name, path.error().message));
    }
    value = domain::FileRef{ *path, ref->directory };
  }
  return local;
}

void
FileRunStaging::discard(const std::string& execution_id,
                        const std::string& dir)
{
  std::error_code ec;
  fs::remove_all(
    dir.empty() ? fs::path(m_work_dir) / "exec" / execution_id : fs::path(dir),
    ec);
}

Result<domain::Values>
FileRunStaging::ingest_outputs(const std::string& outputs_dir,
                               domain::Values outputs)
{
  // On failure, what was stored already is not held any more.
  std::vector<std::string> stored_keys;
  const auto refuse = [&](std::string message) {
    m_files.release(stored_keys);
    return fail(ErrorCode::invalid_argument, std::move(message));
  };
  for (auto& [name, value] : outputs) {
    const auto* ref = std::get_if<domain::FileRef>(&value);
    if (ref == nullptr) {
      continue;
    }
    if (!files::is_within(ref->key, outputs_dir, files::RootItself::outside)) {
      return refuse(fmt::format("output \"{}\": \"{}\" is outside the "
                                "execution's output directory",
                                name,
                                ref->key));
    }
    const auto file_name = fs::path(ref->key).filename().string();
    auto stored = ref->directory ? m_files.put_directory(ref->key, file_name)
                                 : m_files.put_file(ref->key, file_name);
    if (!stored) {
      // A store that cannot take it (a full disk) is no fault of the file.
      m_files.release(stored_keys);
      return fail(stored.error().code,
                  fmt::format("output \"{}\": {}", name,
                              stored.error().message));
    }
    stored_keys.push_back(stored->key);
    value = std::move(*stored);
  }
  return outputs;
}

void
FileRunStaging::remove_outputs(const std::string& outputs_dir)
{
  std::error_code ec;
  fs::remove_all(outputs_dir, ec);
}

} // namespace ryax::infra::filestore
