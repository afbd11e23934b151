#include "cli/commands/run_files.hpp"

#include "cli/commands/common.hpp"
#include "cli/output/json_fields.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/filestore/archive.hpp"

#include "ryax/v1/run.grpc.pb.h"
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace ryax::cli {

namespace {

// The base name the user gave: "dir/" and "." name the directory itself.
std::string
base_name(const std::string& path)
{
  auto normal = fs::absolute(path).lexically_normal();
  if (normal.filename().empty()) {
    normal = normal.parent_path();
  }
  return normal.filename().string();
}

Result<void>
read_directory(const fs::path& root, v1::RunFileUpload& upload)
{
  std::error_code ec;
  std::vector<fs::path> paths;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end;
       it.increment(ec)) {
    paths.push_back(it->path());
  }
  if (ec) {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format("cannot read \"{}\": {}", root.string(), ec.message()));
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    auto* entry = upload.add_entries();
    entry->set_path(path.lexically_relative(root).generic_string());
    if (fs::is_symlink(path, ec) && fs::is_directory(path, ec)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("\"{}\" is a symbolic link to a directory: give "
                              "a directory without such links",
                              path.string()));
    }
    if (fs::is_directory(path, ec)) {
      entry->set_directory(true);
    } else if (fs::is_regular_file(path, ec)) {
      RYAX_TRY_ASSIGN(*entry->mutable_content(),
                      infra::files::read_file(path, k_max_upload_bytes));
    } else {
      return fail(
        ErrorCode::invalid_argument,
        fmt::format("\"{}\" is neither a file nor a directory", path.string()));
    }
  }
  return {};
}

// Is `name` one path component that stays where it is put?
bool
safe_component(const std::string& name)
{
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

struct Found
{
  std::string result;
  nlohmann::json index; // null, or the element indexes
  FileValue value;
};

// Every file value in `value`, depth first.
void
collect(const std::string& result,
        const nlohmann::json& value,
        bool list,
        const nlohmann::json& index,
        std::vector<Found>& found)
{
  if (list && value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto inner = index.is_null() ? nlohmann::json::array() : index;
      inner.push_back(i);
      collect(result, value[i], true, inner, found);
    }
  } else if (auto file = file_value(value)) {
    found.push_back({ result, index, *file });
  }
}

} // namespace

Result<std::pair<std::string, std::string>>
parse_assignment(const std::string& text, const std::string& flag)
{
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} \"{}\": expected NAME={}",
                            flag,
                            text,
                            flag == "--file" ? "PATH" : "VALUE"));
  }
  return std::pair{ text.substr(0, eq), text.substr(eq + 1) };
}

Result<v1::RunFileUpload>
read_upload(const std::string& name, const std::string& path)
{
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format(
        "--file {}: cannot read \"{}\": {}", name, path, ec.message()));
  }
  if (path.empty() || !fs::exists(status)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--file {}: \"{}\" does not exist", name, path));
  }
  v1::RunFileUpload upload;
  upload.set_name(name);
  upload.set_file_name(base_name(path));
  if (fs::is_directory(status)) {
    upload.set_directory(true);
    RYAX_TRY(read_directory(path, upload));
  } else if (fs::is_regular_file(status)) {
    RYAX_TRY_ASSIGN(*upload.mutable_content(),
                    infra::files::read_file(path, k_max_upload_bytes));
  } else {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format(
        "--file {}: \"{}\" is neither a file nor a directory", name, path));
  }
  return upload;
}

