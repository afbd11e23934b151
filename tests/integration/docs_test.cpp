// The documentation follows the binaries: every command and option that `ryax`
// and `ryaxd` offer appears in the man pages and the shell completions, and
// the man pages render cleanly. The command lists are read from --help, so a
// new noun or verb fails here until it is documented.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string>
#include <vector>

using namespace ryax::test;

namespace {

// A command as typed after `ryax`: {"daemon", "start"}.
using CommandPath = std::vector<std::string>;

std::string
source_file(const std::string& relative)
{
  return read_file(std::string(RYAX_SOURCE_DIR) + "/" + relative);
}

std::vector<std::string>
lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

std::string
join(const CommandPath& path, const std::string& separator = " ")
{
  std::string out;
  for (const auto& part : path) {
    out += (out.empty() ? "" : separator) + part;
  }
  return out;
}

std::vector<std::string>
split_words(const std::string& text)
{
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    words.push_back(word);
  }
  return words;
}

// The names listed under "Subcommands:" in a CLI11 help text.
std::vector<std::string>
subcommands(const std::string& help)
{
  std::vector<std::string> names;
  bool inside = false;
  for (const auto& line : lines_of(help)) {
    if (line == "Subcommands:") {
      inside = true;
    } else if (inside && line.empty()) {
      break;
    } else if (inside && line.starts_with("  ") && line.size() > 2 &&
               line[2] != ' ') {
      names.push_back(split_words(line).front());
    }
  }
  return names;
}

// The long options of a CLI11 help text ("  -o,--output TEXT ..."), but
// --help, which every command has.
std::vector<std::string>
long_options(const std::string& help)
{
  std::vector<std::string> options;
  for (const auto& line : lines_of(help)) {
    if (!line.starts_with("  -")) {
      continue;
    }
    std::istringstream names(split_words(line).front());
    for (std::string name; std::getline(names, name, ',');) {
      if (name.starts_with("--") && name != "--help") {
        options.push_back(name);
      }
    }
  }
  return options;
}

// roff source as the reader sees it: no font changes, "\-" as "-", no "\%"
// and "\&".
std::string
plain_roff(const std::string& roff)
{
  std::string out;
  for (std::size_t i = 0; i < roff.size(); ++i) {
    if (roff[i] != '\\' || i + 1 >= roff.size()) {
      out += roff[i];
      continue;
    }
    const char next = roff[i + 1];
    if (next == '-') {
      out += '-';
      ++i;
    } else if (next == '%' || next == '&') {
      ++i;
    } else if (next == 'f' && i + 2 < roff.size()) {
      i += 2;
    } else {
      out += roff[i];
    }
  }
  return out;
}

bool
word_char(char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
         c == '_';
}

// Does `phrase` occur in `text` as whole words?
bool
has_phrase(const std::string& text, const std::string& phrase)
{
  for (auto at = text.find(phrase); at != std::string::npos;
       at = text.find(phrase, at + 1)) {
    const auto end = at + phrase.size();
    if ((at == 0 || !word_char(text[at - 1])) &&
        (end == text.size() || !word_char(text[end]))) {
      return true;
    }
  }
  return false;
}

// The lines of `text` from the one starting with `open` to the next ")".
std::string
block(const std::string& text, const std::string& open)
{
  const auto begin = text.find(open);
  if (begin == std::string::npos) {
    return {};
  }
  const auto end = text.find("\n)", begin);
  return text.substr(begin, end == std::string::npos ? end : end - begin);
}

// The words of the value on the line of `block_text` that starts with
// `key` (after indentation), quotes removed.
std::vector<std::string>
table_entry(const std::string& block_text, const std::string& key)
{
  for (auto line : lines_of(block_text)) {
    line.erase(0, line.find_first_not_of(' '));
    if (!line.starts_with(key)) {
      continue;
    }
    auto value = line.substr(key.size());
    std::erase(value, '"');
    std::erase(value, '\'');
    std::replace(value.begin(), value.end(), '|', ' ');
    return split_words(value);
  }
  return {};
}

