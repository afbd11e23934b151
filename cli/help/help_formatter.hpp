#pragma once

#include <CLI/CLI.hpp>

#include <string>

// How `ryax ... --help` reads: text wrapped at word boundaries to 80
// columns, each command's examples (cli/help/examples.cpp), the global
// options under every command, and the exit codes once, in `ryax --help`.
namespace ryax::cli::help {

inline constexpr std::size_t k_help_width = 80;

// `text` wrapped at spaces into lines of at most `width` characters (a word
// longer than that stands alone); its own newlines are kept.
std::vector<std::string> wrap(const std::string& text, std::size_t width);

// "  NAME   DESCRIPTION" with the description from `column` wrapped to
// k_help_width, on the next line when NAME reaches the column.
std::string help_row(const std::string& name,
                     const std::string& description,
                     std::size_t column);

// The command path of `app` ("runs list"; "" for ryax itself).
std::string path_of(const CLI::App* app);

// `ryax help [CMD...]`: main() reads `ryax help CMD...` as `ryax CMD...
// --help`; this command is what --help and completion show, and prints the
// help of ryax itself.
void register_help_command(CLI::App& app);

// The EXAMPLES section of ryax(1), in roff, from the same table as --help
// (`ryax __examples`; `ninja -C build man-examples` puts it in man/ryax.1).
std::string examples_roff();

class HelpFormatter final : public CLI::Formatter
{
public:
  std::string make_option(const CLI::Option* option, bool positional) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_description(const CLI::App* app) const override;
  // ryax: its footer (the exit codes). A command: its examples, then the
  // global options it takes too.
  std::string make_footer(const CLI::App* app) const override;
};

} // namespace ryax::cli::help
