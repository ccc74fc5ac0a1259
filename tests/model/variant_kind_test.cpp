// A variant's kind number: the alternative's index, and back.
#include "model/variant_kind.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ds;

namespace {
using sample = std::variant<int, std::string, double>;
} // namespace

TEST_CASE("kind_of is the alternative's index") {
  CHECK(kind_of(sample{1}) == 0);
  CHECK(kind_of(sample{std::string{"x"}}) == 1);
  CHECK(kind_of(sample{2.5}) == 2);
}

TEST_CASE("emplace_kind makes a default alternative of that kind") {
  sample v = 7;
  REQUIRE(emplace_kind(v, 1));
  CHECK(std::get<std::string>(v).empty());
  REQUIRE(emplace_kind(v, 2));
  CHECK(std::get<double>(v) == 0.0);
}

TEST_CASE("emplace_kind refuses an unknown kind and leaves the value") {
  sample v = std::string{"kept"};
  CHECK(!emplace_kind(v, 3));
  CHECK(!emplace_kind(v, 255));
  CHECK(std::get<std::string>(v) == "kept");
}
