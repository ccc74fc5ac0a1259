// The steps of moving a part of a directory, as a router asks them of a
// shard: one plain struct per step, holding only the fields that step
// means, and part_request, the variant the shard protocol carries. Each
// struct's `inspect` beside it is its field list; the variant's own inspect
// for CAF is in messages/ns.hpp. The steps are ns_shard's migration
// methods (ns_shard.hpp), which say what each one does.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "model/namespace/parts.hpp"
#include "model/namespace/types.hpp"
#include "model/variant_kind.hpp"

namespace ds {

/// Which part a step is about, and the migration that moves it.
struct part_ref {
  inode_id dir = 0;
  hash_range range;       ///< a DAG node's range (aligned)
  uint64_t migration = 0; ///< the id the metadata log gave the move
};

/// The field list of part_ref.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_ref& x) {
  return f(x.dir, x.range, x.migration);
}

/// A step that carries nothing but its part; `Kind` tells such steps apart
/// (the aliases below).
template <int Kind> struct part_only_step { part_ref part; };

/// The field list of a step that carries nothing but its part.
template <class Inspector, int Kind>
typename Inspector::result_type inspect(Inspector& f, part_only_step<Kind>& x) {
  return f(x.part);
}

/// Source: stop writes to the part; answered with its entries (the whole
/// part copied in one message while writes wait: small parts, and tests).
using part_begin_export = part_only_step<0>;
/// Source, the move was aborted: writes are served again.
using part_thaw = part_only_step<1>;
/// Destination, the move was aborted: drop the part's entries.
using part_discard = part_only_step<2>;

/// Source, after the move committed at `epoch`: the part lives on `to`.
struct part_release {
  part_ref part;
  uint32_t to = 0;    ///< global shard id of the destination
  uint64_t epoch = 0; ///< placement epoch of the move's commit
};

/// The field list of part_release.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_release& x) {
  return f(x.part, x.to, x.epoch);
}

/// Destination: store the part's entries, not served until activated. A
/// copy sends them in chunks: the first import creates the pending part,
/// the next ones (same migration) add to it, replacing equal names.
struct part_import {
  part_ref part;
  std::vector<entry> entries; ///< what begin_export answered
  /// A copy's chunk: the part's request records kept before the copy began
  /// among the chunk's hashes (the later ones come with the patch).
  std::vector<request_record> requests;
};

/// The field list of part_import.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_import& x) {
  return f(x.part, x.entries, x.requests);
}

/// Destination, after the move committed at `epoch`: serve the part.
struct part_activate {
  part_ref part;
  uint64_t epoch = 0; ///< placement epoch of the move's commit
};

/// The field list of part_activate.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_activate& x) {
  return f(x.part, x.epoch);
}

/// Source: the next chunk of the part's entries while the part keeps
/// serving writes; the first chunk starts recording which names the writes
/// meanwhile touch (in memory: a restart of the source ends the copy, and
/// the next chunk or the freeze answers ENOENT). Answered with up to `max`
/// entries after (`after_hash`, `after_name`) in readdir order, and `eof`.
struct part_copy {
  part_ref part;
  bool first = true; ///< starts the copy (the cursor is ignored)
  uint64_t after_hash = 0;
  std::string after_name;
  uint32_t max = 0; ///< most entries in the answer (at least 1)
};

/// The field list of part_copy.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_copy& x) {
  return f(x.part, x.first, x.after_hash, x.after_name, x.max);
}

/// Source, after the last chunk of a copy: stop writes to the part (as
/// begin_export does); answered with the delta: the name hashes the writes
/// during the copy touched (`hashes`) and their entries now (`entries`),
/// and the request records of the part's names (`requests`).
using part_freeze = part_only_step<3>;

/// Destination: apply the delta of a copy to the pending part: every entry
/// of each hash in `hashes` is replaced by those of `entries` with that
/// hash (none: the names were removed); and keep the source's request
/// records of the part (`requests`). Repeating it is harmless.
struct part_patch {
  part_ref part;
  std::vector<uint64_t> hashes;
  std::vector<entry> entries;
  std::vector<request_record> requests;
};

/// The field list of part_patch.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_patch& x) {
  return f(x.part, x.hashes, x.entries, x.requests);
}

/// List the parts exporting or pending on the shard (moves left
/// unresolved); about no part in particular.
struct part_list_unresolved {};

/// The field list of part_list_unresolved: none.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_list_unresolved&) {
  return f();
}

/// One step of moving a part. The alternatives' order is their kind number
/// on the wire (kind_of, emplace_kind): append, never reorder.
using part_request =
    std::variant<part_begin_export, part_release, part_thaw, part_import,
                 part_activate, part_discard, part_list_unresolved, part_copy,
                 part_freeze, part_patch>;

/// The name of `r`'s step ("begin_export", "release", ... "unresolved").
const char* step_name(const part_request& r);

/// The part `r` is about; nullptr for part_list_unresolved.
inline const part_ref* part_of(const part_request& r) {
  return std::visit(
      [](const auto& s) -> const part_ref* {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>,
                                     part_list_unresolved>)
          return nullptr;
        else
          return &s.part;
      },
      r);
}

} // namespace ds
