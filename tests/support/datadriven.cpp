#include "tests/support/datadriven.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ds::datadriven {

namespace {

/// A line of the file: either text kept as it is (comments, blank lines)
/// or a case.
struct chunk {
  std::string text; ///< verbatim, when not a case
  bool is_case = false;
  test_case c;
};

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

std::vector<chunk> parse(const std::string& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot read " + file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);)
    lines.push_back(l);
  std::vector<chunk> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto& l = lines[i];
    if (blank(l) || l[0] == '#') {
      out.push_back({l, false, {}});
      continue;
    }
    chunk ch;
    ch.is_case = true;
    auto w = words(l);
    ch.c.pos = file + ":" + std::to_string(i + 1);
    ch.c.cmd = w[0];
    ch.c.args.assign(w.begin() + 1, w.end());
    ch.c.input = l;
    if (i + 1 >= lines.size() || lines[i + 1] != "----")
      throw std::runtime_error(ch.c.pos + ": expected ---- after the command");
    i += 2;
    std::string exp;
    for (; i < lines.size() && !blank(lines[i]); ++i)
      exp += (exp.empty() ? "" : "\n") + lines[i];
    ch.c.expected = exp;
    out.push_back(std::move(ch));
    if (i < lines.size())
      out.push_back({lines[i], false, {}}); // the blank line that ended it
  }
  return out;
}

} // namespace

std::string arg(const test_case& c, const std::string& key,
                const std::string& fallback) {
  for (auto& a : c.args)
    if (a.size() > key.size() && a.compare(0, key.size(), key) == 0 &&
        a[key.size()] == '=')
      return a.substr(key.size() + 1);
  return fallback;
}

std::vector<mismatch>
run_file(const std::string& file,
         const std::function<std::string(const test_case&)>& run) {
  auto chunks = parse(file);
  const char* env = std::getenv("DAGSHARD_REWRITE");
  bool rewrite = env && std::string{env} == "1";
  std::vector<mismatch> bad;
  std::string text;
  for (auto& ch : chunks) {
    if (!ch.is_case) {
      text += ch.text + "\n";
      continue;
    }
    auto got = run(ch.c);
    while (!got.empty() && got.back() == '\n')
      got.pop_back();
    if (got != ch.c.expected)
      bad.push_back({ch.c.pos, ch.c.input, ch.c.expected, got});
    text += ch.c.input + "\n----\n" + got + "\n";
  }
  if (rewrite) {
    std::ofstream out(file, std::ios::trunc);
    out << text;
    if (!out)
      throw std::runtime_error("cannot write " + file);
    bad.clear();
  }
  return bad;
}

} // namespace ds::datadriven