ProcessResult
help_of(const CommandPath& path)
{
  std::vector<std::string> argv{ ryax_binary() };
  argv.insert(argv.end(), path.begin(), path.end());
  argv.emplace_back("--help");
  auto result = run(argv);
  REQUIRE_MESSAGE(result.exit_code == 0, join(argv), ": ", result.err);
  return result;
}

// Every command of `ryax`, depth first, from the --help texts: {"version"},
// {"daemon"}, {"daemon", "start"}, ...
std::vector<CommandPath>
all_commands()
{
  std::vector<CommandPath> commands;
  std::vector<CommandPath> todo{ {} };
  while (!todo.empty()) {
    const auto path = todo.back();
    todo.pop_back();
    for (const auto& name : subcommands(help_of(path).out)) {
      auto child = path;
      child.push_back(name);
      commands.push_back(child);
      todo.push_back(child);
    }
  }
  return commands;
}

bool
program_available(const std::string& name)
{
  return run({ "sh", "-c", "command -v " + name }).exit_code == 0;
}

} // namespace

TEST_SUITE_BEGIN("integration: docs");

TEST_CASE("the --help parsers find the commands that exist today")
{
  const auto commands = all_commands();
  const auto has = [&](const CommandPath& path) {
    return std::find(commands.begin(), commands.end(), path) != commands.end();
  };
  CHECK(has({ "version" }));
  CHECK(has({ "daemon" }));
  CHECK(has({ "daemon", "start" }));
  CHECK(has({ "daemon", "stop" }));
  CHECK(has({ "daemon", "status" }));
  CHECK_FALSE(has({ "daemon", "raise-error" })); // hidden test hook
  const auto options = long_options(help_of({ "daemon", "start" }).out);
  CHECK(std::find(options.begin(), options.end(), "--data-dir") !=
        options.end());
}

TEST_CASE("every ryax command and option is in man/ryax.1")
{
  const auto man = plain_roff(source_file("man/ryax.1"));
  REQUIRE_FALSE(man.empty());
  for (const auto& command : all_commands()) {
    CAPTURE(join(command));
    CHECK_MESSAGE(has_phrase(man, "ryax " + join(command)),
                  "man/ryax.1 does not show \"ryax ",
                  join(command),
                  "\"");
  }
  std::vector<CommandPath> with_top{ {} };
  const auto commands = all_commands();
  with_top.insert(with_top.end(), commands.begin(), commands.end());
  for (const auto& command : with_top) {
    for (const auto& option : long_options(help_of(command).out)) {
      CAPTURE(join(command));
      CHECK_MESSAGE(has_phrase(man, option), "man/ryax.1 lacks ", option);
    }
  }
}

TEST_CASE("every exit code of ryax --help is in man/ryax.1")
{
  const auto man = source_file("man/ryax.1");
  const auto section = man.substr(man.find(".SH EXIT STATUS"));
  bool inside = false;
  int found = 0;
  for (const auto& line : lines_of(help_of({}).out)) {
    if (line == "Exit codes:") {
      inside = true;
    } else if (inside && line.starts_with("  ")) {
      const auto code = split_words(line).front();
      CHECK_MESSAGE(section.find("\n.B " + code + "\n") != std::string::npos,
                    "man/ryax.1 EXIT STATUS lacks ",
                    code);
      ++found;
    } else if (inside) {
      break;
    }
  }
  CHECK(found == 9);
}

