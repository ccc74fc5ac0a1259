// msgpack encoding of a shard's commit batch as one command of its Raft
// group: the leader evaluates requests against its state and proposes the
// final state of everything they touched (commit_batch); every replica
// writes the batch to its shard store once it is committed, in log order.
// A batch holds final states, so applying it twice changes nothing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/namespace/ns_shard.hpp"

namespace ds {

/// [version=1, [[row, dir, hash, name, ino, kind, mode, size, mtime,
/// version]...], [del_row...], [[dir, node_id, node_bytes]...], [[dir,
/// node_id]...], [dead_dir...], [[dir, parts_bytes]...], next_seq, next_row]
/// (node_bytes: encode_node; parts_bytes: encode_parts). A batch with
/// request records is version 2, with two more fields: [[seq, rid, dir,
/// hash, at, ino, kind, mode, size, mtime, version(, code)]...],
/// requests_from; or version 3 when the records' sequence numbers follow
/// each other: [first_seq, [record...]], requests_from, where a record is
/// [rid, i] for a success that made put_entries[i] (its answer and time
/// are that entry's) and [rid, dir, hash, at, ino, kind, mode, size,
/// mtime, version, code] otherwise (batch_codec.cpp).
std::string encode_commit_batch(const commit_batch& b);

/// Request records as one blob (a shard store keeps a batch's records so):
/// [[seq, rid, dir, hash, at, ino, kind, mode, size, mtime, version(,
/// code)]...], the code only for a failed answer.
std::string encode_request_records(const std::vector<request_record>& rs);

/// Decodes encode_request_records's output; throws sql::storage_error.
std::vector<request_record> decode_request_records(const std::string& bytes);

/// Decodes encode_commit_batch's output; throws sql::storage_error naming
/// the problem if the bytes are not such a batch (an entry whose name is
/// invalid or whose hash is not its name's, an unknown kind, a malformed
/// node or part record).
commit_batch decode_commit_batch(const std::string& bytes);

/// Cuts a whole shard's batch (a store as the batch that writes it into an
/// empty one) into encoded batches of about `max_bytes` each at most (one
/// record larger than that makes a chunk of its own). The first chunk
/// carries the allocator positions; merging the decoded chunks in order
/// with append_commit_batch gives back `whole`.
std::vector<std::string> split_commit_batch(const commit_batch& whole,
                                            std::size_t max_bytes);

/// Appends the records of `part` to `into` and takes its allocator
/// positions where they are set.
void append_commit_batch(commit_batch& into, commit_batch&& part);

} // namespace ds
