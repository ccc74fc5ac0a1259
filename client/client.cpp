#include "client/client.hpp"

#include "client/path_batch.hpp"

#include <deque>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

namespace ds {

namespace {

ns_reply failure(const caf::error& e) {
  ns_reply r;
  r.code = e == caf::sec::invalid_argument ? errc::einval : errc::eunavailable;
  return r;
}

} // namespace

client::client(caf::actor_system& sys, gateway_actor gw, caf::timespan timeout)
    : sys_(&sys), gw_(std::move(gw)), timeout_(timeout) {}

std::optional<client> client::connect(caf::actor_system& sys,
                                      const std::string& host, uint16_t port,
                                      std::string& err, bool tls) {
  auto gw = tls ? caf::openssl::remote_actor<gateway_actor>(sys, host, port)
                : sys.middleman().remote_actor<gateway_actor>(host, port);
  if (!gw) {
    err = sys.render(gw.error());
    return std::nullopt;
  }
  return client{sys, *gw};
}

template <class Reply, class... Ts>
caf::expected<Reply> client::ask(Ts&&... xs) {
  caf::scoped_actor self{*sys_};
  caf::expected<Reply> out{caf::sec::request_timeout};
  self->request(gw_, timeout_, std::forward<Ts>(xs)...)
      .receive([&](Reply& r) { out = std::move(r); },
               [&](caf::error& e) { out = std::move(e); });
  return out;
}

ns_reply client::call(path_request req) {
  auto r = ask<ns_reply>(path_atom::value, std::move(req));
  return r ? std::move(*r) : failure(r.error());
}

std::vector<ns_reply> client::batch(std::vector<ns_request> reqs) {
  auto n = reqs.size();
  auto r = ask<std::vector<ns_reply>>(ns_atom::value, std::move(reqs));
  return r ? std::move(*r) : std::vector<ns_reply>(n, failure(r.error()));
}

std::vector<ns_reply>
client::path_batch(const std::vector<path_request>& reqs) {
  std::vector<ns_reply> out(reqs.size());
  path_batch(reqs, [&out](size_t i, ns_reply& r) { out[i] = std::move(r); });
  return out;
}

void client::path_batch(const std::vector<path_request>& reqs,
                        const std::function<void(size_t, ns_reply&)>& each) {
  caf::scoped_actor self{*sys_};
  using handle = decltype(self->request(gw_, timeout_, ns_atom::value,
                                        std::vector<ns_request>{}));
  // Batches in flight, oldest first, with their sizes. A reply that comes
  // before an older one waits in the mailbox until that one is received.
  std::deque<std::pair<handle, size_t>> sent;
  path_batch_io io;
  io.send_batch = [&](path_batch_io::batch b) {
    auto n = b.size();
    sent.emplace_back(
        self->request(gw_, timeout_, ns_atom::value, std::move(b)), n);
  };
  io.receive_batch = [&] {
    auto [h, n] = std::move(sent.front());
    sent.pop_front();
    path_batch_io::answers out;
    h.receive([&](path_batch_io::answers& r) { out = std::move(r); },
              [&, n = n](caf::error& e) { out.assign(n, failure(e)); });
    return out;
  };
  io.send_path = [this](const path_request& r) { return call(r); };
  run_path_batch(reqs, io, each);
}

std::vector<std::vector<ns_reply>>
client::batches(std::vector<std::vector<ns_request>> reqs) {
  caf::scoped_actor self{*sys_};
  using handle = decltype(self->request(gw_, timeout_, ns_atom::value,
                                        std::vector<ns_request>{}));
  std::vector<handle> sent;
  std::vector<size_t> sizes;
  for (auto& b : reqs) {
    sizes.push_back(b.size());
    sent.push_back(self->request(gw_, timeout_, ns_atom::value, std::move(b)));
  }
  std::vector<std::vector<ns_reply>> out(reqs.size());
  for (size_t i = 0; i < sent.size(); ++i)
    sent[i].receive(
        [&](std::vector<ns_reply>& r) { out[i] = std::move(r); },
        [&](caf::error& e) { out[i].assign(sizes[i], failure(e)); });
  return out;
}

std::vector<shard_info> client::shards() {
  auto r = ask<std::vector<shard_info>>(shards_atom::value);
  return r ? std::move(*r) : std::vector<shard_info>{};
}

std::vector<node_info> client::nodes() {
  auto r = ask<std::vector<node_info>>(nodes_atom::value);
  return r ? std::move(*r) : std::vector<node_info>{};
}

caf::expected<node_health> client::health() {
  return ask<node_health>(health_atom::value);
}

placement_info client::locate(const std::string& path) {
  auto r = ask<placement_info>(locate_atom::value, path);
  if (r)
    return std::move(*r);
  placement_info out;
  out.code = errc::eunavailable;
  return out;
}

meta_result client::config_set(const std::string& key, const std::string& value,
                               std::optional<uint64_t> if_version) {
  meta_command cmd = ds::config_set{key, value, if_version.value_or(0),
                                    if_version.has_value()};
  auto r = ask<meta_result>(meta_atom::value, cmd);
  return r ? *r : meta_result{errc::eunavailable, 0, 0};
}

namespace {

/// The value of `r`, with `code` set to ok; or T{} and EUNAVAILABLE.
template <class T> T value_or_unavailable(caf::expected<T>&& r, errc& code) {
  code = r ? errc::ok : errc::eunavailable;
  return r ? std::move(*r) : T{};
}

} // namespace

config_entry client::config_get(const std::string& key, errc& code) {
  return value_or_unavailable(ask<config_entry>(cfg_get_atom::value, key),
                              code);
}

std::vector<config_entry> client::config_list(errc& code) {
  return value_or_unavailable(
      ask<std::vector<config_entry>>(cfg_list_atom::value), code);
}

std::vector<raft_status> client::raft_state(errc& code) {
  return value_or_unavailable(
      ask<std::vector<raft_status>>(raft_status_atom::value), code);
}

std::vector<node_groups> client::groups(errc& code) {
  return value_or_unavailable(
      ask<std::vector<node_groups>>(group_status_atom::value), code);
}

meta_result client::move(const std::string& dir_path, hash_range part,
                         uint32_t to, bool force, uint32_t chunk) {
  path_request st;
  st.op = path_op::stat;
  st.path = dir_path;
  auto d = call(st);
  meta_result out;
  if (d.code != errc::ok || d.a.kind != entry_kind::dir) {
    out.code = d.code != errc::ok ? d.code : errc::enotdir;
    return out;
  }
  auto r = ask<meta_result>(move_atom::value,
                            move_request{d.a.ino, part, to, force, chunk});
  return r ? *r : meta_result{errc::eunavailable, 0, 0};
}

std::vector<migration_record> client::migrations(errc& code) {
  return value_or_unavailable(
      ask<std::vector<migration_record>>(migrations_atom::value), code);
}

migration_page client::migrations(const migration_query& q, errc& code) {
  return value_or_unavailable(ask<migration_page>(migrations_atom::value, q),
                              code);
}

std::vector<psm_planning> client::psm_plannings(int64_t since, errc& code) {
  return value_or_unavailable(
      ask<std::vector<psm_planning>>(psm_plannings_atom::value, since), code);
}

psm_planning client::psm_plan(errc& code) {
  return value_or_unavailable(ask<psm_planning>(psm_plan_atom::value), code);
}

psm_status client::psm_state(errc& code) {
  return value_or_unavailable(ask<psm_status>(psm_status_atom::value), code);
}

router_stats client::router(errc& code) {
  return value_or_unavailable(ask<router_stats>(router_stats_atom::value),
                              code);
}

caf::expected<psm_import_result>
client::psm_import(std::vector<psm_access> accesses) {
  return ask<psm_import_result>(psm_import_atom::value, std::move(accesses));
}

caf::expected<psm_series_view> client::psm_series(const std::string& path) {
  return ask<psm_series_view>(psm_series_atom::value, path);
}

ns_reply client::list(const std::string& path, uint32_t page) {
  ns_reply all;
  path_request req;
  req.op = path_op::readdir;
  req.path = path;
  req.max_entries = page;
  while (true) {
    auto r = call(req);
    if (r.code != errc::ok)
      return r;
    for (auto& e : r.entries)
      all.entries.push_back(std::move(e));
    if (r.eof)
      break;
    req.cookie = r.cookie;
  }
  all.eof = true;
  return all;
}

bool parse_host_port(const std::string& s, std::string& host, uint16_t& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
    return false;
  host = s.substr(0, colon);
  auto digits = s.substr(colon + 1);
  if (digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  auto p = std::stoul(digits);
  if (p == 0 || p > 65535)
    return false;
  port = static_cast<uint16_t>(p);
  return true;
}

} // namespace ds
