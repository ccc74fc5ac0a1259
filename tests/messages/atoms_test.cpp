#include "messages/atoms.hpp"

#include <caf/string_view.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

using namespace ds;

// Reads the atoms' texts from the header itself, so that an atom added
// later is checked without being listed here again.
TEST_CASE("every atom of the protocols is distinct and a valid CAF atom") {
  std::ifstream in(std::string{DS_SOURCE_DIR} + "/messages/atoms.hpp");
  REQUIRE(in);
  std::regex decl{
      R"re(using (\w+) = caf::atom_constant<caf::atom\("([^"]*)"\)>;)re"};
  std::set<std::string> texts;
  std::set<caf::atom_value> values;
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, decl))
      continue;
    ++n;
    auto text = m[2].str();
    INFO(m[1].str());
    CHECK(text.size() <= 10);
    CHECK(std::regex_match(text, std::regex{"[0-9A-Za-z_]+"}));
    texts.insert(text);
    values.insert(caf::atom_from_string(caf::string_view{text}));
  }
  CHECK(n > 30);
  CHECK(texts.size() == n);
  CHECK(values.size() == n);
  // The header's types are the same atoms.
  CHECK(psm_tick_atom::value == caf::atom("psmtick"));
  CHECK(meta_atom::value == caf::atom("meta"));
}
