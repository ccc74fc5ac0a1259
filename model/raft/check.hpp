// Internal consistency checks of the Raft core. A failed check is a bug in
// the core or a broken contract by its caller (e.g. storage that lost a
// synced entry); it throws, so a test fails instead of corrupting state.
#pragma once

#include <stdexcept>
#include <string>

namespace ds::raft {

/// Thrown when an internal invariant of the core does not hold.
struct invariant_error : std::logic_error {
  using std::logic_error::logic_error;
};

} // namespace ds::raft

#define DS_RAFT_CHECK(cond, what)                                              \
  do {                                                                         \
    if (!(cond))                                                               \
      throw ::ds::raft::invariant_error(std::string("raft: ") + (what));       \
  } while (false)
