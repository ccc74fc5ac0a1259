// msgpack encoding of stored DAG node records.
#pragma once

#include <string>

#include "model/namespace/hdag.hpp"
#include "model/namespace/parts.hpp"

namespace ds {

/// [version=1, lo, hi, array, start_bit, width_bits, [slots...]]
std::string encode_node(const node_record& r);

/// Decodes encode_node's output into `out` (keeping out.id); throws
/// sql::storage_error naming the problem if the bytes are not such a record.
void decode_node(const std::string& bytes, node_record& out);

/// [version=1, home, epoch, [[lo, hi, state, shard, epoch, migration]...]]
std::string encode_parts(const dir_parts& p);

/// Decodes encode_parts's output; throws sql::storage_error if the bytes
/// are not such a record or a part is malformed.
void decode_parts(const std::string& bytes, dir_parts& out);

} // namespace ds
