#include "cli/output/output.hpp"
#include "cli/output/printable.hpp"

#include <doctest/doctest.h>

#include <sstream>

using ryax::cli::output::print_fields;
using ryax::cli::output::print_safely;
using ryax::cli::output::printable;
using ryax::cli::output::printable_text;
using ryax::cli::output::table_lines;
using ryax::cli::output::terminal_safe;

TEST_CASE("printable keeps printable text as it is")
{
  CHECK(printable("") == "");
  CHECK(printable("hello world") == "hello world");
  CHECK(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(printable("a\\nb") == "a\\nb"); // a backslash is not doubled
}

TEST_CASE("printable escapes C0 controls and DEL visibly")
{
  CHECK(printable("\x1b[2J") == "\\x1b[2J");
  CHECK(printable("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(printable("a\nb\tc\rd") == "a\\nb\\tc\\rd");
  CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(printable("\x7f") == "\\x7f");
  CHECK(printable("\x08\x1f") == "\\x08\\x1f");
}

TEST_CASE("printable escapes C1 controls as code points")
{
  CHECK(printable("\xc2\x9b" "31m") == "\\u009b31m"); // CSI
  CHECK(printable("\xc2\x80\xc2\x9f") == "\\u0080\\u009f");
  CHECK(printable("\xc2\xa0") == "\xc2\xa0"); // U+00A0 is not a control
}

TEST_CASE("printable replaces invalid UTF-8 with U+FFFD")
{
  const std::string fffd = "\xef\xbf\xbd";
  CHECK(printable("\xff") == fffd);
  CHECK(printable("a\x80z") == "a" + fffd + "z");
  CHECK(printable("\xc3") == fffd);                 // cut short
  CHECK(printable("\xc0\xaf") == fffd + fffd);      // overlong
  CHECK(printable("\xe0\x80\x80") == fffd + fffd + fffd);
  CHECK(printable("\xed\xa0\x80") == fffd + fffd + fffd); // a surrogate
  CHECK(printable("\xf4\x90\x80\x80") == fffd + fffd + fffd + fffd);
  CHECK(printable("\xe2\x82" "x") == fffd + "x");   // one maximal subpart
}

TEST_CASE("printable_text keeps newlines and tabs only")
{
  CHECK(printable_text("line 1\n\tline 2\n") == "line 1\n\tline 2\n");
  CHECK(printable_text("\x1b[31mred\r\n") == "\\x1b[31mred\\r\n");
}

TEST_CASE("table cells print escaped on one line and align")
{
  ryax::cli::output::Table table{ { "ID", "NAME" },
                                  { { "a", "\x1b[2Jx" }, { "b", "two\nlines" } } };
  const auto lines = table_lines(table, false);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "ID  NAME");
  CHECK(lines[1] == "a   \\x1b[2Jx");
  CHECK(lines[2] == "b   two\\nlines");
  const auto bold = table_lines(table, true);
  CHECK(bold[0] == "\x1b[1mID  NAME\x1b[0m");
}

TEST_CASE("fields print escaped")
{
  std::ostringstream out;
  print_fields(out, { { "id", "x" }, { "name", "\x1b]0;pwned\x07" } });
  CHECK(out.str() == "id:   x\nname: \\x1b]0;pwned\\x07\n");
}

TEST_CASE("terminal_safe keeps only the header escapes")
{
  CHECK(terminal_safe("\x1b[1mID\x1b[0m\nrow \x1b[2J\n") ==
        "\x1b[1mID\x1b[0m\nrow \\x1b[2J\n");
  std::ostringstream out;
  print_safely(out, [](std::ostream& o) { o << "error: \x1b]0;t\x07\n\tat x\n"; });
  CHECK(out.str() == "error: \\x1b]0;t\\x07\n\tat x\n");
}
