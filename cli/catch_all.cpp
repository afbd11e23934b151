#include "cli/catch_all.hpp"

#include "cli/exit_code.hpp"
#include "cli/output/printable.hpp"

#include <algorithm>
#include <exception>
#include <ostream>
#include <string>

namespace ryax::cli {

namespace {

int
report(std::ostream& err, std::string what)
{
  std::replace(what.begin(), what.end(), '\n', ' '); // one line
  err << "ryax: error: " << output::printable(what) << std::endl;
  return k_exit_internal;
}

} // namespace

int
catch_all(const std::function<int()>& body, std::ostream& err)
{
  try {
    return body();
  } catch (const std::exception& e) {
    return report(err, e.what());
  } catch (...) {
    return report(err, "unknown exception");
  }
}

} // namespace ryax::cli