TEST_CASE("every ryax command and option is in the bash and zsh completions")
{
  const auto bash = source_file("completions/ryax.bash");
  const auto zsh = source_file("completions/_ryax");
  REQUIRE_FALSE(bash.empty());
  REQUIRE_FALSE(zsh.empty());
  const auto bash_nouns = table_entry(bash, "_ryax_nouns=");
  const auto bash_verbs = block(bash, "declare -gA _ryax_verbs=(");
  const auto zsh_verbs = block(zsh, "local -A verbs=(");
  const auto zsh_nouns = block(zsh, "local -a nouns=(");
  const auto contains = [](const std::vector<std::string>& words,
                           const std::string& word) {
    return std::find(words.begin(), words.end(), word) != words.end();
  };
  for (const auto& command : all_commands()) {
    CAPTURE(join(command));
    if (command.size() == 1) {
      CHECK_MESSAGE(contains(bash_nouns, command[0]),
                    "completions/ryax.bash: add it to _ryax_nouns");
      CHECK_MESSAGE(zsh_nouns.find("'" + command[0] + ":") != std::string::npos,
                    "completions/_ryax: add it to nouns");
    } else if (command.size() == 2) {
      const auto verbs = table_entry(bash_verbs, "[" + command[0] + "]=");
      CHECK_MESSAGE(contains(verbs, command[1]),
                    "completions/ryax.bash: add it to _ryax_verbs[",
                    command[0],
                    "]");
      const auto zsh_entry = block(zsh_verbs, "[" + command[0] + "]=");
      const auto line = zsh_entry.substr(0, zsh_entry.find('\n'));
      const auto quoted = line.find("'" + command[1] + ":");
      const auto piped = line.find("|" + command[1] + ":");
      CHECK_MESSAGE((quoted != std::string::npos || piped != std::string::npos),
                    "completions/_ryax: add it to verbs[",
                    command[0],
                    "]");
    } else {
      CHECK(has_phrase(bash, command.back()));
      CHECK(has_phrase(zsh, command.back()));
    }
  }
  std::vector<CommandPath> with_top{ {} };
  const auto commands = all_commands();
  with_top.insert(with_top.end(), commands.begin(), commands.end());
  for (const auto& command : with_top) {
    for (const auto& option : long_options(help_of(command).out)) {
      CAPTURE(join(command));
      CHECK_MESSAGE(
        has_phrase(bash, option), "completions/ryax.bash lacks ", option);
      CHECK_MESSAGE(
        has_phrase(zsh, option), "completions/_ryax lacks ", option);
    }
  }
}

TEST_CASE("every ryaxd setting and option is in man/ryaxd.8")
{
  const auto man = plain_roff(source_file("man/ryaxd.8"));
  REQUIRE_FALSE(man.empty());
  TempDir dir;
  const EnvOverrides env = {
    { "RYAX_HOME", dir / "home" },      { "RYAX_CONFIG", std::nullopt },
    { "RYAX_SOCKET", std::nullopt },    { "RYAX_LISTEN", std::nullopt },
    { "RYAX_LOG_LEVEL", std::nullopt }, { "RYAX_LOG_FILE", std::nullopt },
  };
  const auto config = run({ ryaxd_binary(), "--print-config" }, env);
  REQUIRE_MESSAGE(config.exit_code == 0, config.err);
  int keys = 0;
  for (const auto& line : lines_of(config.out)) {
    const auto key = line.substr(0, line.find(':'));
    CAPTURE(key);
    CHECK_MESSAGE(has_phrase(man, key), "man/ryaxd.8 lacks the key ", key);
    ++keys;
  }
  CHECK(keys >= 7);

  const auto help = run({ ryaxd_binary(), "--help" });
  REQUIRE(help.exit_code == 0);
  for (const auto& option : long_options(help.out)) {
    CHECK_MESSAGE(has_phrase(man, option), "man/ryaxd.8 lacks ", option);
  }
}

TEST_CASE("the man pages render without warnings")
{
  if (!program_available("man")) {
    MESSAGE("man is not installed: rendering not checked");
    return;
  }
  for (const char* page : { "man/ryax.1", "man/ryaxd.8" }) {
    CAPTURE(page);
    const auto rendered = run(
      { "man", "--warnings", "-l", std::string(RYAX_SOURCE_DIR) + "/" + page },
      { { "MANWIDTH", "80" }, { "MANPAGER", "cat" }, { "PAGER", "cat" } });
    CHECK(rendered.exit_code == 0);
    CHECK(rendered.err == "");
    CHECK(rendered.out.find("NAME") != std::string::npos);
  }
}

TEST_CASE("the README's first screen shows the two set-up commands")
{
  const auto readme = source_file("README.md");
  const auto lines = lines_of(readme);
  std::string first_screen;
  for (std::size_t i = 0; i < lines.size() && i < 24; ++i) {
    first_screen += lines[i] + "\n";
  }
  CHECK(first_screen.find("scripts/quickstart") != std::string::npos);
  CHECK(first_screen.find("scripts/test") != std::string::npos);
}

TEST_SUITE_END();
