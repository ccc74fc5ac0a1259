#include "messages/raft_codec.hpp"

#include <doctest/doctest.h>

using namespace ds;

namespace {

raft::entry ent(uint64_t term, uint64_t index, std::string data) {
  return raft::entry{term, index, raft::entry_type::normal, std::move(data)};
}

} // namespace

TEST_CASE(
    "raft messages round-trip, junk is refused with wire_error") {
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
