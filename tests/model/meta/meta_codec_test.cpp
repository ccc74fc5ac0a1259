#include "model/meta/meta_codec.hpp"

#include <doctest/doctest.h>

#include "model/msgpack_read.hpp"

using namespace ds;

namespace {

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

// The bytes of a literal, NULs included.
template <size_t N> std::string bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

std::vector<meta_command> one_of_each() {
  return {config_set{"app.period", "60", 3, true},
          config_set{"a", std::string("\0\xff", 2)}, // bytes, not text
          migration_begin{5, upper, 1, 7, "", 0, false},
          migration_begin{5, upper, 1, 7, "node-b", -3, true},
          migration_commit{11},
          migration_commit{11, 1700000000123456789},
          migration_commit{11, 5, 1234567},
          migration_abort{12, 5},
          psm_record{-3, "predictive", 2, std::string("\x92\x01", 2), 50, 600,
                     "node-1", 17, 4200},
          migration_progress{13},
          migration_progress{13, 40960},
          migration_settled{14, 99, 1000, 604800000000000}};
}

// Bytes that the version-2 encoder wrote, one command of each kind (the
// flat list: [2, kind, key, value, if_version, conditional, dir, lo, hi,
// from, shard, migration], defaults in the fields a kind does not use).
const std::string v2_set = bytes(
    "\x9c\x02\x00\xad\x70\x73\x6d\x2e\x74\x68\x72\x65\x73\x68\x6f\x6c\x64\xc4"
    "\x03\x31\x32\x30\x03\xc3\x00\x00\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x00"
    "\x00\x00");
const std::string v2_begin = bytes(
    "\x9c\x02\x01\xa0\xc4\x00\x00\xc2\x2a\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
    "\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x01\x05\x00");
const std::string v2_commit = bytes(
    "\x9c\x02\x02\xa0\xc4\x00\x00\xc2\x00\x00\xcf\xff\xff\xff\xff\xff\xff\xff"
    "\xff\x00\x00\x07");
const std::string v2_abort = bytes(
    "\x9c\x02\x03\xa0\xc4\x00\x00\xc2\x00\x00\xcf\xff\xff\xff\xff\xff\xff\xff"
    "\xff\x00\x00\x09");

// A version-1 command: [1, kind, key, value, if_version, conditional, dir,
// node, shard]; settings only.
std::string v1_command(unsigned kind) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(9);
  pk.pack(1);
  pk.pack(kind);
  pk.pack(std::string("app.period"));
  mp::pack_bytes(pk, "90");
  pk.pack(uint64_t{2});
  pk.pack(true);
  pk.pack(uint64_t{0});
  pk.pack(uint64_t{0});
  pk.pack(uint32_t{0});
  return std::string(buf.data(), buf.size());
}

template <class... Ts> std::string pack_list(const Ts&... xs) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(sizeof...(xs));
  (pk.pack(xs), ...);
  return std::string(buf.data(), buf.size());
}

} // namespace

TEST_CASE("every kind of metadata command round-trips") {
  for (auto& c : one_of_each()) {
    CAPTURE(kind_name(c));
    auto bytes = encode_meta_command(c);
    CHECK(static_cast<unsigned char>(bytes[1]) == 6); // the current version
    CHECK(decode_meta_command(bytes) == c);
  }
}

TEST_CASE("the version-6 encoding of each kind stays what raft.db files "
          "hold") {
  // [6, kind, the fields of the command's inspect, in order].
  CHECK(encode_meta_command(config_set{"k", "v", 3, true}) ==
        bytes("\x96\x06\x00\xc4\x01k\xc4\x01v\x03\xc3"));
  CHECK(encode_meta_command(migration_begin{42, upper, 1, 5, "n", 9, true}) ==
        bytes("\x9a\x06\x01\x2a\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
              "\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x01\x05\xc4\x01n\x09\xc3"));
  CHECK(encode_meta_command(migration_commit{7, 2, 300}) ==
        bytes("\x95\x06\x02\x07\x02\xcd\x01\x2c"));
  CHECK(encode_meta_command(migration_abort{9, 3}) ==
        bytes("\x94\x06\x03\x09\x03"));
  CHECK(encode_meta_command(migration_progress{8, 4}) ==
        bytes("\x94\x06\x05\x08\x04"));
  CHECK(encode_meta_command(psm_record{5, "off", 0, "", 9, 60, "n", 2, 7}) ==
        bytes("\x9b\x06\x04\x05\xc4\x03off\x00\xc4\x00\x09\x3c\xc4\x01n"
              "\x02\x07"));
  CHECK(encode_meta_command(migration_settled{8, 3, 10, 60}) ==
        bytes("\x96\x06\x06\x08\x03\x0a\x3c"));
}

