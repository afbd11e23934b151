#pragma once

#include "core/domain/catalogue.hpp"
#include "core/domain/error.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// One build: an action version, its files and where to put the result.
struct BuildRequest
{
  // Metadata (type, kind, options_json, dependencies) and tree_id.
  domain::ActionVersion action;
  // The action's files, already extracted; only read.
  std::string source_dir;
  // An existing empty directory that the build fills: the immutable bundle.
  // Its parent is private to this build and removed after it (the builder
  // may keep scratch files there, e.g. the HOME of its tools).
  std::string bundle_dir;
  // Receives the build log line by line, without the newline. Calls are
  // serialised; they may come from a thread other than the caller's.
  std::function<void(std::string_view line)> log;
  // Polled while the build runs (every 100 ms or so); when it returns true
  // the running tool is killed and the build fails with failed_precondition
  // "build cancelled". May be empty.
  std::function<bool()> cancelled;
};

// What a successful build produced.
struct BuildOutcome
{
  // The ryax_lock.json written into the bundle.
  std::string lock_json;
  // Things the user should know, e.g. Nix dependencies not installed.
  std::vector<std::string> warnings;
  // The runtime binary: relative to bundle_dir ("env/bin/python3") when it
  // is inside the bundle, absolute otherwise (node); "" for internal.
  std::string interpreter;
  // Version of that runtime ("3.11.7", "20.20.2"); "" for internal.
  std::string runtime_version;
};

// Turns an action's files into a runnable bundle.
class ActionBuilder
{
public:
  virtual ~ActionBuilder() = default;

  // The part of the content key that depends on this machine's toolchain
  // for `action`, e.g. "python3 /usr/bin/python3.11 3.11.2 builder-1".
  // failed_precondition saying what is missing (for an unavailable python
  // version: which interpreters exist).
  virtual Result<std::string> toolchain_fingerprint(
    const domain::ActionVersion& action) = 0;

  // Build into request.bundle_dir. failed_precondition with a one-line
  // reason: pip's or npm's own message (with the offending requirements.txt
  // line for pip), a missing toolchain, "build cancelled"; the log has the
  // details. internal when files cannot be written.
  virtual Result<BuildOutcome> build(const BuildRequest& request) = 0;
};

} // namespace ryax::app
