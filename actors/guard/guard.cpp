// CAF 0.17 lets a middleman actor choose the servants that carry BASP
// (its virtual open() and connect(), as CAF's OpenSSL module does). The
// guard's acceptor makes its streams with a read policy that checks every
// byte read before the stream hands the bytes on: a refusal is reported to
// the stream as a failed read, which CAF treats as a closed connection.
#include "actors/guard/guard.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/policy/tcp.hpp>

#include "actors/guard/deadlines.hpp"
#include "actors/log.hpp"

namespace ds::guard {

namespace {

namespace net = caf::io::network;

/// What every guarded connection of one published port shares.
struct shared_settings {
  uint32_t max_payload = 0;
  std::string own_node; ///< this node's id, serialized as in a handshake
  std::shared_ptr<guard_meters> meters;
  std::chrono::milliseconds handshake_timeout{0};
  /// Shuts down connections that miss the handshake deadline.
  std::unique_ptr<deadline_sweeper> sweeper;
};

using settings_ptr = std::shared_ptr<const shared_settings>;

/// TCP reads and writes, with every byte read checked before CAF sees it.
class guard_policy {
public:
  guard_policy(settings_ptr s, std::shared_ptr<conn_watch> watch)
      : settings_(std::move(s)), watch_(std::move(watch)),
        check_(settings_->max_payload, settings_->own_node) {}

  net::rw_state read_some(size_t& result, net::native_socket fd, void* buf,
                          size_t len) {
    auto st = caf::policy::tcp::read_some(result, fd, buf, len);
    if (st != net::rw_state::success || result == 0)
      return st;
    auto why = check_.feed(static_cast<const char*>(buf), result);
    if (why == refusal::none) {
      if (check_.greeted())
        watch_->set_greeted();
      return st;
    }
    note_refusal(*settings_->meters, why, watch_->peer());
    result = 0;
    return net::rw_state::failure;
  }

  static net::rw_state write_some(size_t& result, net::native_socket fd,
                                  const void* buf, size_t len) {
    return caf::policy::tcp::write_some(result, fd, buf, len);
  }

  static bool must_read_more(net::native_socket, size_t) { return false; }

private:
  settings_ptr settings_;
  std::shared_ptr<conn_watch> watch_; ///< its deadline and peer address
  basp_check check_;
};

/// A scribe over a guarded stream; otherwise CAF's plain TCP scribe.
class guarded_scribe : public caf::io::scribe {
public:
  guarded_scribe(net::default_multiplexer& mx, net::native_socket fd,
                 settings_ptr s, std::shared_ptr<conn_watch> watch)
      : caf::io::scribe(net::conn_hdl_from_socket(fd)), watch_(watch),
        stream_(mx, fd, std::move(s), std::move(watch)) {}

  // The stream closes the socket after this body: the sweeper must not
  // touch its descriptor from here on.
  ~guarded_scribe() override { watch_->release(); }

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_) {
      launched_ = true;
      stream_.start(this);
    }
  }
  void ack_writes(bool enable) override { stream_.ack_writes(enable); }
  std::vector<char>& wr_buf() override { return stream_.wr_buf(); }
  std::vector<char>& rd_buf() override { return stream_.rd_buf(); }
  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }
  void flush() override { stream_.flush(this); }
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
  std::shared_ptr<conn_watch> watch_;
  net::stream_impl<guard_policy> stream_;
};

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
    auto watch = std::make_shared<conn_watch>(
        fd, peer ? *peer : std::string{"?"},
        std::chrono::steady_clock::now() + settings_->handshake_timeout);
    settings_->sweeper->watch(watch);
    caf::io::scribe_ptr s =
        caf::make_counted<guarded_scribe>(mx, fd, settings_, std::move(watch));
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
            "refused a connection: its bytes are not BASP as dagshard "
            "speaks it",
            {{"peer", peer}, {"reason", to_string(why)}, {"unlogged", quiet}});
}

caf::io::middleman_actor spawn_guarded_middleman(caf::actor_system& sys,
                                                 guard_options opts) {
  auto s = std::make_shared<shared_settings>();
  s->max_payload = opts.max_payload;
  s->meters = std::move(opts.meters);
  s->handshake_timeout = opts.handshake_timeout;
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