TEST_CASE("commands written in version 5 still decode, with no entries in "
          "commits and progress") {
  // The bytes the version-5 encoder wrote.
  CHECK(decode_meta_command(bytes("\x96\x05\x00\xc4\x01k\xc4\x01v\x03\xc3")) ==
        meta_command{config_set{"k", "v", 3, true}});
  CHECK(decode_meta_command(
            bytes("\x9a\x05\x01\x2a\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
                  "\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x01\x05\xc4\x01n\x09"
                  "\xc3")) ==
        meta_command{migration_begin{42, upper, 1, 5, "n", 9, true}});
  CHECK(decode_meta_command(bytes("\x94\x05\x02\x07\x02")) ==
        meta_command{migration_commit{7, 2, 0}});
  CHECK(decode_meta_command(bytes("\x94\x05\x03\x09\x03")) ==
        meta_command{migration_abort{9, 3}});
  CHECK(decode_meta_command(bytes("\x93\x05\x05\x08")) ==
        meta_command{migration_progress{8, 0}});
  CHECK(decode_meta_command(
            bytes("\x9b\x05\x04\x05\xc4\x03off\x00\xc4\x00\x09\x3c\xc4\x01n"
                  "\x02\x07")) ==
        meta_command{psm_record{5, "off", 0, "", 9, 60, "n", 2, 7}});
  CHECK(decode_meta_command(bytes("\x96\x05\x06\x08\x03\x0a\x3c")) ==
        meta_command{migration_settled{8, 3, 10, 60}});
  // A version-6 list in a version-5 entry is refused, and the other way.
  CHECK_THROWS_AS(decode_meta_command(bytes("\x95\x05\x02\x07\x02\x03")),
                  meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(bytes("\x94\x05\x05\x08\x04")),
                  meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(bytes("\x94\x06\x02\x07\x02")),
                  meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(bytes("\x93\x06\x05\x08")),
                  meta_codec_error);
}

TEST_CASE("commands written in version 4 still decode, and version 4 has "
          "no settled kind") {
  // The bytes the version-4 encoder wrote.
  CHECK(decode_meta_command(bytes("\x96\x04\x00\xc4\x01k\xc4\x01v\x03\xc3")) ==
        meta_command{config_set{"k", "v", 3, true}});
  CHECK(decode_meta_command(
            bytes("\x9a\x04\x01\x2a\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
                  "\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x01\x05\xc4\x01n\x09"
                  "\xc3")) ==
        meta_command{migration_begin{42, upper, 1, 5, "n", 9, true}});
  CHECK(decode_meta_command(bytes("\x94\x04\x02\x07\x02")) ==
        meta_command{migration_commit{7, 2}});
  CHECK(decode_meta_command(bytes("\x94\x04\x03\x09\x03")) ==
        meta_command{migration_abort{9, 3}});
  CHECK(decode_meta_command(bytes("\x93\x04\x05\x08")) ==
        meta_command{migration_progress{8}});
  CHECK(decode_meta_command(
            bytes("\x9b\x04\x04\x05\xc4\x03off\x00\xc4\x00\x09\x3c\xc4\x01n"
                  "\x02\x07")) ==
        meta_command{psm_record{5, "off", 0, "", 9, 60, "n", 2, 7}});
  CHECK_THROWS_AS(decode_meta_command(bytes("\x96\x04\x06\x08\x03\x0a\x3c")),
                  meta_codec_error);
}

