#pragma once

#include <functional>
#include <iosfwd>

namespace ryax::cli {

// Run `body`, the whole of ryax's main, and return its exit code. ryax
// never aborts: an exception escaping `body` (a bug, std::bad_alloc, a
// library that throws) is printed on `err` as one line, "ryax: error:
// <what>", and gives k_exit_internal (1).
int catch_all(const std::function<int()>& body, std::ostream& err);

} // namespace ryax::cli
