#include "model/meta/meta_codec.hpp"

#include <doctest/doctest.h>

using namespace ds;

TEST_CASE("metadata commands and states round-trip; junk is refused") {
  meta_command c;
  c.kind = meta_command::config_set;
  c.key = "psm.period";
  c.value = "60";
  c.if_version = 3;
  c.conditional = true;
  auto c2 = decode_meta_command(encode_meta_command(c));
  CHECK(c2.key == c.key);
  CHECK(c2.value == c.value);
  CHECK(c2.if_version == 3);
  CHECK(c2.conditional);
  CHECK_THROWS_AS(decode_meta_command("\x93\x01\x02\x03"), meta_codec_error);

  meta_state st;
  st.apply(c2);
  meta_command p;
  p.kind = meta_command::migration_begin;
  p.dir = 5;
  p.range = hash_range{0, (uint64_t{1} << 62) - 1};
  p.shard = 7;
  auto begun = st.apply(p);
  auto p2 = decode_meta_command(encode_meta_command(p));
  CHECK(p2.range == p.range);
  CHECK(p2.shard == 7);
  meta_command commit;
  commit.kind = meta_command::migration_commit;
  commit.migration = begun.migration;
  st.apply(decode_meta_command(encode_meta_command(commit)));
  p.range = hash_range{uint64_t{1} << 63, ~uint64_t{0}};
  st.apply(p); // left started
  meta_state restored;
  decode_meta_state(encode_meta_state(st), restored);
  CHECK(restored.epoch() == st.epoch());
  REQUIRE(restored.placement(5).parts.size() == 1);
  CHECK(restored.placement(5).parts[0].shard == 7);
  CHECK(restored.placement(5).parts[0].epoch == 1);
  REQUIRE(restored.migrations().size() == 2);
  CHECK(restored.migrations().at(2).state == migration_record::started);
  CHECK(restored.migrations().at(1).range == p2.range);
  CHECK(restored.config_list().size() == st.config_list().size());
  CHECK_THROWS_AS(decode_meta_state("x", restored), meta_codec_error);
}