TEST_CASE("commands written in version 3 still decode, with no time, owner "
          "or force") {
  // The bytes the version-3 encoder wrote (before the fields appended).
  CHECK(decode_meta_command(bytes("\x96\x03\x00\xc4\x01k\xc4\x01v\x03\xc3")) ==
        meta_command{config_set{"k", "v", 3, true}});
  CHECK(decode_meta_command(
            bytes("\x97\x03\x01\x2a\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
                  "\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x01\x05")) ==
        meta_command{migration_begin{42, upper, 1, 5, "", 0, false}});
  CHECK(decode_meta_command(bytes("\x93\x03\x02\x07")) ==
        meta_command{migration_commit{7}});
  CHECK(decode_meta_command(bytes("\x93\x03\x03\x09")) ==
        meta_command{migration_abort{9}});
  // A kind version 3 did not have, and a version-4 list in a version-3
  // entry, are refused.
  CHECK(decode_meta_command(
            bytes("\x9b\x03\x04\x05\xc4\x03off\x00\xc4\x00\x09\x3c\xc4\x01n"
                  "\x02\x07")) ==
        meta_command{psm_record{5, "off", 0, "", 9, 60, "n", 2, 7}});
  CHECK_THROWS_AS(decode_meta_command(bytes("\x93\x03\x05\x08")),
                  meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(bytes("\x94\x03\x02\x07\x02")),
                  meta_codec_error);
}

TEST_CASE("commands written in version 2 still decode, kind by kind") {
  CHECK(decode_meta_command(v2_set) ==
        meta_command{config_set{"psm.threshold", "120", 3, true}});
  CHECK(decode_meta_command(v2_begin) ==
        meta_command{migration_begin{42, upper, 1, 5, "", 0, false}});
  CHECK(decode_meta_command(v2_commit) == meta_command{migration_commit{7}});
  CHECK(decode_meta_command(v2_abort) == meta_command{migration_abort{9}});
}

TEST_CASE("settings written in version 1 still decode, and other kinds of "
          "version 1 are refused") {
  CHECK(decode_meta_command(v1_command(0)) ==
        meta_command{config_set{"app.period", "90", 2, true}});
  CHECK_THROWS_AS(decode_meta_command(v1_command(1)), meta_codec_error);
}

TEST_CASE("malformed commands are refused with meta_codec_error") {
  CHECK_THROWS_AS(decode_meta_command(""), meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command("\x93\x01\x02\x03"), meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(pack_list(7, 2, 7)), meta_codec_error);
  // Versions 4 to 6: an unknown kind, a field too many or too few, a wrong
  // type.
  CHECK_THROWS_AS(decode_meta_command(pack_list(6, 7, 7)), meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(pack_list(5, 7, 7)), meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(pack_list(5, 6, 7)), meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(pack_list(6, 2, 7, 8, std::string("x"))),
                  meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(pack_list(4, 2, 7, 8, 9)),
                  meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(pack_list(4, 3, 7)), meta_codec_error);
  CHECK_THROWS_AS(decode_meta_command(pack_list(4, 2, std::string("x"), 1)),
                  meta_codec_error);
  CHECK(decode_meta_command(pack_list(4, 2, 7, 8)) ==
        meta_command{migration_commit{7, 8}});
  // Version 2 with a kind that never existed.
  auto bad = v2_commit;
  bad[2] = '\x04';
  CHECK_THROWS_AS(decode_meta_command(bad), meta_codec_error);
  // A truncated entry.
  CHECK_THROWS_AS(decode_meta_command(v2_begin.substr(0, 20)),
                  meta_codec_error);
}

