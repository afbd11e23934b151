#pragma once

#include <string>
#include <string_view>

namespace ryax::cli::output {

// `text` made safe to show on a terminal, on one line: every C0 control
// character becomes a visible escape ("\n", "\t", "\r", else "\xHH": ESC is
// "\x1b"), DEL "\x7f", a C1 control (U+0080..U+009F) "\u0080".."\u009f", and
// each invalid UTF-8 sequence U+FFFD. Other text (backslashes included) is
// unchanged: the exact text is in -o json.
std::string printable(std::string_view text);

// printable(text), keeping newlines and tabs: for text of several lines
// (error messages, tracebacks).
std::string printable_text(std::string_view text);

} // namespace ryax::cli::output
