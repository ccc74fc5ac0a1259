// Reading a series of access counts: one non-negative number per line, or a
// CSV whose header has a `value` column. Anything else is refused with the
// line number.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

namespace ds::forecast {

/// A malformed series: what() names the line.
struct series_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads the whole stream. Blank lines are allowed only at the end.
/// Throws series_error (negative, NaN, infinite or non-numeric values, a CSV
/// row without the value column, an empty series).
std::vector<double> read_series(std::istream& in);

} // namespace ds::forecast
