// CAF 0.17 lets a middleman actor choose the servants that carry BASP
// (its virtual open() and connect(), as CAF's OpenSSL module does). The
// guard's acceptor makes its streams with a read policy that checks every
// byte read before the stream hands the bytes on: a refusal is reported to
// the stream as a failed read, which CAF treats as a closed connection.
#include "actors/guard/guard.hpp"

#include <algorithm>
#include <chrono>

#include <sys/socket.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/policy/tcp.hpp>

#include "actors/guard/deadlines.hpp"
#include "actors/guard/tls.hpp"
#include "actors/log.hpp"

namespace ds::guard {

namespace {

namespace net = caf::io::network;

/// What every guarded connection of one node shares.
struct shared_settings {
  uint32_t max_payload = 0;
  /// Bytes waiting to be sent on one connection at most: a peer that lets
  /// more pile up (it does not read) is cut off.
  uint64_t max_unsent = 0;
  std::string own_node; ///< this node's id, serialized as in a handshake
  std::shared_ptr<guard_meters> meters;
  std::chrono::milliseconds handshake_timeout{0};
  std::shared_ptr<tls_context> tls; ///< null: plaintext
  greet_hook on_greet;
  close_hook on_close;
  /// Shuts down connections that miss the handshake deadline.
  std::unique_ptr<deadline_sweeper> sweeper;
};

using settings_ptr = std::shared_ptr<const shared_settings>;

/// Reads and writes of one connection (TCP, or TLS over it), with every
/// byte read checked before CAF sees it.
class guard_policy {
public:
  guard_policy(settings_ptr s, std::shared_ptr<conn_watch> watch,
               conn_side side, std::unique_ptr<tls_session> tls)
      : settings_(std::move(s)), watch_(std::move(watch)), tls_(std::move(tls)),
        side_(side), check_(settings_->max_payload, settings_->own_node, side) {
  }

  ~guard_policy() {
    if (bound_ && settings_->on_close)
      settings_->on_close(check_.node());
  }

  net::rw_state read_some(size_t& result, net::native_socket fd, void* buf,
                          size_t len) {
    result = 0;
    net::rw_state st;
    if (tls_) {
      auto r = tls_->read(buf, len, result);
      if (auto why = after_tls(r); why != refusal::none)
        return refuse(why);
      st =
          r == tls_io::closed ? net::rw_state::failure : net::rw_state::success;
    } else {
      st = caf::policy::tcp::read_some(result, fd, buf, len);
    }
    if (st != net::rw_state::success || result == 0)
      return st;
    auto was_greeted = check_.greeted();
    auto why = check_.feed(static_cast<const char*>(buf), result);
    if (why == refusal::none && !was_greeted && check_.greeted())
      why = greeted();
    if (why != refusal::none)
      return refuse(why);
    return st;
  }

  net::rw_state write_some(size_t& result, net::native_socket fd,
                           const void* buf, size_t len) {
    if (!tls_)
      return caf::policy::tcp::write_some(result, fd, buf, len);
    auto r = tls_->write(buf, len, result);
    if (auto why = after_tls(r); why != refusal::none)
      return refuse(why);
    if (r == tls_io::closed)
      return net::rw_state::failure;
    // Nothing to write and nothing the handshake must send: stop polling
    // for writes (the reads drive the handshake on).
    if (len == 0 && r == tls_io::again)
      return net::rw_state::indeterminate;
    return net::rw_state::success;
  }

  bool must_read_more(net::native_socket, size_t) {
    // Bytes OpenSSL decrypted and holds: the socket will not signal them.
    return tls_ && tls_->pending() > 0;
  }

private:
  net::rw_state refuse(refusal why) {
    note_refusal(*settings_->meters, why, watch_->peer());
    return net::rw_state::failure;
  }

  /// After a TLS step: a failed handshake, and once established, what the
  /// peer's certificate admits.
  refusal after_tls(tls_io r) {
    if (r == tls_io::closed && !tls_->established())
      return refusal::tls_handshake;
    if (!tls_->established() || identified_)
      return refusal::none;
    identified_ = true;
    auto& peer = tls_->peer();
    // This node connects to members only; a console speaks for itself.
    if (side_ == conn_side::outgoing && !peer.member)
      return refusal::certificate;
    if (!peer.member)
      check_.speak_for_self_only();
    return refusal::none;
  }

  /// The BASP handshake arrived: its node id is bound to the certificate.
  refusal greeted() {
    watch_->set_greeted();
    if (!tls_ || !settings_->on_greet)
      return refusal::none;
    if (!settings_->on_greet(check_.node(), tls_->peer()))
      return refusal::certificate;
    bound_ = true;
    return refusal::none;
  }

