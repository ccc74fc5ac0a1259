#include "messages/raft_codec.hpp"

#include <doctest/doctest.h>

using namespace ds;

namespace {

raft::entry ent(uint64_t term, uint64_t index, std::string data) {
  return raft::entry{term, index, raft::entry_type::normal, std::move(data)};
}

} // namespace

TEST_CASE("raft messages round-trip, junk is refused with wire_error") {
  raft::message m;
  m.type = raft::msg_type::snapshot;
  m.from = 1;
  m.to = 3;
  m.term = 9;
  m.log_term = 8;
  m.index = 77;
  m.entries = {ent(8, 78, std::string("\0bin", 4))};
  m.commit = 70;
  m.reject = true;
  m.reject_hint = 5;
  m.read_seq = 11;
  m.snap = raft::snapshot{raft::snapshot_meta{70, 8, {1, 2, 3}}, "snapdata"};
  m.context = "ctx";
  auto back = decode_raft_message(encode_raft_message(m));
  CHECK(back.type == m.type);
  CHECK(back.entries == m.entries);
  REQUIRE(back.snap);
  CHECK(back.snap->meta == m.snap->meta);
  CHECK(back.snap->data == "snapdata");
  CHECK(back.context == "ctx");
  CHECK(back.read_seq == 11);
  CHECK_THROWS_AS(decode_raft_message("garbage"), wire_error);
  CHECK_THROWS_AS(decode_raft_message(""), wire_error);
}

TEST_CASE("envelopes of many groups round-trip, and foreign or junk ones are "
          "refused") {
  raft::envelope e;
  e.from = 2;
  e.to = 1;
  for (uint32_t g : {0u, 7u, 4000000000u}) {
    raft::group_message gm;
    gm.group = g;
    gm.quiesce = g == 7;
    gm.msg.type = raft::msg_type::append;
    gm.msg.from = 2;
    gm.msg.to = 1;
    gm.msg.term = 3;
    gm.msg.entries = {ent(3, 10 + g % 5, "cmd" + std::to_string(g))};
    e.msgs.push_back(gm);
  }
  auto back = decode_envelope(encode_envelope(e));
  CHECK(back.from == 2);
  CHECK(back.to == 1);
  REQUIRE(back.msgs.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(back.msgs[i].group == e.msgs[i].group);
    CHECK(back.msgs[i].quiesce == e.msgs[i].quiesce);
    CHECK(back.msgs[i].msg.entries == e.msgs[i].msg.entries);
  }
  // An empty envelope is a ping.
  raft::envelope ping;
  ping.from = 1;
  ping.to = 3;
  CHECK(decode_envelope(encode_envelope(ping)).msgs.empty());
  // A message inside must be from the sender to the receiver.
  e.msgs[1].msg.from = 3;
  CHECK_THROWS_AS(decode_envelope(encode_envelope(e)), wire_error);
  CHECK_THROWS_AS(decode_envelope("junk"), wire_error);
  CHECK_THROWS_AS(decode_envelope(encode_raft_message(raft::message{})),
                  wire_error);
  std::string bytes = encode_envelope(back);
  for (size_t cut = 0; cut < bytes.size(); cut += 7)
    CHECK_THROWS_AS(decode_envelope(bytes.substr(0, cut)), wire_error);
}
