// `dagctl health`: every member of the cluster, each asked itself. The
// node we talk to names the members; dagctl then reaches each one at its
// address and asks for its own verdict (messages/health.hpp, the rules of
// /health and /ready). A member it cannot reach is shown as unreachable with
// the reason; the contacted node's view of it is not taken as its health.
#include <cerrno>
#include <cstring>
#include <future>
#include <iomanip>
#include <iostream>
#include <thread>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "client/console.hpp"
#include "tools/dagctl/commands.hpp"
#include "tools/dagctl/health_report.hpp"

namespace ds::dagctl {

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s"
                        : std::to_string(ms) + " ms";
}

// A plain TCP connect with a deadline, before CAF's: CAF's connect cannot
// be cancelled and a node's connects wait for each other, so one silent
// host would make every member after it look silent too.
bool probe_tcp(const std::string& host, uint16_t port,
               std::chrono::milliseconds deadline, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints,
                             &res);
      rc != 0) {
    why = std::string{"cannot resolve "} + host + ": " + ::gai_strerror(rc);
    return false;
  }
  int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK,
                    res->ai_protocol);
  int rc = fd < 0 ? -1 : ::connect(fd, res->ai_addr, res->ai_addrlen);
  int e = rc == 0 ? 0 : errno;
  ::freeaddrinfo(res);
  if (fd < 0) {
    why = std::string{"socket: "} + std::strerror(e);
    return false;
  }
  if (rc != 0 && e == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(deadline.count()));
    socklen_t len = sizeof e;
    if (n == 0)
      e = ETIMEDOUT;
    else if (n < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
      e = errno;
  }
  ::close(fd);
  if (e == ETIMEDOUT)
    why = "no TCP answer within " + seconds_text(deadline);
  else if (e != 0)
    why = std::strerror(e); // "Connection refused", "No route to host"
  return e == 0;
}

member_health from_answer(const node_info& n,
                          const caf::expected<node_health>& h,
                          caf::actor_system& sys) {
  member_health m{n.id, n.address, false, {}, {}};
  if (!h) {
    m.why_unreachable = "no health answer: " + sys.render(h.error());
    return m;
  }
  m.reachable = true;
  m.health = *h;
  if (h->id != n.id) { // another node listens at the member's address
    m.health.healthy = false;
    m.health.reason = "the node at " + n.address + " is '" + h->id + "'";
  }
  return m;
}

// Reaches member `n` by itself and asks it; blocks at most about
// 2 * connect_deadline + the health deadline.
member_health ask_member(caf::actor_system& sys, const node_info& n, bool tls) {
  member_health m{n.id, n.address, false, {}, {}};
  std::string host;
  uint16_t port = 0;
  if (!parse_host_port(n.address, host, port)) {
    m.why_unreachable = "no usable address";
    return m;
  }
  if (!probe_tcp(host, port, connect_deadline, m.why_unreachable))
    return m;
  std::string err;
  auto cl = connect_within(sys, host, port, tls, connect_deadline, err);
  if (!cl) {
    m.why_unreachable = err;
    return m;
  }
  cl->set_timeout(std::chrono::seconds(3)); // the node's own deadline is 1 s
  return from_answer(n, cl->health(), sys);
}

} // namespace

int show_health(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err) {
  auto nodes = cl.nodes();
  if (nodes.empty()) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  // Every other member at once, each on its own thread.
  std::vector<std::future<member_health>> asked;
  bool tls = !inv.tls_cert.empty();
  for (auto& n : nodes)
    if (!n.self)
      asked.push_back(std::async(std::launch::async, [&cl, n, tls] {
        return ask_member(cl.system(), n, tls);
      }));
  std::vector<member_health> members;
  size_t next = 0;
  for (auto& n : nodes)
    members.push_back(n.self ? from_answer(n, cl.health(), cl.system())
                             : asked[next++].get());
  if (inv.json)
    out << health_json(members).dump() << std::endl;
  else
    print_health(members, out);
  return health_exit_status(members);
}

} // namespace ds::dagctl
