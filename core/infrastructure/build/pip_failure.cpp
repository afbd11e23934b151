#include "core/infrastructure/build/pip_failure.hpp"

#include <array>
#include <cctype>
#include <charconv>

namespace ryax::infra::build {

namespace {

std::string_view
trim(std::string_view text)
{
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool
is_name_char(char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
         c == '.';
}

// The project-name-like word at the start of `text` ("" when none).
std::string_view
leading_name(std::string_view text)
{
  std::size_t end = 0;
  while (end < text.size() && is_name_char(text[end])) {
    ++end;
  }
  return text.substr(0, end);
}

std::vector<std::string_view>
split_lines(std::string_view text)
{
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool
is_error_line(std::string_view line)
{
  return trim(line).starts_with("ERROR:");
}

// "(from line N of FILE)" in an ERROR line: N.
std::optional<int>
line_number_in(std::string_view line)
{
  constexpr std::string_view k_marker = "(from line ";
  const auto at = line.find(k_marker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  const auto digits = line.substr(at + k_marker.size());
  int number = 0;
  const auto [end, ec] =
    std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc() || end == digits.data()) {
    return std::nullopt;
  }
  return number;
}

// The project names pip's error lines point at, most specific first.
std::vector<std::string>
named_projects(const std::vector<std::string>& pip_output)
{
  constexpr std::array<std::string_view, 6> k_markers = {
    "satisfies the requirement ", "No matching distribution found for ",
    "Invalid requirement: '",     "Could not build wheels for ",
    "Failed to build ",           "Cannot install ",
  };
  std::vector<std::string> names;
  for (const auto& line : pip_output) {
    for (const auto marker : k_markers) {
      const auto at = line.find(marker);
      if (at == std::string::npos) {
        continue;
      }
      const auto name =
        leading_name(std::string_view(line).substr(at + marker.size()));
      if (!name.empty()) {
        names.push_back(normalize_project_name(name));
      }
    }
  }
  return names;
}

} // namespace

std::string
normalize_project_name(std::string_view name)
{
  std::string result;
  bool in_separator = false;
  for (const char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      in_separator = true;
      continue;
    }
    if (in_separator && !result.empty()) {
      result.push_back('-');
    }
    in_separator = false;
    result.push_back(
      static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return result;
}

std::string
requirement_project(std::string_view line)
{
  line = trim(line);
  if (line.empty() || line.front() == '#' || line.front() == '-') {
    return {};
  }
  const auto name = leading_name(line);
  const auto rest = trim(line.substr(name.size()));
  // A bare URL or path ("./pkg", "https://...") names no project unless
  // written "name @ url".
  if (name.empty() || rest.starts_with(":") || rest.starts_with("/")) {
    return {};
  }
  return normalize_project_name(name);
}

bool
has_requirements(std::string_view requirements)
{
  for (const auto line : split_lines(requirements)) {
    const auto text = trim(line);
    if (!text.empty() && text.front() != '#') {
      return true;
    }
  }
  return false;
}

std::optional<RequirementLine>
blamed_requirement(std::string_view requirements,
                   const std::vector<std::string>& pip_output)
{
  const auto lines = split_lines(requirements);
  const auto at = [&](std::size_t index) {
    return RequirementLine{ static_cast<int>(index) + 1,
                            std::string(trim(lines[index])) };
  };
  for (const auto& line : pip_output) {
    if (!is_error_line(line)) {
      continue;
    }
    if (const auto number = line_number_in(line);
        number && *number >= 1 && *number <= static_cast<int>(lines.size())) {
      return at(static_cast<std::size_t>(*number - 1));
    }
  }
  for (const auto& name : named_projects(pip_output)) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (requirement_project(lines[i]) == name) {
        return at(i);
      }
    }
  }
  // Last resort: a requirement whose project is a word of an ERROR line.
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto project = requirement_project(lines[i]);
    if (project.empty()) {
      continue;
    }
    for (const auto& line : pip_output) {
      if (!is_error_line(line)) {
        continue;
      }
      std::string_view rest(line);
      while (!rest.empty()) {
        const auto word = leading_name(rest);
        if (!word.empty() && normalize_project_name(word) == project) {
          return at(i);
        }
        rest.remove_prefix(word.empty() ? 1 : word.size());
      }
    }
  }
  return std::nullopt;
}

std::string
pip_error_summary(const std::vector<std::string>& pip_output, int exit_code)
{
  std::string first_error;
  for (const auto& line : pip_output) {
    const auto text = trim(line);
    if (!text.starts_with("ERROR:") ||
        text.starts_with("ERROR: Ignored the following")) {
      continue;
    }
    if (text.find("satisfies the requirement") != std::string_view::npos ||
        text.find("Invalid requirement") != std::string_view::npos) {
      return std::string(text);
    }
    if (first_error.empty()) {
      first_error = text;
    }
  }
  if (!first_error.empty()) {
    return first_error;
  }
  for (auto it = pip_output.rbegin(); it != pip_output.rend(); ++it) {
    if (!trim(*it).empty()) {
      return std::string(trim(*it));
    }
  }
  return "exited with code " + std::to_string(exit_code);
}

std::string
describe_pip_failure(const std::string& file,
                     std::string_view requirements,
                     const std::vector<std::string>& pip_output,
                     int exit_code)
{
  const auto summary = pip_error_summary(pip_output, exit_code);
  if (const auto blamed = blamed_requirement(requirements, pip_output)) {
    return file + ":" + std::to_string(blamed->number) + ": \"" + blamed->text +
           "\": pip: " + summary;
  }
  return file + ": pip: " + summary;
}

} // namespace ryax::infra::build
