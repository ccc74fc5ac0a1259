// Calls that the user can abandon: in the interactive shell every call to
// the node runs on a worker thread, so that Ctrl-C returns to the prompt at
// once even while a call waits for its deadline.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace ds::dagsh {

/// Set by the SIGINT handler, cleared by whoever acts on it.
extern std::atomic<bool> interrupted;

class call_gate {
public:
  call_gate();
  ~call_gate();
  call_gate(const call_gate&) = delete;
  call_gate& operator=(const call_gate&) = delete;

  /// Interruptible: calls run on the worker and `interrupted` abandons
  /// them; otherwise they run on the caller's thread (scripts).
  void set_interruptible(bool on) { interruptible_ = on; }
  bool interruptible() const { return interruptible_; }

  /// f's result, or nothing when `interrupted` was raised first (the
  /// worker finishes f and drops its result; a new worker takes over).
  template <class R> std::optional<R> run(std::function<R()> f) {
    if (!interruptible_)
      return f();
    auto slot = std::make_shared<std::optional<R>>();
    if (!run_on_worker([slot, f = std::move(f)] { *slot = f(); }))
      return std::nullopt;
    return std::move(*slot);
  }

private:
  struct worker;
  bool run_on_worker(std::function<void()> job);

  bool interruptible_ = false;
  std::shared_ptr<worker> worker_;
};

/// Sleeps `seconds`; false if `interrupted` cut it short.
bool interruptible_sleep(double seconds);

} // namespace ds::dagsh
