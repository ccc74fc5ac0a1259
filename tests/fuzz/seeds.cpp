// Writes the seed corpus of every fuzz target (corpus/<target>/) with the
// project's own encoders, so that each seed is a valid input that reaches
// deep into its decoder. Run from tools/fuzz --seeds; the files are checked
// in, and a change of an encoding shows up as a changed seed.
//   fuzz_seeds CORPUS_DIR
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <caf/binary_serializer.hpp>

#include "actors/guard/basp_check.hpp"
#include "messages/ns.hpp"
#include "messages/group_chunk.hpp"
#include "messages/raft_codec.hpp"
#include "model/meta/meta_codec.hpp"
#include "model/namespace/hdag.hpp"
#include "model/namespace/name.hpp"
#include "psm/plan/decision_codec.hpp"
#include "storage/node_codec.hpp"
#include "tools/dagbench/workload/trace.hpp"

namespace fs = std::filesystem;

namespace {

fs::path root;

void put(const std::string& target, const std::string& name,
         const std::string& bytes) {
  auto dir = root / target;
  fs::create_directories(dir);
  std::ofstream out{dir / name, std::ios::binary | std::ios::trunc};
  out << bytes;
}

template <class T> std::string caf_bytes(uint8_t handler, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (auto err = sink(x))
    throw std::runtime_error("cannot serialize a seed");
  return std::string(1, static_cast<char>(handler)) +
         std::string(buf.begin(), buf.end());
}

void names() {
  put("names", "name", "notes.txt");
  put("names", "utf8", "caf\xc3\xa9 \xe2\x82\xac");
  put("names", "path", "/projects/2024/notes.txt");
  put("names", "root", "/");
}

void cookies() {
  ds::readdir_cookie c{ds::name_hash("notes.txt"), "notes.txt", false};
  put("readdir_cookie", "name", c.encode());
  put("readdir_cookie", "after", ds::readdir_cookie::after(1234).encode());
}

void node_codec() {
  ds::node_record list;
  list.lo = 0;
  list.hi = (uint64_t{1} << 60) - 1;
  put("node_codec", "list", std::string(1, '\0') + ds::encode_node(list));
  ds::node_record array;
  array.array = true;
  array.start_bit = 4;
  array.width_bits = 2;
  array.slots = {7, 7, 8, 9};
  put("node_codec", "array", std::string(1, '\0') + ds::encode_node(array));
  ds::dir_parts p;
  p.home = true;
  p.epoch = 3;
  ds::dir_part x;
  x.range = {0, (uint64_t{1} << 63) - 1};
  x.state = ds::dir_part::out;
  x.shard = 2;
  x.epoch = 3;
  p.parts.push_back(x);
  x.range = {uint64_t{1} << 63, ~uint64_t{0}};
  x.state = ds::dir_part::exporting;
  x.migration = 5;
  p.parts.push_back(x);
  put("node_codec", "parts", std::string(1, '\1') + ds::encode_parts(p));
}

// dag_restore reads its input as a recipe (FuzzedDataProvider: a config,
// node records, entries, then operations), not as an encoding: its seeds
// are two byte patterns, one that restores no records and runs operations
// on an empty DAG, one that tries records first.
void dag_recipes() {
  std::string ops;
  for (int i = 0; i < 64; ++i)
    ops += static_cast<char>(i * 7);
  put("dag_restore", "ops", ops);
  std::string records(96, '\x01');
  for (size_t i = 0; i < records.size(); i += 3)
    records[i] = static_cast<char>(i);
  put("dag_restore", "records", records);
}

void raft_messages() {
  using namespace ds::raft;
  message a;
  a.type = msg_type::append;
  a.from = 1;
  a.to = 2;
  a.term = 3;
  a.log_term = 2;
  a.index = 4;
  a.commit = 4;
  a.entries.push_back(entry{3, 5, entry_type::normal, "cmd"});
  a.entries.push_back(
      entry{3, 6, entry_type::config, encode_voters({1, 2, 3})});
  put("raft_message", "append", ds::encode_raft_message(a));
  message v;
  v.type = msg_type::vote;
  v.from = 2;
  v.to = 1;
  v.term = 4;
  v.log_term = 3;
  v.index = 6;
  put("raft_message", "vote", ds::encode_raft_message(v));
  message s;
  s.type = msg_type::snapshot;
  s.from = 1;
  s.to = 3;
  s.term = 3;
  snapshot snap;
  snap.meta = {6, 3, {1, 2, 3}};
  snap.data = "state";
  s.snap = snap;
  put("raft_message", "snapshot", ds::encode_raft_message(s));
  message r;
  r.type = msg_type::read_index;
  r.from = 2;
  r.to = 1;
  r.term = 3;
  r.context = "req-17";
  put("raft_message", "read_index", ds::encode_raft_message(r));
  envelope env;
  env.from = 1;
  env.to = 2;
  env.msgs.push_back(group_message{7, false, a});
  message hb;
  hb.type = msg_type::heartbeat;
  hb.from = 1;
  hb.to = 2;
  hb.term = 3;
  hb.commit = 4;
  env.msgs.push_back(group_message{9, true, hb});
  put("raft_message", "envelope", ds::encode_envelope(env));
  ds::group_chunk c;
  c.group = 3;
  c.from = 1;
  c.transfer = 2;
  c.seq = 4;
  c.last = true;
  c.leader_term = 5;
  c.index = 120;
  c.index_term = 5;
  c.voters = {1, 2, 3};
  c.data = "state";
  put("raft_message", "group_chunk", ds::encode_group_chunk(c));
}

std::vector<ds::meta_command> commands() {
  ds::migration_begin b;
  b.dir = 42;
  b.range = {0, (uint64_t{1} << 63) - 1};
  b.from = 0;
  b.to = 1;
  b.owner = "node1";
  b.now_ns = 1'000'000'000;
  ds::psm_record p;
  p.at = 100;
  p.policy = "predictive";
  p.node = "node1";
  ds::plan::decision d;
  d.at = 100;
  d.part.dir = 42;
  d.part.range = {0, (uint64_t{1} << 63) - 1};
  d.to = 1;
  d.why.model = "spar";
  p.decisions = ds::plan::encode_decisions({d});
  p.count = 1;
  return {ds::config_set{"move-quiet-time", "90s", 0, false},
          b,
          ds::migration_progress{1},
          ds::migration_commit{1, 2'000'000'000},
          ds::migration_abort{2, 3'000'000'000},
          p,
          ds::migration_settled{1, 4'000'000'000, 1000, 1'000'000'000}};
}

void meta() {
  ds::meta_state s;
  int i = 0;
  for (auto& c : commands()) {
    put("meta_command",
        ds::kind_name(c) + std::string{"_"} + std::to_string(i++),
        ds::encode_meta_command(c));
    (void)s.apply(c);
  }
  put("meta_snapshot", "after_commands", ds::encode_meta_state(s));
  put("meta_snapshot", "empty_state", ds::encode_meta_state(ds::meta_state{}));
}

void traces() {
  std::ostringstream out;
  ds::workload::trace_writer w{out};
  w.write({0, ds::workload::op_kind::mkdir, "/projects", 0});
  w.write({120, ds::workload::op_kind::create, "/projects/notes.txt", 3});
  w.write({122, ds::workload::op_kind::stat, "/projects/notes.txt", 5});
  w.write({5000, ds::workload::op_kind::readdir, "/projects", 1});
  put("trace_reader", "trace", out.str());
}

void client_messages() {
  std::vector<ds::ns_request> batch(2);
  batch[0].op = ds::ns_op::create;
  batch[0].dir = ds::root_ino;
  batch[0].name = "notes.txt";
  batch[1].op = ds::ns_op::readdir;
  batch[1].dir = ds::root_ino;
  batch[1].cookie = ds::readdir_cookie{ds::name_hash("a"), "a", false}.encode();
  batch[1].max_entries = 100;
  put("client_message", "ns_batch", caf_bytes(0, batch));
  ds::path_request p;
  p.op = ds::path_op::mkdir;
  p.path = "/projects/2024";
  put("client_message", "path", caf_bytes(1, p));
  put("client_message", "locate", caf_bytes(2, std::string{"/projects/a"}));
  put("client_message", "meta",
      caf_bytes(3, ds::meta_command{ds::config_set{"psm.policy", "off"}}));
  put("client_message", "meta_batch", caf_bytes(4, commands()));
  ds::move_request m;
  m.dir = 42;
  m.range = {0, (uint64_t{1} << 63) - 1};
  m.to = 1;
  put("client_message", "move", caf_bytes(5, m));
  put("client_message", "migrations",
      caf_bytes(6, ds::migration_query{0, 10, false}));
  std::vector<ds::psm_access> xs{{ds::root_ino, "a", 0, 1000},
                                 {ds::root_ino, "", 3, 2000}};
  put("client_message", "psm_import", caf_bytes(7, xs));
  put("client_message", "cfg_keys",
      caf_bytes(8, std::vector<std::string>{"psm.policy", "move-quiet-time"}));
}

void configs() {
  put("config_check", "small",
      "[dagshard]\nport=0\nshards=2\nsync=\"normal\"\n"
      "request-timeout=2s\nlog-format=\"json\"\n");
  put("config_check", "cluster",
      "[dagshard]\nnode-id=\"n1\"\nport=4301\n"
      "peers=[\"n2@127.0.0.1:4302\", \"n3@127.0.0.1:4303\"]\n"
      "[middleman]\nheartbeat-interval=0s\n");
}

} // namespace

// What a console sends a node's plaintext port: its handshake, a message, a
// heartbeat; the first byte is the fuzz target's cut of the stream.
std::string basp_header(uint8_t op, uint32_t payload, uint64_t dest) {
  std::string h{static_cast<char>(op), 0, 0, 0};
  for (int i = 3; i >= 0; --i)
    h.push_back(static_cast<char>(payload >> (8 * i)));
  h.append(16, '\0');
  for (int i = 7; i >= 0; --i)
    h.push_back(static_cast<char>(dest >> (8 * i)));
  return h;
}

void basp_streams() {
  std::string node;
  for (int i = 7; i >= 0; --i)
    node.push_back(
        static_cast<char>(ds::guard::default_node_id_class >> (8 * i)));
  node += std::string{0, 0, 0x10, 0x2a} + std::string(20, '\x33');
  auto hello = basp_header(1, 32, 0) + node;
  put("basp_stream", "hello", std::string(1, '\x05') + hello);
  put("basp_stream", "session",
      std::string(1, '\x0c') + hello + basp_header(2, 4, 7) + "abcd" +
          basp_header(6, 0, 0));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seeds CORPUS_DIR\n";
    return 2;
  }
  root = argv[1];
  names();
  cookies();
  node_codec();
  dag_recipes();
  raft_messages();
  meta();
  traces();
  client_messages();
  configs();
  basp_streams();
  return 0;
}
