#include "actors/guard/deadlines.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

using namespace ds::guard;
using std::chrono::seconds;
using std::chrono::steady_clock;

namespace {

// A connected pair of sockets: `ours` is watched, `theirs` is the client.
struct socket_pair {
  int ours = -1;
  int theirs = -1;
  socket_pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    ours = fds[0];
    theirs = fds[1];
  }
  ~socket_pair() {
    ::close(ours);
    ::close(theirs);
  }
  // The client sees end of file: its connection was shut down.
  bool shut_down() const {
    char b;
    return ::recv(theirs, &b, 1, MSG_DONTWAIT) == 0;
  }
};

} // namespace

TEST_CASE("a connection past its deadline without a handshake is shut down") {
  socket_pair p;
  auto t0 = steady_clock::now();
  conn_watch w{p.ours, "peer", t0 + seconds(10)};
  CHECK_FALSE(w.expire(t0 + seconds(9)));
  CHECK_FALSE(p.shut_down());
  CHECK_FALSE(w.settled());
  CHECK(w.expire(t0 + seconds(10)));
  CHECK(p.shut_down());
  CHECK(w.settled());
  CHECK_FALSE(w.expire(t0 + seconds(11))); // once only
}

TEST_CASE("a greeted connection is never shut down") {
  socket_pair p;
  auto t0 = steady_clock::now();
  conn_watch w{p.ours, "peer", t0};
  w.set_greeted();
  CHECK(w.settled());
  CHECK_FALSE(w.expire(t0 + seconds(60)));
  CHECK_FALSE(p.shut_down());
}

TEST_CASE("a released descriptor is never touched") {
  socket_pair p;
  auto t0 = steady_clock::now();
  conn_watch w{p.ours, "peer", t0};
  w.release();
  CHECK(w.settled());
  CHECK_FALSE(w.expire(t0 + seconds(60)));
  CHECK_FALSE(p.shut_down());
}
