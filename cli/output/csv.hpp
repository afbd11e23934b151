#pragma once

#include "cli/output/output.hpp"

#include <iosfwd>
#include <string>
#include <string_view>

namespace ryax::cli::output {

// `field` as one CSV field (RFC 4180): as it is, or in double quotes with
// inner quotes doubled when it holds a comma, a quote, a CR or an LF (or
// begins or ends with a space, which some readers trim).
std::string csv_field(std::string_view field);

// `table` as RFC 4180 CSV: the header row first unless `headers` is false,
// then one record per row, every line ended by CRLF.
void print_csv(std::ostream& out, const Table& table, bool headers);

} // namespace ryax::cli::output
