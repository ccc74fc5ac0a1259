// The guard's TLS: one OpenSSL context per node (its certificate, key and
// the cluster's CA, built once at start), a TLS session per connection over
// a socket the multiplexer owns, and what a peer's certificate says it is.
//
// Mutual TLS: both ends must present a certificate of the cluster's CA. A
// member's certificate names its member with a subject alternative name
// URI `dagshard:member:<node-id>` (tools/make-certs makes them); any other
// certificate of the CA is a console's. What a peer is comes from its
// certificate, never from what it states in BASP.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

// OpenSSL's types, without its headers.
struct ssl_ctx_st;
struct ssl_st;
struct x509_st;

namespace ds::guard {

/// The URI scheme of a member certificate's subject alternative name.
constexpr const char* member_uri_prefix = "dagshard:member:";

/// What a peer's certificate says it is.
struct peer_certificate {
  bool member = false; ///< names a member (then `id` is its node id)
  std::string id;      ///< the member's node id; empty for a console
  std::string subject; ///< the certificate's subject, for logs
};

/// What `cert` names (a member URI, else a console). Two member URIs that
/// disagree make a console of it.
peer_certificate identify(x509_st* cert);

/// A node's TLS context: certificate, key, trusted CA, peers verified.
class tls_context {
public:
  /// Reads the files; on failure returns null and says why in `err`.
  static std::shared_ptr<tls_context> make(const std::string& cert,
                                           const std::string& key,
                                           const std::string& cafile,
                                           std::string& err);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  ssl_ctx_st* get() const { return ctx_; }
  /// What this node's own certificate names.
  const peer_certificate& own() const { return own_; }

private:
  tls_context() = default;
  ssl_ctx_st* ctx_ = nullptr;
  peer_certificate own_;
};

/// Outcome of one step of a TLS session on a non-blocking socket.
enum class tls_io {
  done,   ///< `n` bytes moved (n > 0), or the handshake finished
  again,  ///< nothing now: wait for the socket (read or write)
  closed, ///< the peer closed, or the connection failed
};

/// One TLS connection over socket `fd` (not owned: the stream closes it).
/// Writes never raise SIGPIPE (the socket is written with MSG_NOSIGNAL).
class tls_session {
public:
  tls_session(const tls_context& ctx, int fd, bool server);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  /// Whether the session was set up (OpenSSL can fail to allocate).
  bool ok() const { return ssl_ != nullptr; }
  /// Runs the handshake as far as the socket allows.
  tls_io handshake();
  bool established() const { return established_; }
  /// The peer's certificate, once established (verified by OpenSSL).
  const peer_certificate& peer() const { return peer_; }
  tls_io read(void* buf, size_t len, size_t& n);
  tls_io write(const void* buf, size_t len, size_t& n);
  /// Decrypted bytes OpenSSL holds that the socket will not signal.
  size_t pending() const;
  /// OpenSSL's last error, for logs.
  static std::string last_error();

private:
  tls_io result(int ret);
  ssl_st* ssl_ = nullptr;
  bool established_ = false;
  peer_certificate peer_;
};

} // namespace ds::guard
