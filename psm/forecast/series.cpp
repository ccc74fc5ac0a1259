#include "psm/forecast/series.hpp"

#include <cmath>
#include <cstdlib>
#include <istream>

namespace ds::forecast {

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else
      cur += c;
  }
  out.push_back(cur);
  for (auto& f : out) { // trim spaces
    auto a = f.find_first_not_of(" \t");
    auto b = f.find_last_not_of(" \t");
    f = a == std::string::npos ? "" : f.substr(a, b - a + 1);
  }
  return out;
}

double parse_value(const std::string& text, std::size_t line) {
  auto where = "line " + std::to_string(line) + ": ";
  if (text.empty())
    throw series_error(where + "no value");
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    throw series_error(where + "'" + text + "' is not a number");
  if (!std::isfinite(v))
    throw series_error(where + "'" + text + "' is not a finite number");
  if (v < 0)
    throw series_error(where + "negative value " + text +
                       " (access counts are >= 0)");
  return v;
}

} // namespace

std::vector<double> read_series(std::istream& in) {
  std::vector<double> out;
  std::string line;
  std::size_t n = 0, blank_at = 0;
  int column = -1; // CSV: index of `value`
  std::size_t columns = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      if (!blank_at)
        blank_at = n;
      continue;
    }
    if (blank_at)
      throw series_error("line " + std::to_string(blank_at) +
                         ": blank line inside the series");
    if (n == 1 && line.find(',') != std::string::npos) {
      auto head = split_csv(line);
      for (std::size_t i = 0; i < head.size(); ++i)
        if (head[i] == "value")
          column = static_cast<int>(i);
      if (column < 0)
        throw series_error("line 1: a CSV header needs a 'value' column");
      columns = head.size();
      continue;
    }
    if (column >= 0) {
      auto f = split_csv(line);
      if (f.size() != columns)
        throw series_error(
            "line " + std::to_string(n) + ": " + std::to_string(f.size()) +
            " fields, the header has " + std::to_string(columns));
      out.push_back(parse_value(f[static_cast<std::size_t>(column)], n));
    } else {
      auto a = line.find_first_not_of(" \t");
      auto b = line.find_last_not_of(" \t");
      out.push_back(parse_value(line.substr(a, b - a + 1), n));
    }
  }
  if (out.empty())
    throw series_error("the series is empty");
  return out;
}

} // namespace ds::forecast
