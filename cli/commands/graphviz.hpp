#pragma once

#include "core/domain/error.hpp"

#include <string>

// `ryax workflow graph --format svg|png`: the DOT text drawn by Graphviz.
namespace ryax::cli {

// Run Graphviz's dot (found on $PATH) on `dot_text` with -T`format`, its
// output on ryax's standard output. failed_precondition when dot is not
// installed (saying how to get it); invalid_argument for a PNG to a
// terminal; internal when dot fails.
Result<void> render_graph(const std::string& dot_text, const std::string& format);

} // namespace ryax::cli