Result<std::vector<Download>>
plan_downloads(const nlohmann::json& results, const fs::path& dir)
{
  std::vector<Found> found;
  for (std::size_t i = 0; results.is_array() && i < results.size(); ++i) {
    collect(output::text_field(results[i], "key"),
            output::field(results[i], "value"),
            output::flag_field(results[i], "list"),
            nullptr,
            found);
  }
  std::map<std::string, int> top_names;
  for (const auto& f : found) {
    top_names[f.value.name] += f.index.is_null() ? 1 : 0;
  }
  std::vector<Download> downloads;
  for (const auto& f : found) {
    if (!safe_component(f.value.name)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("result \"{}\": unsafe file name \"{}\"",
                              f.result,
                              f.value.name));
    }
    auto path = dir;
    const bool shared = f.index.is_null() && top_names[f.value.name] > 1;
    if (!f.index.is_null() || shared) {
      if (!safe_component(f.result)) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("unsafe result key \"{}\"", f.result));
      }
      path /= f.result;
    }
    if (!f.index.is_null()) {
      for (const auto& i : f.index) {
        path /= std::to_string(i.get<std::size_t>());
      }
    }
    downloads.push_back({ f.result, f.index, f.value, path / f.value.name });
  }
  return downloads;
}

Result<Written>
fetch_download(const Client& client,
               const std::string& run_id,
               const Download& download)
{
  std::error_code ec;
  const auto parent = download.path.parent_path();
  fs::create_directories(parent, ec);
  if (ec) {
    return fail(
      ErrorCode::internal,
      fmt::format("cannot create \"{}\": {}", parent.string(), ec.message()));
  }
  const auto part =
    parent / fmt::format(".{}.ryax-part-{}", download.value.name, ::getpid());
  const auto cleanup = [&] { fs::remove(part, ec); };
  std::ofstream out(part, std::ios::binary | std::ios::trunc);
  if (!out) {
    return fail(ErrorCode::internal,
                fmt::format("cannot write \"{}\"", part.string()));
  }

  auto stub = v1::RunService::NewStub(client.channel());
  auto context = Client::call_context(std::chrono::hours(1));
  v1::ReadRunFileRequest request;
  request.set_run_id(run_id);
  request.set_key(download.value.key);
  auto reader = stub->ReadRunFile(context.get(), request);
  v1::RunFileChunk chunk;
  bool directory = download.value.directory;
  Written written;
  for (bool first = true; reader->Read(&chunk); first = false) {
    if (first) {
      directory = chunk.directory();
    }
    out.write(chunk.data().data(),
              static_cast<std::streamsize>(chunk.data().size()));
    written.bytes += static_cast<std::int64_t>(chunk.data().size());
  }
  out.close();
  if (auto status = client.check(reader->Finish()); !status) {
    cleanup();
    return std::unexpected(status.error());
  }
  if (!out) {
    cleanup();
    return fail(ErrorCode::internal,
                fmt::format("cannot write \"{}\"", part.string()));
  }

  if (!directory) {
    fs::rename(part, download.path, ec);
    if (ec) {
      cleanup();
      return fail(ErrorCode::internal,
                  fmt::format("cannot write \"{}\": {}",
                              download.path.string(),
                              ec.message()));
    }
    written.files = 1;
    return written;
  }
  // Extract beside the target, then put it in place: a download replaces
  // what an earlier one wrote, and a failed one leaves nothing half done.
  const auto staging = fs::path(part.string() + ".d");
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  Result<void> extracted;
  if (ec) {
    extracted = fail(
      ErrorCode::internal,
      fmt::format("cannot create \"{}\": {}", staging.string(), ec.message()));
  } else {
    extracted =
      infra::filestore::extract_archive(part.string(), staging.string());
  }
  cleanup();
  if (extracted) {
    fs::remove_all(download.path, ec);
    fs::rename(staging, download.path, ec);
    if (ec) {
      extracted = fail(ErrorCode::internal,
                       fmt::format("cannot write \"{}\": {}",
                                   download.path.string(),
                                   ec.message()));
    }
  }
  if (!extracted) {
    fs::remove_all(staging, ec);
    return std::unexpected(extracted.error());
  }
  written.bytes = 0;
  for (fs::recursive_directory_iterator it(download.path, ec), end;
       !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      written.files += 1;
      written.bytes += static_cast<std::int64_t>(it->file_size(ec));
    }
  }
  return written;
}

} // namespace ryax::cli
