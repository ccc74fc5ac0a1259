// A client that tries the node's internal face from outside, with nothing
// but CAF's public API: it asks the gateway for the internal handles, then
// takes the handle of the actor that answers it (the router, which the
// gateway hands client requests to) from an answer's sender, and sends that
// actor internal operations around the gateway's checks.
// Usage: faces_probe HOST PORT. Prints one line per check; exit 0 if every
// internal operation was refused and the namespace is as it was.
#include <iostream>
#include <string>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "client/client.hpp"

using namespace ds;

namespace {

struct probe_config : caf::actor_system_config {
  probe_config() {
    load<caf::io::middleman>();
    add_ns_message_types(*this);
  }
};

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok: " : "FAIL: ") << what << "\n";
  failures += ok ? 0 : 1;
}

constexpr auto deadline = std::chrono::seconds(5);

/// The answer to `xs` from `dst`: EINVAL (sec::invalid_argument)?
template <class Handle, class Reply, class... Ts>
bool refused(caf::scoped_actor& self, const Handle& dst, Ts&&... xs) {
  bool out = false;
  self->request(dst, deadline, std::forward<Ts>(xs)...)
      .receive([](Reply&) {},
               [&](caf::error& e) { out = e == caf::sec::invalid_argument; });
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: faces_probe HOST PORT\n";
    return 2;
  }
  probe_config cfg;
  caf::actor_system sys{cfg};
  std::string err;
  auto c = client::connect(sys, argv[1],
                           static_cast<uint16_t>(std::stoi(argv[2])), err);
  if (!c) {
    std::cerr << "cannot connect: " << err << "\n";
    return 2;
  }
  caf::scoped_actor self{sys};
  auto gw = c->gateway();
  check(refused<gateway_actor, node_hello>(self, gw, hello_atom::value),
        "hello from a client is refused");
  path_request mk;
  mk.op = path_op::mkdir;
  mk.path = "/probe";
  check(c->call(mk).code == errc::ok, "mkdir /probe");
  path_request st;
  st.op = path_op::stat;
  st.path = "/probe";
  // The router answers the gateway's clients itself: its handle is the
  // sender of this answer.
  caf::strong_actor_ptr answerer;
  inode_id ino = 0;
  self->request(gw, deadline, path_atom::value, st)
      .receive(
          [&](ns_reply& r) {
            answerer = self->current_sender();
            ino = r.a.ino;
          },
          [&](caf::error&) {});
  check(answerer && answerer != caf::actor_cast<caf::strong_actor_ptr>(gw),
        "an answer names an internal actor as its sender");
  if (!answerer)
    return 1;
  auto router = caf::actor_cast<router_actor>(answerer);
  std::vector<ns_request> commit{make_request(ns_op::rmdir_commit, ino)};
  check(refused<router_actor, std::vector<ns_reply>>(self, router,
                                                     ns_atom::value, commit),
        "rmdir_commit sent to the router directly is refused");
  check(refused<router_actor, meta_result>(
            self, router, move_atom::value,
            move_request{ino, hash_range{0, ~uint64_t{0}}, 0, true, 0}),
        "a move sent to the router directly is refused");
  // One-way: forget node 0's shards; then die.
  self->send(router, peer_atom::value, uint32_t{0}, node_hello{});
  self->send_exit(router, caf::exit_reason::kill);
  path_request in;
  in.op = path_op::create;
  in.path = "/probe/still-a-directory";
  check(c->call(in).code == errc::ok,
        "the node still serves, and /probe is still a directory");
  return failures == 0 ? 0 : 1;
}
