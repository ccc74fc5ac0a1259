// The namespace protocol: messages and typed interfaces of the DAG shard,
// the router and the node gateway. One line per message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "model/ns_ops.hpp"
#include "model/ns_shard.hpp"

namespace ds {

using ns_atom = caf::atom_constant<caf::atom("ns")>;
using path_atom = caf::atom_constant<caf::atom("nspath")>;
using shards_atom = caf::atom_constant<caf::atom("nsshards")>;
using commit_atom = caf::atom_constant<caf::atom("nscommit")>;
using node_atom = caf::atom_constant<caf::atom("nsnode")>;

/// Most requests one batch message may carry; larger batches are refused.
constexpr size_t max_batch = 65536;

/// A path-addressed operation, as the console and scripts send it.
enum class path_op : uint8_t { stat, create, mkdir, unlink, rmdir, readdir };

struct path_request {
  path_op op = path_op::stat;
  std::string path;         ///< absolute, components separated by one '/'
  uint32_t mode = 0;        ///< create/mkdir; 0 = default
  std::string cookie;       ///< readdir continuation
  uint32_t max_entries = 0; ///< readdir page size
};

/// What `dagctl shards` shows for one shard.
struct shard_info {
  uint32_t shard = 0;
  std::string node;  ///< address of the node that hosts it
  ns_shard_stats stats;
  uint64_t commits = 0; ///< storage transactions
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attrs& x) {
  return f(caf::meta::type_name("ds::attrs"), x.ino, x.kind, x.mode, x.size,
           x.mtime, x.version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entry& x) {
  return f(caf::meta::type_name("ds::entry"), x.name, x.hash, x.a, x.row);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_record& x) {
  return f(caf::meta::type_name("ds::node_record"), x.id, x.lo, x.hi, x.array,
           x.start_bit, x.width_bits, x.slots);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dir_entry& x) {
  return f(caf::meta::type_name("ds::dir_entry"), x.dir, x.e);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dir_node& x) {
  return f(caf::meta::type_name("ds::dir_node"), x.dir, x.r);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_batch& x) {
  return f(caf::meta::type_name("ds::commit_batch"), x.put_entries, x.del_rows,
           x.put_nodes, x.del_nodes, x.dead_dirs, x.next_seq, x.next_row);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dirent& x) {
  return f(caf::meta::type_name("ds::dirent"), x.name, x.a);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_request& x) {
  return f(caf::meta::type_name("ds::ns_request"), x.op, x.dir, x.name,
           x.mode, x.expect_ino, x.cookie, x.max_entries, x.node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_reply& x) {
  return f(caf::meta::type_name("ds::ns_reply"), x.code, x.a, x.entries,
           x.cookie, x.eof);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, path_request& x) {
  return f(caf::meta::type_name("ds::path_request"), x.op, x.path, x.mode,
           x.cookie, x.max_entries);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_shard_stats& x) {
  return f(caf::meta::type_name("ds::ns_shard_stats"), x.dirs, x.nodes,
           x.entries, x.ops, x.splits, x.merges);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_info& x) {
  return f(caf::meta::type_name("ds::shard_info"), x.shard, x.node, x.stats,
           x.commits);
}

/// A DAG shard: serves handle-addressed requests on the DAGs it holds, from
/// memory; its committer makes changes durable.
using shard_actor = caf::typed_actor<
  // Applies a batch in order; answers after its changes are durable.
  caf::replies_to<ns_atom, std::vector<ns_request>>::with<
    std::vector<ns_reply>>,
  // Counters of this shard.
  caf::replies_to<shards_atom>::with<shard_info>>;

/// A shard's committer (local only, its own thread): writes one batch at a
/// time to the shard's store.
using committer_actor = caf::typed_actor<
  // Writes the batch durably; answers the count of commits so far, or an
  // error after which the store must not be used again.
  caf::replies_to<commit_atom, commit_batch>::with<uint64_t>>;

/// The router: resolves paths and sends each request to its shard.
using router_actor = caf::typed_actor<
  // Handle-addressed batch, split by shard and gathered in order.
  caf::replies_to<ns_atom, std::vector<ns_request>>::with<
    std::vector<ns_reply>>,
  // One path-addressed operation.
  caf::replies_to<path_atom, path_request>::with<ns_reply>,
  // Counters of every shard it routes to.
  caf::replies_to<shards_atom>::with<std::vector<shard_info>>>;

/// The node gateway, published on the node's port: the router's interface
/// for remote clients, with input checks in front of it.
using gateway_actor = router_actor::extend<
  // Node identity: (address, shard count).
  caf::replies_to<node_atom>::with<std::string, uint32_t>,
  // Sets the address the node is reachable at (once it is published).
  caf::reacts_to<node_atom, std::string>>;

/// Registers every message type of this header under a stable name.
void add_ns_message_types(caf::actor_system_config& cfg);

const char* to_string(path_op x);

} // namespace ds
