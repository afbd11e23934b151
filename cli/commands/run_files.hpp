#pragma once

#include "cli/client/client.hpp"
#include "cli/commands/run_render.hpp"
#include "core/domain/error.hpp"

#include "ryax/v1/run.pb.h"
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

// Files in and out of runs: `ryax run --file` uploads and `ryax runs results
// --download`.
namespace ryax::cli {

// "NAME=VALUE" split at the first "="; invalid_argument naming `flag` when
// there is no "=" or no name.
Result<std::pair<std::string, std::string>> parse_assignment(
  const std::string& text,
  const std::string& flag);

// The upload of `path` for the trigger output `name`: a file's content, or
// a directory's entries (sub-directories and files, recursively, sorted).
// invalid_argument naming the path when it does not exist, holds something
// else than files and directories or a file larger than
// k_max_upload_bytes; the errors of infra::files::read_file when a file
// cannot be read.
Result<v1::RunFileUpload> read_upload(const std::string& name,
                                      const std::string& path);

// One file or directory value of a run and where --download writes it.
struct Download
{
  std::string result;         // the result key
  nlohmann::json index;       // the element index for a list result, else null
  FileValue value;            // its name and stored key
  std::filesystem::path path; // where it goes
};

// Where the file values of `results` (the `results` of a run document) go
// under `dir`: `dir`/NAME, or `dir`/KEY/NAME when two results share a
// NAME; an element i of a list result at `dir`/KEY/i/NAME (i/j/... when
// nested). Other values are skipped. invalid_argument when a name or a key
// could escape `dir` (empty, ".", "..", or with a "/").
Result<std::vector<Download>> plan_downloads(const nlohmann::json& results,
                                             const std::filesystem::path& dir);

// What one download wrote: bytes of a file, or files of a directory.
struct Written
{
  std::int64_t bytes = 0;
  std::int64_t files = 0;
};

// Fetch `download` with ReadRunFile and write it at its path (a directory
// value: its tar archive goes through a temporary file in the parent
// directory, then is extracted). The errors of the call; internal on I/O
// errors, naming the path.
Result<Written> fetch_download(const Client& client,
                               const std::string& run_id,
                               const Download& download);

} // namespace ryax::cli
