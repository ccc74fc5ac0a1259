// What a peer's certificate names (actors/guard/tls.*): certificates made
// in memory, self-signed (identify looks at names, not at trust).
#include "actors/guard/tls.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

using namespace ds::guard;

namespace {

struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
using cert_ptr = std::unique_ptr<X509, x509_free>;

/// A certificate with subject CN `cn` and subject alternative names `san`
/// (OpenSSL's syntax; none if empty).
cert_ptr make_cert(const std::string& cn, const std::string& san) {
  static EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  cert_ptr c{X509_new()};
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 3600);
  X509_set_pubkey(c.get(), key);
  auto name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(c.get(), name);
  if (!san.empty()) {
    auto ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                                   san.c_str());
    REQUIRE(ext != nullptr);
    X509_add_ext(c.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(c.get(), key, EVP_sha256()) > 0);
  return c;
}

} // namespace

TEST_CASE("a member's certificate names the member by its URI") {
  auto c = make_cert("dagshard member node2",
                     "IP:127.0.0.1,DNS:localhost,URI:dagshard:member:node2");
  auto id = identify(c.get());
  CHECK(id.member);
  CHECK(id.id == "node2");
  CHECK(id.subject.find("dagshard member node2") != std::string::npos);
}

TEST_CASE("any other certificate is a console's") {
  for (auto san : {std::string{}, std::string{"DNS:localhost"},
                   std::string{"URI:https://example.org/node2"},
                   std::string{"URI:dagshard:member:"},
                   std::string{"URI:dagshard:console:node2"}}) {
    CAPTURE(san);
    auto id = identify(make_cert("node2", san).get());
    CHECK_FALSE(id.member);
    CHECK(id.id.empty());
  }
  // The subject's name counts for nothing.
  CHECK_FALSE(identify(make_cert("dagshard:member:node1", "").get()).member);
  CHECK_FALSE(identify(nullptr).member);
}

TEST_CASE("a certificate naming two members is nobody's") {
  auto c =
      make_cert("x", "URI:dagshard:member:node1,URI:dagshard:member:node2");
  CHECK_FALSE(identify(c.get()).member);
  auto same =
      make_cert("x", "URI:dagshard:member:node1,URI:dagshard:member:node1");
  CHECK(identify(same.get()).id == "node1");
}
