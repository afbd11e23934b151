#include "cli/help/help_formatter.hpp"

#include "cli/help/examples.hpp"

#include <iostream>
#include <memory>
#include <sstream>

namespace ryax::cli::help {

std::vector<std::string>
wrap(const std::string& text, std::size_t width)
{
  std::vector<std::string> lines;
  std::istringstream paragraphs(text);
  for (std::string paragraph; std::getline(paragraphs, paragraph);) {
    std::istringstream words(paragraph);
    std::string line;
    for (std::string word; words >> word;) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        lines.push_back(line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    lines.push_back(line);
  }
  return lines;
}

std::string
help_row(const std::string& name, const std::string& description, std::size_t column)
{
  std::string out = "  " + name;
  if (description.empty()) {
    return out + "\n";
  }
  if (out.size() >= column) {
    out += "\n" + std::string(column, ' ');
  } else {
    out += std::string(column - out.size(), ' ');
  }
  const auto lines = wrap(description, k_help_width - column);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += (i == 0 ? "" : "\n" + std::string(column, ' ')) + lines[i];
  }
  return out + "\n";
}

std::string
path_of(const CLI::App* app)
{
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
    path = app->get_name() + (path.empty() ? "" : " " + path);
  }
  return path;
}

std::string
HelpFormatter::make_option(const CLI::Option* option, bool positional) const
{
  return help_row(make_option_name(option, positional) + make_option_opts(option),
                  make_option_desc(option), get_column_width());
}

std::string
HelpFormatter::make_subcommand(const CLI::App* sub) const
{
  return help_row(sub->get_display_name(true), sub->get_description(),
                  get_column_width());
}

std::string
HelpFormatter::make_description(const CLI::App* app) const
{
  const auto description = app->get_description();
  if (description.empty()) {
    return {};
  }
  std::string out;
  for (const auto& line : wrap(description, k_help_width)) {
    out += line + "\n";
  }
  return out;
}

std::string
HelpFormatter::make_footer(const CLI::App* app) const
{
  const CLI::App* root = app;
  while (root->get_parent() != nullptr) {
    root = root->get_parent();
  }
  if (root == app) {
    return app->get_footer().empty() ? std::string() : app->get_footer() + "\n";
  }
  std::string out;
  const auto found = examples().find(path_of(app));
  if (found != examples().end() && !found->second.empty()) {
    out += "Examples:\n";
    for (const auto& example : found->second) {
      out += "  # " + std::string(example.comment) + "\n  " + std::string(example.command)
             + "\n";
    }
    out += "\n";
  }
  const auto globals = root->get_options(
    [](const CLI::Option* option) { return option->get_group() == "Global options"; });
  if (!globals.empty()) {
    out += "Global options (see ryax --help, with the exit codes):\n";
    for (const auto* option : globals) {
      out += make_option(option, false);
    }
  }
  return out;
}

namespace {

// `text` safe in roff: backslashes and hyphens escaped, no control line.
std::string
roff_escaped(std::string_view text, bool hyphens)
{
  std::string out = text.starts_with('.') || text.starts_with('\'') ? "\\&" : "";
  for (const char c : text) {
    out += c == '\\' ? "\\e" : c == '-' && hyphens ? "\\-" : std::string(1, c);
  }
  return out;
}

} // namespace

std::string
examples_roff()
{
  std::string out;
  for (const auto& [path, list] : examples()) {
    out += ".SS \"" + roff_escaped(path, false) + "\"\n";
    for (const auto& example : list) {
      out += ".PP\n" + roff_escaped(example.comment, false) + ":\n.RS\n.EX\n"
             + roff_escaped(example.command, true) + "\n.EE\n.RE\n";
    }
  }
  return out;
}

void
register_help_command(CLI::App& app)
{
  auto* help = app.add_subcommand("help", "Print the help of ryax, or of a command "
                                          "(ryax help runs list)");
  auto words = std::make_shared<std::vector<std::string>>();
  help->add_option("command", *words, "The command, as typed after ryax");
  help->callback([&app] { std::cout << app.help(); });
}

} // namespace ryax::cli::help
