// Fuzz target: the msgpack records a shard stores (storage/node_codec.hpp):
// DAG node records and part records. The first byte chooses the decoder;
// bad bytes must end in sql::storage_error, and a record that decodes must
// encode and decode to the same record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "storage/node_codec.hpp"
#include "storage/sqlite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string in{reinterpret_cast<const char*>(data) + 1, size - 1};
  try {
    if (data[0] & 1) {
      ds::dir_parts p;
      ds::decode_parts(in, p);
      ds::dir_parts q;
      ds::decode_parts(ds::encode_parts(p), q);
      if (ds::encode_parts(q) != ds::encode_parts(p))
        std::abort();
    } else {
      ds::node_record r;
      ds::decode_node(in, r);
      ds::node_record s;
      ds::decode_node(ds::encode_node(r), s);
      if (ds::encode_node(s) != ds::encode_node(r))
        std::abort();
    }
  } catch (const ds::sql::storage_error&) {
  }
  return 0;
}
