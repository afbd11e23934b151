#pragma once

#include "core/application/ports/workflow_store.hpp"
#include "core/domain/error.hpp"
#include "core/domain/run.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// A file or directory given for a trigger output (`ryax run --file
// NAME=PATH`), as it came from the client. Contents are views of the
// caller's buffers (uploads may be large), valid during the call they are
// given to.
struct Upload
{
  // One entry of an uploaded directory.
  struct Entry
  {
    std::string path; // relative to the directory
    bool directory = false;
    std::string_view content; // a file's bytes
  };

  std::string name;      // the trigger output
  std::string file_name; // the name users see: one path component
  bool directory = false;
  std::string_view content;   // a file's bytes
  std::vector<Entry> entries; // a directory's tree
};

// The disk work of running steps, kept out of the runner: uploads, static
// files, local copies of inputs, and collected outputs. Files stored in the
// run file store are held (see RunFileStore): the caller releases them once
// a record naming them is durable.
class RunStaging
{
public:
  virtual ~RunStaging() = default;

  // Store `upload` in the run file store. invalid_argument for a file name
  // that is not one path component or an entry escaping its directory;
  // internal on I/O errors.
  virtual Result<domain::FileRef> put_upload(const Upload& upload) = 0;

  // Store static file (or directory) `path` of a workflow version whose
  // files are `files`: a directory gathers the files below it. internal on
  // I/O errors.
  virtual Result<domain::FileRef> put_static(
    const std::vector<StoredWorkflowFile>& files,
    const std::string& path) = 0;

  // `inputs` with each file and directory value replaced by a local copy
  // for execution `execution_id` (a FileRef holding its absolute path),
  // under `dir` (created; a directory its runtime can read, e.g. inside a
  // sandbox: RuntimeLease::inputs_dir) or, when empty, a directory of the
  // staging's own; other values as they are. invalid_argument naming the
  // input when a copy cannot be made.
  virtual Result<domain::Values> stage_inputs(const std::string& execution_id,
                                              const domain::Values& inputs,
                                              const std::string& dir) = 0;

  // Remove what stage_inputs placed for `execution_id` under `dir` (the
  // same as given to it; nothing when none).
  virtual void discard(const std::string& execution_id,
                       const std::string& dir) = 0;

  // `outputs` with each file and directory value, an absolute path that
  // must lie inside `outputs_dir`, stored in the run file store.
  // invalid_argument naming the output for a path outside it, a link
  // escaping it or a file that cannot be stored.
  virtual Result<domain::Values> ingest_outputs(const std::string& outputs_dir,
                                                domain::Values outputs) = 0;

  // Remove `outputs_dir`, the collected outputs of one execution.
  virtual void remove_outputs(const std::string& outputs_dir) = 0;
};

// Names of new runs.
class IdGenerator
{
public:
  virtual ~IdGenerator() = default;

  // A run id never given before: "run-" and 12 lower-case hex digits.
  virtual std::string new_run_id() = 0;
};

} // namespace ryax::app
