#pragma once

#include "core/domain/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ryax::cli {

// A remote ryaxd the user logged in to (`ryax login`).
struct SavedContext
{
  std::string name;        // "user@host:port" unless --context named it
  std::string server;      // HOST:PORT
  std::string ca_pem;      // the CA pinned at login
  std::string user;
  std::string token;       // the session token
  std::string project;     // "" for the user's current project
};

// The contexts file: every context and the current one ("" for the local
// daemon).
struct ContextFile
{
  std::string current;
  std::vector<SavedContext> contexts;

  // The context named `name`, or nullptr.
  const SavedContext* find(const std::string& name) const;
  // The first context whose server is `server`, or nullptr.
  const SavedContext* for_server(const std::string& server) const;
};

// The name `ryax context use` gives the local daemon (no context).
inline constexpr const char* k_local_context = "local";

// $XDG_CONFIG_HOME/ryax/config.yaml, else ~/.config/ryax/config.yaml.
// invalid_argument when neither XDG_CONFIG_HOME nor HOME is set.
Result<std::string> contexts_path();

// The contexts file; empty when there is none. invalid_argument naming the
// file and the line for a malformed one.
Result<ContextFile> load_contexts();

// Write `file` (mode 0600, atomically), creating its directory.
Result<void> save_contexts(const ContextFile& file);

} // namespace ryax::cli
