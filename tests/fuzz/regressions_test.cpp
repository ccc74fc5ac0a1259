// What fuzzing found (tests/fuzz, docs/FUZZING.md), kept as regression
// tests: each input under tests/fuzz/regressions/<target>/ is in its fuzz
// target's format (node_codec's first byte chooses the decoder) and must be
// refused with the decoder's own error, changing nothing.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "messages/group_chunk.hpp"
#include "messages/raft_codec.hpp"
#include "model/meta/meta_codec.hpp"
#include "psm/plan/decision_codec.hpp"
#include "storage/node_codec.hpp"
#include "storage/sqlite.hpp"

namespace fs = std::filesystem;
using namespace ds;

namespace {

const fs::path regressions = fs::path{DS_SOURCE_DIR} / "tests/fuzz/regressions";

std::string read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  REQUIRE(in);
  return {std::istreambuf_iterator<char>{in}, {}};
}

/// The message of the error that decoding `bytes` as a `target` input
/// throws; "" if it decodes. Throws anything else.
std::string refusal(const std::string& target, const std::string& bytes) {
  try {
    if (target == "raft_message") {
      // The same bytes are tried as an envelope: both refuse or decode.
      try {
        (void)decode_envelope(bytes);
      } catch (const wire_error&) {
      }
      try {
        (void)decode_group_chunk(bytes);
      } catch (const wire_error&) {
      }
      (void)decode_raft_message(bytes);
    } else if (target == "node_codec") {
      REQUIRE_FALSE(bytes.empty());
      auto body = bytes.substr(1);
      if (bytes[0] & 1) {
        dir_parts p;
        decode_parts(body, p);
      } else {
        node_record r;
        decode_node(body, r);
      }
    } else if (target == "meta_command") {
      (void)decode_meta_command(bytes);
    } else if (target == "meta_snapshot") {
      meta_state s;
      (void)s.apply(config_set{"psm.policy", "off", 0});
      auto before = encode_meta_state(s);
      try {
        decode_meta_state(bytes, s);
      } catch (const meta_codec_error&) {
        CHECK(encode_meta_state(s) == before); // nothing changed
        throw;
      }
    } else {
      FAIL("no decoder for target " << target);
    }
  } catch (const wire_error& e) {
    return e.what();
  } catch (const sql::storage_error& e) {
    return e.what();
  } catch (const meta_codec_error& e) {
    return e.what();
  }
  return {};
}

bool refused_for_size(const std::string& why) {
  return why.find("size overflow") != std::string::npos;
}

} // namespace

TEST_CASE("every fuzz finding is refused by its decoder with a clean error") {
  int inputs = 0;
  for (auto& dir : fs::directory_iterator{regressions})
    for (auto& f : fs::directory_iterator{dir.path()}) {
      auto target = dir.path().filename().string();
      INFO(target << "/" << f.path().filename().string());
      CHECK_FALSE(refusal(target, read_file(f.path())).empty());
      ++inputs;
    }
  CHECK(inputs >= 5);
}

// Found by every msgpack target at once: msgpack allocates an array's or a
// map's elements when it reads the header, so a 5-byte header claiming 2^32
// elements asked for ~100 GB (256 Mi elements: 6 GB, which succeeds and is
// refused only later, for lack of bytes). Counts are now bounded by the
// input's size, and such input is refused before anything is allocated.
TEST_CASE("a msgpack header claiming more elements than bytes is refused "
          "before any allocation") {
  for (auto [target, file] :
       {std::pair{"raft_message", "array_of_4g_elements"},
        std::pair{"node_codec", "map_of_4g_pairs"},
        std::pair{"node_codec", "part_list_of_4g_parts"},
        std::pair{"meta_command", "array_of_256m_elements"},
        std::pair{"meta_snapshot", "settings_of_4g_entries"}}) {
    INFO(target << "/" << file);
    auto why = refusal(target, read_file(regressions / target / file));
    CHECK(refused_for_size(why));
  }
  CHECK_THROWS_WITH_AS(plan::decode_decisions(std::string{"\xdd\x10\0\0\0", 5}),
                       doctest::Contains("size overflow"),
                       std::invalid_argument);
}

TEST_CASE("a stored record followed by stray bytes is refused") {
  raft::message m;
  m.type = raft::msg_type::heartbeat;
  m.term = 2;
  auto bytes = encode_raft_message(m);
  CHECK(decode_raft_message(bytes).term == 2);
  CHECK_THROWS_WITH_AS(decode_raft_message(bytes + '\0'),
                       doctest::Contains("bytes after the value"), wire_error);
  node_record r;
  r.slots = {1, 2};
  node_record out;
  CHECK_THROWS_AS(decode_node(encode_node(r) + "\x90", out),
                  sql::storage_error);
  CHECK_THROWS_AS(decode_meta_command(
                      encode_meta_command(config_set{"a", "b", 0}) + "\x01"),
                  meta_codec_error);
}

TEST_CASE("msgpack nested deeper than any record is refused") {
  std::string deep(64, '\x91'); // 64 arrays of one element, each nesting
  deep += '\x01';
  CHECK_THROWS_WITH_AS(decode_raft_message(deep), doctest::Contains("depth"),
                       wire_error);
}
