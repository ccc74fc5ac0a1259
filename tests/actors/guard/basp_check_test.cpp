#include "actors/guard/basp_check.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ds::guard;

namespace {

void put_be(std::string& out, uint64_t x, size_t n) {
  for (size_t i = n; i > 0; --i)
    out.push_back(static_cast<char>((x >> (8 * (i - 1))) & 0xff));
}

std::string header(uint8_t op, uint32_t payload, uint64_t op_data = 0,
                   uint64_t source = 0, uint64_t dest = 0, uint8_t flags = 0) {
  std::string h;
  h.push_back(static_cast<char>(op));
  h.push_back(0);
  h.push_back(0);
  h.push_back(static_cast<char>(flags));
  put_be(h, payload, 4);
  put_be(h, op_data, 8);
  put_be(h, source, 8);
  put_be(h, dest, 8);
  return h;
}

// A node id as CAF 0.17 writes it: "default", process id, host id.
std::string node_id(uint32_t pid, uint8_t host_byte) {
  std::string n;
  put_be(n, default_node_id_class, 8);
  put_be(n, pid, 4);
  n.append(20, static_cast<char>(host_byte));
  return n;
}

std::string hello(uint32_t pid = 4242, uint8_t host = 0x5a) {
  return header(1, node_id_bytes) + node_id(pid, host);
}

const uint32_t cap = 1 << 20;

refusal feed_all(basp_check& c, const std::string& bytes) {
  return c.feed(bytes.data(), bytes.size());
}

} // namespace

TEST_CASE("a client handshake then messages and heartbeats pass") {
  basp_check c{cap, ""};
  auto bytes = hello() + header(2, 5, 7, 3, 9) + "abcde" + header(6, 0) +
               header(1, node_id_bytes, 0, 0, 0, 0x02) + node_id(4242, 0x5a) +
               header(4, 2, 0, 0, 11) + "xy" + header(5, 1, 0, 11, 0) + "z" +
               header(3, 4, 0, 0, 1) + "wxyz";
  CHECK(feed_all(c, bytes) == refusal::none);
  CHECK(c.frames() == 7);
}

TEST_CASE("bytes fed one at a time give the same verdicts") {
  for (auto [bytes, want] :
       {std::pair{hello() + header(6, 0), refusal::none},
        std::pair{header(1, 0), refusal::bad_handshake},
        std::pair{hello() + header(2, cap + 1, 0, 0, 1), refusal::oversized}}) {
    basp_check c{cap, ""};
    auto got = refusal::none;
    for (char b : bytes)
      got = c.feed(&b, 1);
    CHECK(got == want);
  }
}

TEST_CASE("the 48-byte frame that crashed CAF is refused at its header") {
  // operation 1 (client handshake), zeros: CAF 0.17.6 reads the missing
  // payload through a null pointer.
  basp_check one{cap, ""};
  CHECK(feed_all(one, header(1, 0) + std::string(16, '\0')) ==
        refusal::bad_handshake);
  basp_check zero{cap, ""};
  CHECK(feed_all(zero, header(0, 0) + std::string(16, '\0')) ==
        refusal::server_handshake);
}

TEST_CASE("a header claiming more than the cap is refused before its payload") {
  basp_check c{cap, ""};
  CHECK(feed_all(c, hello()) == refusal::none);
  CHECK(feed_all(c, header(2, 0xffffffffu, 0, 0, 1)) == refusal::oversized);
  basp_check first{cap, ""};
  CHECK(feed_all(first, header(1, 0xffffffffu)) == refusal::oversized);
  basp_check at_cap{cap, ""};
  CHECK(feed_all(at_cap, hello() + header(2, cap, 0, 0, 1)) == refusal::none);
}

TEST_CASE("nothing but a client handshake may come first") {
  for (uint8_t op : {2, 3, 4, 5, 6}) {
    basp_check c{cap, ""};
    CHECK(feed_all(c, header(op, 0)) == refusal::no_handshake);
  }
  basp_check server{cap, ""};
  CHECK(feed_all(server, hello() + header(0, 32, 1)) ==
        refusal::server_handshake);
}

TEST_CASE("unknown operations are refused") {
  for (int op : {7, 8, 0x80, 0xff}) {
    basp_check c{cap, ""};
    CHECK(feed_all(c, header(static_cast<uint8_t>(op), 0)) ==
          refusal::unknown_operation);
  }
}

TEST_CASE("a handshake whose payload is not a node id is refused") {
  basp_check actors{cap, ""};
  CHECK(feed_all(actors, header(1, 32, 0, 1, 0)) == refusal::bad_header);
  basp_check longer{cap, ""};
  CHECK(feed_all(longer, header(1, 33)) == refusal::bad_handshake);
  basp_check no_class{cap, ""};
  CHECK(feed_all(no_class, header(1, 32) + std::string(32, '\0')) ==
        refusal::bad_handshake);
  basp_check no_host{cap, ""};
  CHECK(feed_all(no_host, header(1, 32) + node_id(1, 0)) ==
        refusal::bad_handshake);
  basp_check own{cap, node_id(77, 0x11)};
  CHECK(feed_all(own, hello(77, 0x11)) == refusal::own_node_id);
  basp_check other{cap, node_id(77, 0x11)};
  CHECK(feed_all(other, hello(78, 0x11)) == refusal::none);
}