  settings_ptr settings_;
  std::shared_ptr<conn_watch> watch_; ///< its deadline and peer address
  std::unique_ptr<tls_session> tls_;  ///< null: plaintext
  conn_side side_;
  basp_check check_;
  bool identified_ = false; ///< the certificate was looked at
  bool bound_ = false;      ///< on_greet accepted the node id
};

/// A scribe over a guarded stream; otherwise CAF's plain TCP scribe.
class guarded_scribe : public caf::io::scribe {
public:
  guarded_scribe(net::default_multiplexer& mx, net::native_socket fd,
                 settings_ptr s, std::shared_ptr<conn_watch> watch,
                 conn_side side, std::unique_ptr<tls_session> tls)
      : caf::io::scribe(net::conn_hdl_from_socket(fd)), settings_(s),
        watch_(watch), tls_(tls != nullptr),
        stream_(mx, fd, std::move(s), std::move(watch), side, std::move(tls)) {}

  // The stream closes the socket after this body: the sweeper must not
  // touch its descriptor from here on.
  ~guarded_scribe() override { watch_->release(); }

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_) {
      launched_ = true;
      stream_.start(this);
      // A write event to start the TLS handshake (the client speaks first).
      if (tls_)
        stream_.force_empty_write(this);
    }
  }
  void ack_writes(bool enable) override { stream_.ack_writes(enable); }
  std::vector<char>& wr_buf() override { return stream_.wr_buf(); }
  std::vector<char>& rd_buf() override { return stream_.rd_buf(); }
  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }
  void flush() override {
    // CAF buffers whatever the peer does not take, without a bound.
    auto& unsent = stream_.wr_buf();
    if (!cut_off_ && unsent.size() > settings_->max_unsent) {
      cut_off_ = true;
      note_refusal(*settings_->meters, refusal::backlog, watch_->peer());
      // The next read or write fails, and CAF closes the connection.
      ::shutdown(stream_.fd(), SHUT_RDWR);
    }
    if (cut_off_) {
      std::vector<char>{}.swap(unsent);
      return;
    }
    stream_.flush(this);
  }
  std::string addr() const override {
    auto x = net::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string{};
  }
  uint16_t port() const override {
    auto x = net::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }
  void add_to_loop() override { stream_.activate(this); }
  void remove_from_loop() override { stream_.passivate(); }

private:
  bool launched_ = false;
  bool cut_off_ = false; ///< shut down for its backlog
  settings_ptr settings_;
  std::shared_ptr<conn_watch> watch_;
  bool tls_;
  net::stream_impl<guard_policy> stream_;
};

/// A guarded scribe for socket `fd`, watched until its handshake; null if
/// its TLS session cannot be set up.
caf::io::scribe_ptr make_scribe(net::default_multiplexer& mx,
                                net::native_socket fd, const settings_ptr& s,
                                conn_side side, std::string peer) {
  std::unique_ptr<tls_session> tls;
  if (s->tls) {
    tls =
        std::make_unique<tls_session>(*s->tls, fd, side == conn_side::accepted);
    if (!tls->ok())
      return nullptr;
  }
  auto watch = std::make_shared<conn_watch>(fd, std::move(peer),
                                            std::chrono::steady_clock::now() +
                                                s->handshake_timeout);
  s->sweeper->watch(watch);
  return caf::make_counted<guarded_scribe>(mx, fd, s, std::move(watch), side,
                                           std::move(tls));
}

/// CAF's TCP acceptor, handing each connection to a guarded scribe.
class guarded_doorman : public net::doorman_impl {
public:
  guarded_doorman(net::default_multiplexer& mx, net::native_socket fd,
                  settings_ptr s)
      : net::doorman_impl(mx, fd), settings_(std::move(s)) {}

  bool new_connection() override {
    if (detached())
      return false; // the broker let go of us while events were pending
    auto& mx = acceptor_.backend();
    auto fd = acceptor_.accepted_socket();
    net::keepalive(fd, true);
    settings_->meters->accepted.fetch_add(1, std::memory_order_relaxed);
    auto peer = net::remote_addr_of_fd(fd);
    auto s = make_scribe(mx, fd, settings_, conn_side::accepted,
                         peer ? *peer : std::string{"?"});
    if (!s) {
      net::close_socket(fd);
      return false;
    }
    auto hdl = s->hdl();
    parent()->add_scribe(std::move(s));
    return doorman::new_connection(&mx, hdl);
  }

private:
  settings_ptr settings_;
};

