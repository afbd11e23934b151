#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::build {

// A project name in PEP 503 normal form: lower case, runs of '-', '_' and
// '.' replaced by one '-'.
std::string normalize_project_name(std::string_view name);

// The normalised project name a requirements line installs ("numpy" for
// "NumPy>=1.0 ; python_version>'3'"), or "" for a blank line, a comment, an
// option (-r, --index-url...) or a URL/path without a "name @" part.
std::string requirement_project(std::string_view line);

// Whether `requirements` has at least one line that installs something
// (anything but blanks and comments).
bool has_requirements(std::string_view requirements);

// A line of a requirements file.
struct RequirementLine
{
  int number = 0;   // 1-based
  std::string text; // trimmed, comment included
};

// The line of `requirements` that pip's output blames: the one named by
// "(from line N of ...)", else the one whose project pip names in an error
// ("satisfies the requirement X", "No matching distribution found for X",
// "Invalid requirement: 'X'", "Failed to build X"...), else the first line
// whose project appears as a word in pip's ERROR lines. nullopt when none.
std::optional<RequirementLine> blamed_requirement(
  std::string_view requirements,
  const std::vector<std::string>& pip_output);

// pip's own one-line summary of the failure: the most specific "ERROR:"
// line of `pip_output` (skipping "Ignored the following versions..."), else
// its last non-empty line, else "exited with code N".
std::string pip_error_summary(const std::vector<std::string>& pip_output,
                              int exit_code);

// The one-line build error for a failed pip install of `file` (as shown to
// users, e.g. "requirements.txt"): `requirements.txt:2: "bad==1.0": pip:
// ERROR: ...`, or `requirements.txt: pip: ERROR: ...` when no line is blamed.
std::string describe_pip_failure(const std::string& file,
                                 std::string_view requirements,
                                 const std::vector<std::string>& pip_output,
                                 int exit_code);

} // namespace ryax::infra::build
