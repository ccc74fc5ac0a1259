// dagctl's commands about parts of directories: moving one, the record of
// migrations, and a router's placement cache counters.
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "tools/dagctl/commands.hpp"

namespace ds::dagctl {

namespace {

using json = nlohmann::json;

/// "BITS:INDEX": the INDEX-th of the 2^BITS equal parts of the hash space.
bool parse_part(const std::string& s, hash_range& out) {
  auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
    return false;
  char* end = nullptr;
  auto bits = std::strtoull(s.c_str(), &end, 10);
  if (end != s.c_str() + colon || bits < 1 || bits > 32)
    return false;
  auto index = std::strtoull(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || s[colon + 1] == '-' || index >= (uint64_t{1} << bits))
    return false;
  uint64_t span = ~uint64_t{0} >> bits;
  out.lo = index << (64 - bits);
  out.hi = out.lo | span;
  return true;
}

std::string hex(uint64_t x) {
  std::ostringstream s;
  s << "0x" << std::hex << std::setw(16) << std::setfill('0') << x;
  return s.str();
}

} // namespace

bool parse_parts_args(int argc, char** argv, int i, invocation& out,
                      std::string& err) {
  if (out.command == "move") {
    if (argc - i != 3) {
      err = "usage: move DIR BITS:INDEX SHARD";
      return false;
    }
    out.path = argv[i];
    out.args = {argv[i + 1], argv[i + 2]};
    hash_range r;
    if (!parse_part(out.args[0], r)) {
      err = "bad part " + out.args[0] +
            " (BITS:INDEX, 1 <= BITS <= 32, INDEX < 2^BITS)";
      return false;
    }
    char* end = nullptr;
    auto shard = std::strtoul(out.args[1].c_str(), &end, 10);
    if (out.args[1].empty() || *end != '\0' || out.args[1][0] == '-' ||
        shard > 1'000'000) {
      err = "bad shard " + out.args[1];
      return false;
    }
    return true;
  }
  if (i != argc) {
    err = std::string{"unexpected argument "} + argv[i];
    return false;
  }
  return true;
}

int run_parts(client& cl, const invocation& inv, std::ostream& out,
              std::ostream& err) {
  if (inv.command == "move") {
    hash_range r;
    parse_part(inv.args[0], r);
    auto shard = static_cast<uint32_t>(std::stoul(inv.args[1]));
    auto m = cl.move(inv.path, r, shard);
    if (m.code != errc::ok) {
      err << to_string(m.code) << ": " << inv.path << " " << inv.args[0]
          << std::endl;
      if (inv.json)
        out << json{{"error", std::string{to_string(m.code)}},
                    {"migration", m.migration}}
                   .dump()
            << std::endl;
      return m.code == errc::eunavailable ? 2 : 1;
    }
    if (inv.json)
      out << json{{"migration", m.migration}, {"epoch", m.epoch}}.dump()
          << std::endl;
    else
      out << "moved: migration " << m.migration << ", placement epoch "
          << m.epoch << "\n";
    return 0;
  }
  errc code = errc::ok;
  if (inv.command == "migrations") {
    auto xs = cl.migrations(code);
    if (code != errc::ok) {
      err << "EUNAVAILABLE: the node did not answer" << std::endl;
      return 2;
    }
    if (inv.json) {
      json arr = json::array();
      for (auto& m : xs)
        arr.push_back(json{{"id", m.id},
                           {"dir", m.dir},
                           {"lo", hex(m.range.lo)},
                           {"hi", hex(m.range.hi)},
                           {"from", m.from},
                           {"to", m.to},
                           {"state", to_string(m.state)},
                           {"epoch", m.epoch}});
      out << json{{"migrations", arr}}.dump() << std::endl;
      return 0;
    }
    out << std::left << std::setw(6) << "ID" << std::setw(22) << "DIR"
        << std::setw(40) << "PART" << std::setw(6) << "FROM" << std::setw(6)
        << "TO" << std::setw(11) << "STATE"
        << "EPOCH\n";
    for (auto& m : xs)
      out << std::setw(6) << m.id << std::setw(22) << m.dir << std::setw(40)
          << (hex(m.range.lo) + ".." + hex(m.range.hi)) << std::setw(6)
          << m.from << std::setw(6) << m.to << std::setw(11)
          << to_string(m.state) << m.epoch << "\n";
    return 0;
  }
  auto s = cl.router(code);
  if (code != errc::ok) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  if (inv.json) {
    out << json{{"routed", s.routed},
                {"cache_hits", s.cache_hits},
                {"cache_misses", s.cache_misses},
                {"wrong_shard", s.wrong_shard},
                {"refreshes", s.refreshes},
                {"retries", s.retries},
                {"pushes", s.pushes},
                {"dir_hits", s.dir_hits},
                {"dir_misses", s.dir_misses},
                {"dir_stale", s.dir_stale},
                {"dir_evictions", s.dir_evictions},
                {"dir_entries", s.dir_entries}}
               .dump()
        << std::endl;
    return 0;
  }
  out << "routed:       " << s.routed << "\ncache hits:   " << s.cache_hits
      << "\ncache misses: " << s.cache_misses << " (sent to the home shard)"
      << "\nwrong shard:  " << s.wrong_shard
      << "\nrefreshes:    " << s.refreshes << "\nretries:      " << s.retries
      << "\npushes:       " << s.pushes
      << "\ndirectory lookups (path components):"
      << "\n  cached:     " << s.dir_hits << "\n  looked up:  " << s.dir_misses
      << "\n  stale:      " << s.dir_stale
      << " (dropped, resolved again)\n  evicted:    " << s.dir_evictions
      << "\n  entries:    " << s.dir_entries << "\n";
  return 0;
}

} // namespace ds::dagctl