TEST_CASE("headers that CAF itself finds invalid are refused") {
  auto refused = [](const std::string& frame) {
    basp_check c{cap, ""};
    return feed_all(c, hello() + frame) == refusal::bad_header;
  };
  CHECK(refused(header(2, 4, 0, 0, 0))); // direct message to actor 0
  CHECK(refused(header(2, 0, 0, 0, 1))); // direct message without payload
  CHECK(refused(header(3, 0, 0, 0, 1))); // routed message without payload
  CHECK(refused(header(4, 3, 1, 0, 1))); // monitor with operation data
  CHECK(refused(header(5, 3, 0, 0, 0))); // down message from actor 0
  CHECK(refused(header(6, 1)));          // heartbeat with payload
  CHECK(refused(header(6, 0, 0, 1, 0))); // heartbeat from an actor
}

TEST_CASE("a refusal sticks") {
  basp_check c{cap, ""};
  CHECK(feed_all(c, header(9, 0)) == refusal::unknown_operation);
  CHECK(feed_all(c, hello()) == refusal::unknown_operation);
}

TEST_CASE("refusals have names") {
  CHECK(std::string{to_string(refusal::oversized)} == "oversized");
  CHECK(std::string{to_string(refusal::no_handshake)} == "no_handshake");
}

TEST_CASE("the handshake's node id is kept, and a repeated one must agree") {
  basp_check c{cap, ""};
  CHECK(c.node().empty());
  CHECK(feed_all(c, hello(7, 0x31)) == refusal::none);
  CHECK(c.node() == node_id(7, 0x31));
  CHECK(feed_all(c, header(1, node_id_bytes, 0, 0, 0, 0x02) +
                        node_id(7, 0x31)) == refusal::none);
  CHECK(feed_all(c, header(1, node_id_bytes) + node_id(8, 0x31)) ==
        refusal::bad_handshake);
}

TEST_CASE("an outgoing connection must open with the server's handshake") {
  // A server handshake: node id, then application ids, actor, interface.
  auto server_hello = [](uint32_t pid) {
    auto rest = std::string(13, '\x01');
    return header(0, static_cast<uint32_t>(node_id_bytes + rest.size()), 1) +
           node_id(pid, 0x44) + rest;
  };
  basp_check ok{cap, "", conn_side::outgoing};
  CHECK(feed_all(ok, server_hello(9) + header(2, 3, 0, 1, 2) + "abc") ==
        refusal::none);
  CHECK(ok.greeted());
  CHECK(ok.node() == node_id(9, 0x44));
  CHECK(ok.frames() == 2);
  basp_check first{cap, "", conn_side::outgoing};
  CHECK(feed_all(first, header(2, 3, 0, 1, 2) + "abc") ==
        refusal::no_handshake);
  basp_check client{cap, "", conn_side::outgoing};
  CHECK(feed_all(client, hello()) == refusal::client_handshake);
  basp_check shortp{cap, "", conn_side::outgoing};
  CHECK(feed_all(shortp, header(0, 8, 1) + std::string(8, '\0')) ==
        refusal::bad_handshake);
  basp_check twice{cap, "", conn_side::outgoing};
  CHECK(feed_all(twice, server_hello(9) + server_hello(9)) ==
        refusal::bad_handshake);
  basp_check big{cap, "", conn_side::outgoing};
  CHECK(feed_all(big, header(0, cap + 1, 1)) == refusal::oversized);
  basp_check me{cap, node_id(9, 0x44), conn_side::outgoing};
  CHECK(feed_all(me, server_hello(9)) == refusal::own_node_id);
}

TEST_CASE(
    "a console speaks for itself only: no routed frame from another node") {
  auto me = node_id(7, 0x31);
  auto other = node_id(8, 0x32);
  auto routed = [](const std::string& from) {
    return header(3, node_id_bytes * 2 + 3, 0, 0, 5) + from + node_id(1, 0x10) +
           "abc";
  };
  auto down = [](const std::string& from) {
    return header(5, node_id_bytes * 2 + 1, 0, 11, 0) + from +
           node_id(1, 0x10) + "r";
  };
  basp_check trusted{cap, ""};
  CHECK(feed_all(trusted, hello(7, 0x31) + routed(other) + down(other)) ==
        refusal::none);
  basp_check own{cap, ""};
  own.speak_for_self_only();
  CHECK(feed_all(own, hello(7, 0x31) + routed(me) + down(me) +
                          header(4, node_id_bytes * 2, 0, 0, 11) + me +
                          node_id(1, 0x10)) == refusal::none);
  for (auto forged :
       {routed(other), down(other),
        header(4, node_id_bytes * 2, 0, 0, 11) + other + node_id(1, 0x10),
        header(3, 8, 0, 0, 5) + std::string(8, '\0')}) {
    basp_check c{cap, ""};
    c.speak_for_self_only();
    CHECK(feed_all(c, hello(7, 0x31)) == refusal::none);
    auto got = refusal::none;
    for (char b : forged) // byte by byte: the check must not need a frame whole
      got = c.feed(&b, 1);
    CHECK(got == refusal::forged_source);
  }
}