class guarded_middleman : public caf::io::middleman_actor_impl {
public:
  guarded_middleman(caf::actor_config& cfg, caf::actor broker, settings_ptr s)
      : caf::io::middleman_actor_impl(cfg, std::move(broker)),
        settings_(std::move(s)) {}

  const char* name() const override { return "dagshard.guarded_middleman"; }

protected:
  caf::expected<caf::io::doorman_ptr> open(uint16_t port, const char* addr,
                                           bool reuse) override {
    auto fd = net::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd)
      return std::move(fd.error());
    auto& mx =
        static_cast<net::default_multiplexer&>(system().middleman().backend());
    return caf::make_counted<guarded_doorman>(mx, *fd, settings_);
  }

  // This node's own connections (to its peers) are guarded too: the peer
  // must open with a server handshake, obey the cap and the deadline, and
  // with TLS present a member's certificate.
  caf::expected<caf::io::scribe_ptr> connect(const std::string& host,
                                             uint16_t port) override {
    auto fd = net::new_tcp_connection(host, port);
    if (!fd)
      return std::move(fd.error());
    net::nonblocking(*fd, true);
    auto& mx =
        static_cast<net::default_multiplexer&>(system().middleman().backend());
    auto s = make_scribe(mx, *fd, settings_, conn_side::outgoing,
                         host + ":" + std::to_string(port));
    if (!s) {
      net::close_socket(*fd);
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             "cannot set up a TLS session");
    }
    return s;
  }

private:
  settings_ptr settings_;
};

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace

void note_refusal(guard_meters& m, refusal why, const std::string& peer) {
  m.refused[static_cast<size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  auto now = steady_ms();
  auto last = m.last_log_ms.load(std::memory_order_relaxed);
  if ((last != 0 && now - last < log_interval_ms) ||
      !m.last_log_ms.compare_exchange_strong(last, now)) {
    m.unlogged.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto quiet = m.unlogged.exchange(0, std::memory_order_relaxed);
  log_event(log_level::warn, "guard",
            "refused a connection (its bytes are not BASP as dagshard "
            "speaks it, or its TLS or certificate do not admit it)",
            {{"peer", peer}, {"reason", to_string(why)}, {"unlogged", quiet}});
}

caf::io::middleman_actor spawn_guarded_middleman(caf::actor_system& sys,
                                                 guard_options opts) {
  auto s = std::make_shared<shared_settings>();
  s->max_payload = opts.max_payload;
  s->max_unsent = uint64_t{4} * opts.max_payload;
  s->meters = std::move(opts.meters);
  s->handshake_timeout = opts.handshake_timeout;
  s->tls = std::move(opts.tls);
  s->on_greet = std::move(opts.on_greet);
  s->on_close = std::move(opts.on_close);
  auto period =
      std::clamp(opts.handshake_timeout / 4, std::chrono::milliseconds{10},
                 std::chrono::milliseconds{1000});
  s->sweeper = std::make_unique<deadline_sweeper>(
      period, [m = s->meters](const conn_watch& c) {
        note_refusal(*m, refusal::handshake_timeout, c.peer());
      });
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  if (!sink(sys.node()) && buf.size() == node_id_bytes)
    s->own_node.assign(buf.begin(), buf.end());
  auto broker =
      sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  return sys.spawn<guarded_middleman, caf::detached + caf::hidden>(
      std::move(broker), settings_ptr{std::move(s)});
}

caf::expected<uint16_t>
publish_guarded(caf::actor_system& sys, const caf::io::middleman_actor& mm,
                const caf::strong_actor_ptr& whom, std::set<std::string> sigs,
                uint16_t port, const std::string& addr) {
  caf::expected<uint16_t> result{caf::sec::runtime_error};
  caf::scoped_actor self{sys};
  self->request(mm, caf::infinite, caf::publish_atom::value, port, whom,
                std::move(sigs), addr, true)
      .receive([&](uint16_t actual) { result = actual; },
               [&](caf::error& e) { result = std::move(e); });
  return result;
}

void stop_guarded_middleman(caf::actor_system& sys,
                            caf::io::middleman_actor& mm,
                            const caf::actor_addr& whom, uint16_t port) {
  if (!mm)
    return;
  caf::scoped_actor self{sys};
  if (port != 0)
    self->request(mm, std::chrono::seconds(2), caf::unpublish_atom::value, whom,
                  port)
        .receive([] {}, [](caf::error&) {});
  // A middleman actor ignores every exit message but kill.
  self->send_exit(mm, caf::exit_reason::kill);
  self->wait_for(mm);
  mm = nullptr;
}

} // namespace ds::guard
