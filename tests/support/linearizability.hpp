// A linearizability checker for histories of a key-value register: the
// Wing & Gong search with memoization of (linearized set, state), as
// Porcupine does, run per key (P-compositionality). An operation whose answer
// never came may take effect or not: it is given an infinite return time and
// may be left out.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ds::lin {

/// One operation on one key, with the times its call was made and its
/// answer seen (any monotonic unit; `answered` = false: no answer came).
struct op {
  enum kind_t { write, read, cas } kind = read;
  std::string key;
  std::string value;                 ///< write: the value; cas: the new value
  std::string expected;              ///< cas: the value that must be there
  std::optional<std::string> result; ///< read: what it saw (nullopt: absent)
  bool ok = true;                    ///< cas: whether it took effect
  int64_t call = 0;
  int64_t ret = std::numeric_limits<int64_t>::max();
  bool answered = true;
};

struct verdict {
  bool linearizable = true;
  std::string key; ///< the first key whose history is not linearizable
  std::string detail;
  bool gave_up = false; ///< the search exceeded its step budget
};

/// Checks every key's history. `max_steps` bounds the search per key.
verdict check(const std::vector<op>& history, uint64_t max_steps = 10'000'000);

} // namespace ds::lin
