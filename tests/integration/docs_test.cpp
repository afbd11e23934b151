// The documentation follows the binaries: every command and option that `ryax`
// and `ryaxd` offer appears in the man pages and the shell completions, and
// the man pages render cleanly. The command lists are read from --help, so a
// new noun or verb fails here until it is documented.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/text.hpp"
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
      // "  list, ls   List ...": the name, then its aliases.
      auto name = split_words(line).front();
      if (name.ends_with(',')) {
        name.pop_back();
      }
      names.push_back(name);
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

TEST_CASE("the scripts in completions/ are what ryax completion prints")
{
  const std::vector<std::pair<std::string, std::string>> scripts = {
    { "bash", "completions/ryax.bash" },
    { "zsh", "completions/_ryax" },
    { "fish", "completions/ryax.fish" },
  };
  for (const auto& [shell, file] : scripts) {
    CAPTURE(shell);
    const auto printed = run({ ryax_binary(), "completion", shell });
    REQUIRE(printed.exit_code == 0);
    CHECK(printed.out.find("__complete " + shell) != std::string::npos);
    CHECK_MESSAGE(source_file(file) == printed.out,
                  file,
                  " differs from `ryax completion ",
                  shell,
                  "`: cmake --build build --target completions");
  }
}

TEST_CASE("completion offers every ryax command and option of --help, "
          "described")
{
  // `ryax __complete fish -- PATH... WORD` prints "VALUE<TAB>DESCRIPTION".
  const auto complete = [](const CommandPath& path, const std::string& word) {
    std::vector<std::string> argv{ ryax_binary(), "__complete", "fish", "--" };
    argv.insert(argv.end(), path.begin(), path.end());
    argv.push_back(word);
    const auto result =
      run(argv, { { "RYAX_SOCKET", "/nonexistent/ryaxd.sock" } });
    REQUIRE(result.exit_code == 0);
    return lines_of(result.out);
  };
  const auto offered = [](const std::vector<std::string>& lines,
                          const std::string& value) {
    return std::any_of(
      lines.begin(), lines.end(), [&](const std::string& line) {
        return line.starts_with(value + "\t") && line.size() > value.size() + 1;
      });
  };
  std::vector<CommandPath> with_top{ {} };
  const auto commands = all_commands();
  with_top.insert(with_top.end(), commands.begin(), commands.end());
  for (const auto& command : with_top) {
    CAPTURE(join(command));
    const auto help = help_of(command).out;
    const auto words = complete(command, "");
    for (const auto& sub : subcommands(help)) {
      CHECK_MESSAGE(offered(words, sub), "not completed: ", sub);
    }
    const auto options = complete(command, "-");
    for (const auto& option : long_options(help)) {
      CHECK_MESSAGE(offered(options, option), "not completed: ", option);
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
  for (const char* page : { "man/ryax.1", "man/ryaxd.8", "man/ryax-wrapper.1" }) {
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

TEST_CASE("every command's --help has examples, and man/ryax.1 has the same")
{
  // The section between the markers is what `ryax __examples` prints.
  const auto man = source_file("man/ryax.1");
  const std::string begin = ".\\\" BEGIN GENERATED EXAMPLES";
  const std::string end = ".\\\" END GENERATED EXAMPLES";
  const auto from = man.find('\n', man.find(begin)) + 1;
  const auto to = man.find(end);
  REQUIRE(man.find(begin) != std::string::npos);
  REQUIRE(to != std::string::npos);
  const auto roff = run({ ryax_binary(), "__examples" });
  REQUIRE(roff.exit_code == 0);
  CHECK_MESSAGE(man.substr(from, to - from) == roff.out,
                "man/ryax.1 EXAMPLES differ from --help: run ninja -C build man-examples");
  for (const auto& command : all_commands()) {
    CAPTURE(join(command));
    const auto help = help_of(command).out;
    CHECK(help.find("\nExamples:\n  # ") != std::string::npos);
    // Wrapped at 80 columns; the exit codes only in ryax --help.
    for (const auto& line : lines_of(help)) {
      CHECK_MESSAGE(line.size() <= 80, line);
    }
    CHECK(help.find("Exit codes:") == std::string::npos);
    CHECK(help.find("\nGlobal options (see ryax --help, with the exit codes):\n") != std::string::npos);
  }
  CHECK(help_of({}).out.find("\nExit codes:\n") != std::string::npos);
}

TEST_CASE("every example is its command with options that command takes")
{
  // "  # comment" then "  ryax PATH... ARGS" under "Examples:".
  const auto commands = all_commands();
  for (const auto& command : commands) {
    CAPTURE(join(command));
    const auto help = help_of(command).out;
    bool inside = false;
    for (const auto& line : lines_of(help)) {
      if (line == "Examples:") {
        inside = true;
        continue;
      }
      if (!inside || line.starts_with("  # ")) {
        inside = inside && !line.empty();
        continue;
      }
      if (line.empty()) {
        break;
      }
      CAPTURE(line);
      const auto example = line.substr(2);
      REQUIRE(example.starts_with("ryax " + join(command)));
      // The command it runs: the longest path of known commands it starts
      // with; its options, and the global ones, are the ones it may use.
      auto words = split_words(example);
      CommandPath path;
      for (std::size_t i = 1; i < words.size(); ++i) {
        auto longer = path;
        longer.push_back(words[i]);
        if (std::find(commands.begin(), commands.end(), longer) == commands.end()) {
          break;
        }
        path = longer;
      }
      const auto options = help_of(path).out;
      for (const auto& word : words) {
        if (word == "|" || word == ">" || word == "<") {
          break; // the rest is another program, or a file
        }
        if (!word.starts_with("-") || word == "-") {
          continue;
        }
        const auto name = word.substr(0, word.find('='));
        CHECK_MESSAGE(has_phrase(options, name), name, " is not an option of ryax ",
                      join(path));
      }
    }
  }
}

TEST_SUITE_END();
