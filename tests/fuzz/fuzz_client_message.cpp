// Fuzz target: what the gateway decodes from a client. CAF's BASP turns a
// message's payload into the arguments of the gateway's handlers with the
// types' inspect functions (a binary_deserializer); the gateway then checks
// them with pure functions before anything reaches the router. The first
// input byte chooses a handler, the rest is that handler's argument as
// CAF's binary format; an argument that decodes goes through the same
// checks as at the gateway, and through what the router does first with it
// (the path walk, the choice of a shard, the readdir cookie, the settings
// key).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "messages/ns.hpp"
#include "model/meta/route.hpp"
#include "model/namespace/client_check.hpp"
#include "model/namespace/hdag.hpp"
#include "model/namespace/name.hpp"
#include "model/namespace/path_walk.hpp"
#include "psm/access/import.hpp"

namespace {

template <class T> bool load(const uint8_t* data, size_t size, T& out) {
  caf::binary_deserializer src{nullptr, reinterpret_cast<const char*>(data),
                               size};
  return !src(out);
}

void ns_batch(const std::vector<ds::ns_request>& reqs) {
  if (reqs.size() > ds::max_batch || !ds::check_client_batch(reqs).empty())
    return;
  // The router's choice of a shard, by a placement of three parts.
  ds::dir_placement p;
  p.epoch = 3;
  p.parts = {{{0, (uint64_t{1} << 62) - 1}, 1, 2},
             {{uint64_t{1} << 63, (uint64_t{3} << 62) - 1}, 2, 3}};
  for (auto r : reqs) {
    (void)ds::validate_name(r.name);
    ds::readdir_cookie c;
    (void)ds::readdir_cookie::decode(r.cookie, c);
    (void)ds::choose_shard(r, &p, 0, ~uint64_t{0});
  }
}

void path(const ds::path_request& req) {
  ds::path_job j;
  ds::ns_reply out;
  if (!ds::start_walk(req, j, out))
    (void)ds::next_request(j);
}

void settings(const std::vector<ds::meta_command>& cmds) {
  if (cmds.empty() || cmds.size() > ds::max_meta_batch)
    return;
  for (auto& c : cmds)
    if (std::holds_alternative<ds::config_set>(c))
      (void)ds::validate_command(c);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto* body = data + 1;
  auto n = size - 1;
  switch (data[0] % 9) {
  case 0: {
    std::vector<ds::ns_request> x;
    if (load(body, n, x))
      ns_batch(x);
    break;
  }
  case 1: {
    ds::path_request x;
    if (load(body, n, x))
      path(x);
    break;
  }
  case 2: { // locate, psm_series: a path
    std::string x;
    std::vector<std::string> parts;
    if (load(body, n, x))
      (void)ds::split_path(x, parts);
    break;
  }
  case 3: {
    ds::meta_command x;
    if (load(body, n, x))
      settings({x});
    break;
  }
  case 4: {
    std::vector<ds::meta_command> x;
    if (load(body, n, x))
      settings(x);
    break;
  }
  case 5: {
    ds::move_request x;
    (void)load(body, n, x);
    break;
  }
  case 6: {
    ds::migration_query x;
    if (load(body, n, x))
      (void)ds::meta_state{}.migrations_page(x);
    break;
  }
  case 7: {
    std::vector<ds::psm_access> x;
    if (load(body, n, x) && x.size() <= ds::max_psm_import)
      for (auto& e : x)
        (void)ds::access::check_event(e);
    break;
  }
  case 8: { // cfg_get_many, cfg_get: keys
    std::vector<std::string> x;
    if (load(body, n, x) && !x.empty() && x.size() <= ds::max_meta_batch)
      for (auto& k : x)
        (void)ds::validate_config_key(k);
    break;
  }
  }
  return 0;
}
