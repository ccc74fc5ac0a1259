// The gateway's check of client batches: internal steps and oversize
// readdir batches are refused, ordinary batches pass.
#include <doctest/doctest.h>

#include "model/namespace/client_check.hpp"

using namespace ds;

TEST_CASE("a client batch may not carry the router's internal steps") {
  for (auto op : {ns_op::rmdir_prepare, ns_op::rmdir_unlink,
                  ns_op::rmdir_commit, ns_op::rmdir_abort, ns_op::split}) {
    CAPTURE(to_string(op));
    std::vector<ns_request> b{make_request(ns_op::lookup, 1, "a"),
                              make_request(op, 1, "b")};
    auto why = check_client_batch(b);
    CHECK(why.rfind("request 1: ", 0) == 0);
    CHECK(why.find(to_string(op)) != std::string::npos);
  }
  std::vector<ns_request> ok;
  for (auto op : {ns_op::lookup, ns_op::create, ns_op::mkdir, ns_op::unlink,
                  ns_op::readdir, ns_op::locate})
    ok.push_back(make_request(op, 1, "x"));
  CHECK(check_client_batch(ok) == "");
}

TEST_CASE("a batch's readdirs are bounded in the entries they ask for") {
  std::vector<ns_request> b(16, make_request(ns_op::readdir, 7));
  for (auto& r : b)
    r.max_entries = max_readdir_page; // 16 x 4096 = 2^16: at the bound
  CHECK(check_client_batch(b) == "");
  b.push_back(make_request(ns_op::readdir, 7)); // the default page more
  CHECK(check_client_batch(b).find("request 16: ") == 0);
  // 65,536 readdirs of the default page: refused, whatever the directory.
  std::vector<ns_request> many(65536, make_request(ns_op::readdir, 7));
  CHECK(!check_client_batch(many).empty());
}
