#include <doctest/doctest.h>

#include "model/meta_state.hpp"

using namespace ds;

namespace {

meta_command set(std::string key, std::string value) {
  meta_command c;
  c.kind = meta_command::config_set;
  c.key = std::move(key);
  c.value = std::move(value);
  return c;
}

} // namespace

TEST_CASE("a setting's version grows by one on every set") {
  meta_state s;
  CHECK(s.apply(set("psm.threshold", "100")).version == 1);
  CHECK(s.apply(set("psm.threshold", "120")).version == 2);
  CHECK(s.config("psm.threshold")->value == "120");
  CHECK(s.config("psm.threshold")->version == 2);
  CHECK_FALSE(s.config("missing"));
}

TEST_CASE(
    "a conditional set that does not match conflicts and changes nothing") {
  meta_state s;
  s.apply(set("k", "a"));
  auto c = set("k", "b");
  c.conditional = true;
  c.if_version = 7;
  auto r = s.apply(c);
  CHECK(r.code == errc::econflict);
  CHECK(r.version == 1);
  CHECK(s.config("k")->value == "a");
  c.if_version = 1;
  CHECK(s.apply(c).code == errc::ok);
  CHECK(s.config("k")->value == "b");
  // if-version 0 means "must not exist yet".
  auto fresh = set("new", "x");
  fresh.conditional = true;
  fresh.if_version = 0;
  CHECK(s.apply(fresh).code == errc::ok);
  CHECK(s.apply(fresh).code == errc::econflict);
}

TEST_CASE("bad keys and oversize values are refused") {
  meta_state s;
  CHECK(s.apply(set("", "x")).code == errc::einval);
  CHECK(s.apply(set("a b", "x")).code == errc::einval);
  CHECK(s.apply(set(std::string(129, 'k'), "x")).code == errc::einval);
  CHECK(s.apply(set("k", std::string(65537, 'v'))).code == errc::einval);
  CHECK(s.config_list().empty());
}

TEST_CASE("every placement change raises the epoch") {
  meta_state s;
  meta_command p;
  p.kind = meta_command::placement_set;
  p.dir = 5;
  p.node = 3;
  p.shard = 7;
  CHECK(s.apply(p).epoch == 1);
  CHECK(s.placement(5, 3) == 7u);
  CHECK_FALSE(s.placement(5, 4));
  p.kind = meta_command::placement_clear;
  CHECK(s.apply(p).epoch == 2);
  CHECK_FALSE(s.placement(5, 3));
  CHECK(s.apply(p).code == errc::enoent);
  CHECK(s.epoch() == 2);
}
