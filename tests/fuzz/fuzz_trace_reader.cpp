// Fuzz target: the dagbench trace reader (tools/dagbench/workload/trace.hpp).
// A bad line must end in trace_error; the events read must be written and
// read back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "tools/dagbench/workload/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in{std::string{reinterpret_cast<const char*>(data), size}};
  ds::workload::trace_reader r{in};
  std::vector<ds::workload::event> events;
  try {
    ds::workload::event e;
    while (r.next(e))
      events.push_back(e);
  } catch (const ds::workload::trace_error&) {
  }
  std::ostringstream out;
  ds::workload::trace_writer w{out};
  for (auto& e : events)
    w.write(e);
  std::istringstream back{out.str()};
  ds::workload::trace_reader r2{back};
  ds::workload::event e;
  for (auto& x : events)
    if (!r2.next(e) || !(e == x))
      std::abort(); // what was read does not read back the same
  if (r2.next(e))
    std::abort();
  return 0;
}
