// doctest's runner plus the two functions CAF's test DSL expects from CAF's
// own test engine.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "tests/actors/caf_doctest.hpp"

namespace caf::test {
int engine::argc() {
  return 0;
}
char** engine::argv() {
  return nullptr;
}
} // namespace caf::test
