#pragma once

#include <string>
#include <vector>

namespace ryax::wrapper {

// How the user's code is isolated (InitializeRequest.sandbox).
struct SandboxSettings
{
  std::string bwrap;                  // bubblewrap's path; empty: none
  bool network = true;                // may use the network
  std::vector<std::string> hide;      // paths hidden from the code
  std::vector<std::string> read_only; // shown read-only after hiding
  std::vector<std::string> writable;  // also read-write, after hiding
};

// The bubblewrap command line that runs a runtime sandboxed, to put before
// its own argv: a user namespace (the code runs as uid and gid 65534,
// without capabilities), a pid namespace (everything the code starts dies
// with it: bwrap --die-with-parent), IPC and UTS namespaces, the network
// namespace of its own unless `settings.network`; the whole system
// read-only, a private /tmp, /dev and /proc of its own; each `hide`
// `writable` directory read-write, then each `hide` directory an empty tmpfs
// and each hidden file /dev/null (so a writable directory holding the data
// dir does not show it); then the `read_only` paths, and `work_root`
// read-write.
// Empty when settings.bwrap is empty.
std::vector<std::string> sandbox_argv(const SandboxSettings& settings,
                                      const std::string& work_root);

} // namespace ryax::wrapper
