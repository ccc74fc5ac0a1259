// A client that tries a node's internal face from outside with nothing but
// CAF's public API. It asks the gateway for the internal handles; then it
// addresses every actor id of the node by hand (a proxy routed by its own
// BASP broker, as CAF makes for any handle it deserializes), and sends each
// actor that turns out to be an internal one the crafted messages of a
// review: begin_export with an unknown migration id, thaw, a Raft append
// at a higher term with a conflicting entry, rmdir_commit, and an exit.
// Usage: faces_probe HOST PORT DIR_PATH. Prints one line per check, and
// "guarded N" (the internal actors found); exit 0 if each crafted message
// was refused. The caller checks that nothing changed.
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include <caf/all.hpp>
#include <caf/forwarding_actor_proxy.hpp>
#include <caf/io/all.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/openssl/all.hpp>

#include "client/client.hpp"
#include "messages/raft_codec.hpp"

using namespace ds;

namespace {

/// With DS_PROBE_TLS="CERT KEY CA" the probe is a console with that
/// certificate (mutual TLS).
struct probe_config : caf::actor_system_config {
  bool tls = false;
  probe_config() {
    load<caf::io::middleman>();
    add_ns_message_types(*this);
    if (auto env = std::getenv("DS_PROBE_TLS")) {
      std::istringstream in{env};
      in >> openssl_certificate >> openssl_key >> openssl_cafile;
      load<caf::openssl::manager>();
      tls = true;
    }
  }
};

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok: " : "FAIL: ") << what << "\n";
  failures += ok ? 0 : 1;
}

constexpr auto deadline = std::chrono::seconds(5);

/// Actor `aid` of node `nid`, as a handle that this process's BASP broker
/// carries there.
caf::actor by_id(caf::actor_system& sys, const caf::node_id& nid,
                 caf::actor_id aid) {
  auto basp =
      sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  caf::actor_config cfg;
  return caf::actor_cast<caf::actor>(
      caf::make_actor<caf::forwarding_actor_proxy, caf::strong_actor_ptr>(
          aid, nid, &sys, cfg, basp));
}

/// How `dst` answers `xs`: "value", "EINVAL", or the error's text.
template <class... Ts>
std::string answer(caf::scoped_actor& self, const caf::actor& dst, Ts&&... xs) {
  std::string out = "no answer";
  self->request(dst, deadline, std::forward<Ts>(xs)...)
      .receive([&](caf::message&) { out = "value"; },
               [&](caf::error& e) {
                 out = e == caf::sec::invalid_argument
                           ? "EINVAL"
                           : self->system().render(e);
               });
  return out;
}

std::string crafted_append() {
  raft::message m;
  m.type = raft::msg_type::append;
  m.from = 2;
  m.to = 1;
  m.term = 1000;
  raft::entry e;
  e.term = 1000;
  e.index = 1;
  m.entries.push_back(e);
  m.commit = 1;
  return encode_raft_message(m);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: faces_probe HOST PORT DIR_PATH\n";
    return 2;
  }
  probe_config cfg;
  caf::actor_system sys{cfg};
  std::string err;
  auto c = client::connect(
      sys, argv[1], static_cast<uint16_t>(std::stoi(argv[2])), err, cfg.tls);
  if (!c) {
    std::cerr << "cannot connect: " << err << "\n";
    return 2;
  }
  caf::scoped_actor self{sys};
  auto gw = caf::actor_cast<caf::actor>(c->gateway());
  check(answer(self, gw, hello_atom::value) == "EINVAL",
        "hello from a client is refused");
  path_request st;
  st.op = path_op::stat;
  st.path = argv[3];
  auto dir = c->call(st);
  check(dir.code == errc::ok, std::string{"stat "} + argv[3]);
  // Every actor id the node may have used so far: the gateway answers,
  // ids of actors never seen by another node are unknown, and the rest
  // refuse (their gate) or not.
  std::map<std::string, int> kinds;
  std::vector<caf::actor> guarded;
  for (caf::actor_id aid = 1; aid <= 400; ++aid) {
    if (aid == gw.id())
      continue;
    auto a = by_id(sys, gw.node(), aid);
    auto what = answer(self, a, raft_status_atom::value);
    ++kinds[what];
    if (what == "EINVAL")
      guarded.push_back(a);
  }
  for (auto& [what, n] : kinds)
    std::cout << "ids answering '" << what << "': " << n << "\n";
  std::cout << "guarded " << guarded.size() << "\n";
  part_ref part{dir.a.ino, hash_range{uint64_t{1} << 63, ~uint64_t{0}}, 999};
  std::vector<ns_request> commit{make_request(ns_op::rmdir_commit, dir.a.ino)};
  for (auto& a : guarded) {
    auto id = std::to_string(a.id());
    check(answer(self, a, part_atom::value,
                 part_request{part_begin_export{part}}) == "EINVAL",
          "begin_export to actor " + id + " is refused");
    check(answer(self, a, part_atom::value, part_request{part_thaw{part}}) ==
              "EINVAL",
          "thaw to actor " + id + " is refused");
    check(answer(self, a, ns_atom::value, commit) == "EINVAL",
          "rmdir_commit to actor " + id + " is refused");
    self->send(a, raft_atom::value, crafted_append());
    self->send_exit(a, caf::exit_reason::kill);
  }
  self->send_exit(gw, caf::exit_reason::kill);
  errc code = errc::eio;
  c->raft_state(code);
  check(code == errc::ok, "the gateway still answers");
  return failures == 0 ? 0 : 1;
}
