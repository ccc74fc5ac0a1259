#include <doctest/doctest.h>

#include "model/namespace/name.hpp"

using namespace ds;

TEST_CASE("name_hash is XXH3-64 with seed 0 and stable") {
  // Known values of XXH3_64bits: pinning them guards every stored DAG.
  CHECK(name_hash("") == 0x2D06800538D394C2ull);
  CHECK(name_hash("a") == name_hash(std::string("a")));
  CHECK(name_hash("a") != name_hash("b"));
}

TEST_CASE("valid names") {
  CHECK(validate_name("a") == errc::ok);
  CHECK(validate_name("hello world.txt") == errc::ok);
  CHECK(validate_name("...") == errc::ok);
  CHECK(validate_name("\xc3\xa9t\xc3\xa9") == errc::ok); // été
  CHECK(validate_name("\xf0\x9f\x98\x80") == errc::ok);  // emoji
  CHECK(validate_name(std::string(255, 'x')) == errc::ok);
}

TEST_CASE("invalid names get EINVAL or ENAMETOOLONG") {
  CHECK(validate_name("") == errc::einval);
  CHECK(validate_name(".") == errc::einval);
  CHECK(validate_name("..") == errc::einval);
  CHECK(validate_name("a/b") == errc::einval);
  CHECK(validate_name(std::string("a\0b", 3)) == errc::einval);
  CHECK(validate_name("tab\there") == errc::einval);
  CHECK(validate_name("del\x7f") == errc::einval);
  CHECK(validate_name("\xff") == errc::einval);             // not UTF-8
  CHECK(validate_name("\xc0\xaf") == errc::einval);         // overlong
  CHECK(validate_name("\xed\xa0\x80") == errc::einval);     // surrogate
  CHECK(validate_name("\xf4\x90\x80\x80") == errc::einval); // > U+10FFFF
  CHECK(validate_name("\xe2\x82") == errc::einval);         // truncated
  CHECK(validate_name(std::string(256, 'x')) == errc::enametoolong);
}

TEST_CASE("split_path") {
  std::vector<std::string> parts;
  CHECK(split_path("/", parts) == errc::ok);
  CHECK(parts.empty());
  CHECK(split_path("/a/b", parts) == errc::ok);
  CHECK(parts == std::vector<std::string>{"a", "b"});
  CHECK(split_path("", parts) == errc::einval);
  CHECK(split_path("a/b", parts) == errc::einval);
  CHECK(split_path("/a//b", parts) == errc::einval);
  CHECK(split_path("/a/", parts) == errc::einval);
  CHECK(split_path("/a/./b", parts) == errc::einval);
  CHECK(split_path("/a/../b", parts) == errc::einval);
  CHECK(split_path("/" + std::string(256, 'x'), parts) == errc::enametoolong);
  std::string deep;
  for (int i = 0; i < 300; ++i)
    deep += "/d";
  CHECK(split_path(deep, parts) == errc::enametoolong);
  CHECK(parts.empty());
}
