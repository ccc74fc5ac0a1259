#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "storage/meta_store.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;
using ds::test::temp_dir;

namespace {

void run(meta_state& s, meta_store& st, const meta_command& c) {
  auto r = s.apply(c);
  REQUIRE(r.code == errc::ok);
  st.persist({c}, s);
}

} // namespace

TEST_CASE("settings and placement survive a reopen") {
  temp_dir d;
  auto path = d.path + "/meta.db";
  {
    meta_state s;
    auto st = open_sqlite_meta_store(path, sync_mode::full);
    st->load(s);
    meta_command c;
    c.key = "psm.period";
    c.value = "5m";
    run(s, *st, c);
    c.value = "10m";
    run(s, *st, c);
    meta_command p;
    p.kind = meta_command::placement_set;
    p.dir = 9;
    p.node = 2;
    p.shard = 4;
    run(s, *st, p);
    p.node = 3;
    run(s, *st, p);
    p.kind = meta_command::placement_clear;
    run(s, *st, p);
  }
  meta_state back;
  open_sqlite_meta_store(path, sync_mode::full)->load(back);
  CHECK(back.config("psm.period")->value == "10m");
  CHECK(back.config("psm.period")->version == 2);
  CHECK(back.placement(9, 2) == 4u);
  CHECK_FALSE(back.placement(9, 3));
  CHECK(back.epoch() == 3);
}

TEST_CASE("a foreign file is refused as metadata") {
  temp_dir d;
  auto path = d.path + "/meta.db";
  std::ofstream{path} << "not sqlite at all, just a text file sitting here\n";
  CHECK_THROWS_AS(open_sqlite_meta_store(path, sync_mode::full),
                  sql::storage_error);
}
