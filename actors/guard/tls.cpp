#include "actors/guard/tls.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace ds::guard {

namespace {

int sock_of(BIO* b) {
  return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(b)));
}

/// Most bytes one SSL_read or SSL_write is asked for (they take an int).
constexpr size_t max_step = size_t{1} << 30;

bool transient(int e) {
  return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

int bio_write(BIO* b, const char* buf, int len) {
  BIO_clear_retry_flags(b);
  auto n = ::send(sock_of(b), buf, static_cast<size_t>(len), MSG_NOSIGNAL);
  if (n < 0 && transient(errno))
    BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* buf, int len) {
  BIO_clear_retry_flags(b);
  auto n = ::recv(sock_of(b), buf, static_cast<size_t>(len), 0);
  if (n < 0 && transient(errno))
    BIO_set_retry_read(b);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int cmd, long, void*) {
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

/// A socket BIO that writes with MSG_NOSIGNAL: a peer that closed never
/// raises SIGPIPE in the multiplexer's thread.
BIO_METHOD* socket_method() {
  static BIO_METHOD* m = [] {
    auto x = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                          "dagshard socket");
    BIO_meth_set_write(x, bio_write);
    BIO_meth_set_read(x, bio_read);
    BIO_meth_set_ctrl(x, bio_ctrl);
    BIO_meth_set_create(x, bio_create);
    return x;
  }();
  return m;
}

std::string subject_of(X509* cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
  return buf;
}

} // namespace

peer_certificate identify(X509* cert) {
  peer_certificate out;
  if (!cert)
    return out;
  out.subject = subject_of(cert);
  auto names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names)
    return out;
  std::string prefix = member_uri_prefix;
  bool conflict = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    auto n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_URI)
      continue;
    auto s = n->d.uniformResourceIdentifier;
    std::string uri(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                    static_cast<size_t>(ASN1_STRING_length(s)));
    if (uri.size() <= prefix.size() || uri.compare(0, prefix.size(), prefix))
      continue;
    auto id = uri.substr(prefix.size());
    if (!out.id.empty() && out.id != id)
      conflict = true;
    out.id = id;
  }
  GENERAL_NAMES_free(names);
  if (conflict)
    out.id.clear();
  out.member = !out.id.empty();
  return out;
}

std::shared_ptr<tls_context> tls_context::make(const std::string& cert,
                                               const std::string& key,
                                               const std::string& cafile,
                                               std::string& err) {
  std::shared_ptr<tls_context> c{new tls_context};
  ERR_clear_error();
  c->ctx_ = SSL_CTX_new(TLS_method());
  auto fail = [&](std::string what) {
    err = std::move(what);
    auto detail = tls_session::last_error();
    if (!detail.empty())
      err += " (" + detail + ")";
    return nullptr;
  };
  if (!c->ctx_)
    return fail("cannot make a TLS context");
  auto ctx = c->ctx_;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
    return fail("openssl.certificate: cannot load " + cert);
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("openssl.key: cannot load " + key +
                ", or it is not the key of " + cert);
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail("openssl.key: " + key + " is not the key of " + cert);
  if (SSL_CTX_load_verify_locations(ctx, cafile.c_str(), nullptr) != 1)
    return fail("openssl.cafile: cannot load " + cafile);
  // Mutual: a peer without a certificate of the CA fails the handshake.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  if (auto cas = SSL_load_client_CA_file(cafile.c_str()))
    SSL_CTX_set_client_CA_list(ctx, cas);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  // Links are long-lived; no session tickets to resume.
  SSL_CTX_set_num_tickets(ctx, 0);
  c->own_ = identify(SSL_CTX_get0_certificate(ctx));
  return c;
}

tls_context::~tls_context() {
  if (ctx_)
    SSL_CTX_free(ctx_);
}

tls_session::tls_session(const tls_context& ctx, int fd, bool server) {
  ssl_ = SSL_new(ctx.get());
  if (!ssl_)
    return;
  auto bio = BIO_new(socket_method());
  if (!bio) {
    SSL_free(ssl_);
    ssl_ = nullptr;
    return;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  SSL_set_bio(ssl_, bio, bio);
  if (server)
    SSL_set_accept_state(ssl_);
  else
    SSL_set_connect_state(ssl_);
}

tls_session::~tls_session() {
  if (ssl_)
    SSL_free(ssl_);
}

tls_io tls_session::result(int ret) {
  switch (SSL_get_error(ssl_, ret)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return tls_io::again;
  default:
    return tls_io::closed;
  }
}

tls_io tls_session::handshake() {
  if (established_)
    return tls_io::done;
  ERR_clear_error();
  auto ret = SSL_do_handshake(ssl_);
  if (ret != 1)
    return result(ret);
  if (SSL_get_verify_result(ssl_) != X509_V_OK)
    return tls_io::closed;
  auto cert = SSL_get1_peer_certificate(ssl_);
  if (!cert)
    return tls_io::closed;
  peer_ = identify(cert);
  X509_free(cert);
  established_ = true;
  return tls_io::done;
}

tls_io tls_session::read(void* buf, size_t len, size_t& n) {
  n = 0;
  if (auto st = handshake(); st != tls_io::done)
    return st;
  if (len == 0)
    return tls_io::again;
  ERR_clear_error();
  auto ret = SSL_read(ssl_, buf, static_cast<int>(std::min(len, max_step)));
  if (ret > 0) {
    n = static_cast<size_t>(ret);
    return tls_io::done;
  }
  return result(ret);
}

tls_io tls_session::write(const void* buf, size_t len, size_t& n) {
  n = 0;
  if (auto st = handshake(); st != tls_io::done)
    return st;
  if (len == 0)
    return tls_io::done;
  ERR_clear_error();
  auto ret = SSL_write(ssl_, buf, static_cast<int>(std::min(len, max_step)));
  if (ret > 0) {
    n = static_cast<size_t>(ret);
    return tls_io::done;
  }
  return result(ret);
}

size_t tls_session::pending() const {
  return static_cast<size_t>(SSL_pending(ssl_));
}

std::string tls_session::last_error() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty())
      out += "; ";
    out += buf;
  }
  return out;
}

} // namespace ds::guard
