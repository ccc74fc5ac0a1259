#include "tests/support/linearizability.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_set>

namespace ds::lin {

namespace {

using state = std::optional<std::string>;

/// Applies `o` to `s`; false if `o`'s recorded answer is impossible in `s`.
bool step(const op& o, state& s) {
  switch (o.kind) {
  case op::write:
    s = o.value;
    return true;
  case op::read:
    return !o.answered || o.result == s;
  case op::cas: {
    bool match = s && *s == o.expected;
    if (o.answered && o.ok != match)
      return false;
    if (match)
      s = o.value;
    return true;
  }
  }
  return false;
}

struct search {
  const std::vector<op>& ops; // one key, sorted by call time
  uint64_t budget;
  uint64_t steps = 0;
  std::unordered_set<std::string> seen; // memo of (linearized set, state)

  std::string memo_key(const std::vector<bool>& done, const state& s) {
    std::string k;
    k.reserve(done.size() / 8 + 16);
    char byte = 0;
    for (size_t i = 0; i < done.size(); ++i) {
      if (done[i])
        byte = static_cast<char>(byte | (1 << (i % 8)));
      if (i % 8 == 7) {
        k.push_back(byte);
        byte = 0;
      }
    }
    k.push_back(byte);
    k += s ? "=" + *s : "#";
    return k;
  }

  /// Depth-first: which pending op can be linearized next?
  bool run(std::vector<bool>& done, size_t left, const state& s) {
    if (left == 0)
      return true;
    if (++steps > budget)
      return false;
    if (!seen.insert(memo_key(done, s)).second)
      return false;
    // The earliest return among ops not yet linearized bounds the candidates:
    // an op can go next only if it was called before every other pending op
    // returned.
    int64_t min_ret = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < ops.size(); ++i)
      if (!done[i] && ops[i].answered)
        min_ret = std::min(min_ret, ops[i].ret);
    for (size_t i = 0; i < ops.size(); ++i) {
      if (done[i] || ops[i].call > min_ret)
        continue;
      state next = s;
      if (step(ops[i], next)) {
        done[i] = true;
        if (run(done, left - 1, next))
          return true;
        done[i] = false;
      }
      // An op without an answer may also never have happened.
      if (!ops[i].answered) {
        done[i] = true;
        if (run(done, left - 1, s))
          return true;
        done[i] = false;
      }
    }
    return false;
  }
};

} // namespace

verdict check(const std::vector<op>& history, uint64_t max_steps) {
  std::map<std::string, std::vector<op>> by_key;
  for (auto& o : history)
    by_key[o.key].push_back(o);
  verdict v;
  for (auto& [key, ops] : by_key) {
    std::sort(ops.begin(), ops.end(),
              [](const op& x, const op& y) { return x.call < y.call; });
    search s{ops, max_steps, 0, {}};
    std::vector<bool> done(ops.size());
    bool ok = s.run(done, ops.size(), std::nullopt);
    if (!ok) {
      v.linearizable = false;
      v.key = key;
      v.gave_up = s.steps > max_steps;
      v.detail = v.gave_up ? "search budget exhausted"
                           : "no order of the " + std::to_string(ops.size()) +
                                 " operations explains the answers";
      return v;
    }
  }
  return v;
}

} // namespace ds::lin
