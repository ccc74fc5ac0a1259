#include "model/enum_names.hpp"

#include <doctest/doctest.h>

#include "model/namespace/errc.hpp"
#include "model/namespace/ns_ops.hpp"

using namespace ds;

namespace {
enum class color : uint8_t { red, green, blue };
constexpr enum_names<color, 3> color_names{{"red", "green", "blue"}};
} // namespace

TEST_CASE("enum_names: names and parses by one table") {
  CHECK(std::string{color_names(color::green)} == "green");
  CHECK(std::string{color_names(static_cast<color>(7))} == "unknown");
  CHECK(std::string{color_names(static_cast<color>(7), "?")} == "?");
  color c = color::red;
  CHECK(color_names.parse("blue", c));
  CHECK(c == color::blue);
  CHECK_FALSE(color_names.parse("purple", c));
  CHECK(c == color::blue); // unchanged
}

TEST_CASE("errc and ns_op names round-trip") {
  for (int i = 0; i <= static_cast<int>(errc::enotleader); ++i) {
    errc back{};
    REQUIRE(from_string(to_string(static_cast<errc>(i)), back));
    CHECK(back == static_cast<errc>(i));
  }
  CHECK(to_string(static_cast<errc>(200)) == "EUNKNOWN");
  CHECK(std::string{to_string(ns_op::rmdir_commit)} == "rmdir_commit");
  CHECK(std::string{to_string(ns_op::locate)} == "locate");
}
