#pragma once

namespace CLI {
class App;
} // namespace CLI

namespace ryax::cli {

// The names kubectl and gh users type, as aliases of every command that
// has the verb: `ls` for list, `delete` for rm, `get` for show. Call once,
// after every command is registered.
void register_aliases(CLI::App& app);

} // namespace ryax::cli