TEST_CASE("metadata states round-trip through snapshots, and junk is "
          "refused") {
  meta_state st;
  st.apply(config_set{"app.period", "60", 3, true});
  st.apply(config_set{"app.period", "60"});
  migration_begin p{5,    hash_range{0, (uint64_t{1} << 62) - 1}, 0, 7, "", 0,
                    false};
  auto begun = st.apply(p);
  st.apply(decode_meta_command(
      encode_meta_command(migration_commit{begun.migration})));
  p.range = upper;
  p.owner = "node-a";
  p.now_ns = 77;
  st.apply(p); // left started
  st.apply(migration_progress{2});
  meta_state restored;
  decode_meta_state(encode_meta_state(st), restored);
  CHECK(restored.epoch() == st.epoch());
  REQUIRE(restored.placement(5).parts.size() == 1);
  CHECK(restored.placement(5).parts[0].shard == 7);
  CHECK(restored.placement(5).parts[0].epoch == 1);
  REQUIRE(restored.migrations().size() == 2);
  CHECK(restored.migrations().at(2).state == migration_record::started);
  CHECK(restored.migrations().at(2).owner == "node-a");
  CHECK(restored.migrations().at(2).progress == 1);
  CHECK(restored.migrations().at(2).begun_ns == 77);
  CHECK(restored.migrations().at(1).range ==
        hash_range{0, (uint64_t{1} << 62) - 1});
  CHECK(restored.config_list().size() == st.config_list().size());
  CHECK(restored.config("app.period")->version == 1);
  CHECK(restored.plannings().empty());
  // The PSM's plannings travel too.
  st.apply(psm_record{40, "predictive", 1, "d1", 10, 100, "a", 3, 9});
  st.apply(psm_record{41, "static", 2, "d2", 10, 100, "b", 4, 8});
  decode_meta_state(encode_meta_state(st), restored);
  REQUIRE(restored.plannings().size() == 2);
  CHECK(restored.plannings()[1].policy == "static");
  CHECK(restored.plannings()[1].decisions == "d2");
  CHECK(restored.plannings()[1].node == "b");
  CHECK(restored.plannings()[0].cost_us == 9);
  // A version-2 snapshot (no plannings) still loads, without any.
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(5);
  pk.pack(2);
  pk.pack_array(0);
  pk.pack_array(0);
  pk.pack(uint64_t{4});
  pk.pack_array(0);
  decode_meta_state(std::string(buf.data(), buf.size()), restored);
  CHECK(restored.epoch() == 4);
  CHECK(restored.plannings().empty());
  decode_meta_state(encode_meta_state(st), restored);
  CHECK_THROWS_AS(decode_meta_state("x", restored), meta_codec_error);
  CHECK(restored.epoch() == st.epoch()); // unchanged by the refused bytes
}

TEST_CASE("snapshots carry each record's entries and the entries moved, and "
          "version-5 snapshots load without them") {
  meta_state st;
  auto a = st.apply(migration_begin{5, upper, 0, 1, "n", 1, true}).migration;
  st.apply(migration_progress{a, 100});
  st.apply(migration_commit{a, 2, 250});
  auto b = st.apply(migration_begin{6, upper, 0, 1, "n", 3, true}).migration;
  st.apply(migration_progress{b, 70}); // left started
  meta_state r;
  decode_meta_state(encode_meta_state(st), r);
  CHECK(r.migrations().at(a).entries == 250);
  CHECK(r.migrations().at(b).entries == 70);
  CHECK(r.entries_moved() == 250);
  CHECK(encode_meta_state(r) == encode_meta_state(st));
  // The counter outlives the records: prune the committed one.
  REQUIRE(st.apply(migration_settled{a, 4, 1, 1000}).code == errc::ok);
  REQUIRE(st.migrations().count(a) == 0);
  decode_meta_state(encode_meta_state(st), r);
  CHECK(r.entries_moved() == 250);
  // A version-5 snapshot, as its encoder wrote it: 13 fields a record, no
  // entries moved after the moved parts.
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(8);
  pk.pack(5);
  pk.pack_array(0);
  pk.pack_array(0);
  pk.pack(uint64_t{1});
  pk.pack_array(1);
  pk.pack_array(13);
  for (uint64_t x : {7, 5, 0, 63, 0, 1, 1, 1})
    pk.pack(x);
  mp::pack_bytes(pk, "n");
  pk.pack(uint64_t{3});
  pk.pack(int64_t{1});
  pk.pack(int64_t{2});
  pk.pack(true);
  pk.pack_array(0);
  pk.pack(uint64_t{9});
  pk.pack_array(0);
  decode_meta_state(std::string(buf.data(), buf.size()), r);
  REQUIRE(r.migrations().size() == 1);
  CHECK(r.migrations().at(7).entries == 0);
  CHECK(r.migrations().at(7).progress == 3);
  CHECK(r.migrations().at(7).settled);
  CHECK(r.next_migration() == 9);
  CHECK(r.entries_moved() == 0);
  // A version-6 snapshot cut to version 5's length is refused.
  auto v6 = encode_meta_state(st);
  msgpack::sbuffer cut;
  mp::packer pc{cut};
  auto oh = msgpack::unpack(v6.data(), v6.size());
  auto& o = oh.get();
  pc.pack_array(8);
  for (uint32_t i = 0; i < 8; ++i)
    pc.pack(o.via.array.ptr[i]);
  CHECK_THROWS_AS(decode_meta_state(std::string(cut.data(), cut.size()), r),
                  meta_codec_error);
}
