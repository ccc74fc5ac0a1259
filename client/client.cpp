#include "client/client.hpp"

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

ns_reply client::call(path_request req) {
  caf::scoped_actor self{*sys_};
  ns_reply out;
  self->request(gw_, timeout_, path_atom::value, std::move(req))
      .receive([&](ns_reply& r) { out = std::move(r); },
               [&](caf::error& e) { out = failure(e); });
  return out;
}

std::vector<ns_reply> client::batch(std::vector<ns_request> reqs) {
  caf::scoped_actor self{*sys_};
  auto n = reqs.size();
  std::vector<ns_reply> out;
  self->request(gw_, timeout_, ns_atom::value, std::move(reqs))
      .receive([&](std::vector<ns_reply>& r) { out = std::move(r); },
               [&](caf::error& e) { out.assign(n, failure(e)); });
  return out;
}

std::vector<shard_info> client::shards() {
  caf::scoped_actor self{*sys_};
  std::vector<shard_info> out;
  self->request(gw_, timeout_, shards_atom::value)
      .receive([&](std::vector<shard_info>& r) { out = std::move(r); },
               [&](caf::error&) {});
  return out;
}

std::vector<node_info> client::nodes() {
  caf::scoped_actor self{*sys_};
  std::vector<node_info> out;
  self->request(gw_, timeout_, nodes_atom::value)
      .receive([&](std::vector<node_info>& r) { out = std::move(r); },
               [&](caf::error&) {});
  return out;
}

placement_info client::locate(const std::string& path) {
  caf::scoped_actor self{*sys_};
  placement_info out;
  out.code = errc::eunavailable;
  self->request(gw_, timeout_, locate_atom::value, path)
      .receive([&](placement_info& r) { out = std::move(r); },
               [&](caf::error&) {});
  return out;
}

meta_result client::config_set(const std::string& key, const std::string& value,
                               std::optional<uint64_t> if_version) {
  meta_command cmd;
  cmd.kind = meta_command::config_set;
  cmd.key = key;
  cmd.value = value;
  cmd.conditional = if_version.has_value();
  cmd.if_version = if_version.value_or(0);
  caf::scoped_actor self{*sys_};
  meta_result out;
  self->request(gw_, timeout_, meta_atom::value, cmd)
      .receive([&](meta_result& r) { out = r; },
               [&](caf::error&) { out.code = errc::eunavailable; });
  return out;
}

config_entry client::config_get(const std::string& key, errc& code) {
  caf::scoped_actor self{*sys_};
  config_entry out;
  code = errc::ok;
  self->request(gw_, timeout_, cfg_get_atom::value, key)
      .receive([&](config_entry& e) { out = std::move(e); },
               [&](caf::error&) { code = errc::eunavailable; });
  return out;
}

std::vector<config_entry> client::config_list(errc& code) {
  caf::scoped_actor self{*sys_};
  std::vector<config_entry> out;
  code = errc::ok;
  self->request(gw_, timeout_, cfg_list_atom::value)
      .receive([&](std::vector<config_entry>& e) { out = std::move(e); },
               [&](caf::error&) { code = errc::eunavailable; });
  return out;
}

std::vector<raft_status> client::raft_state(errc& code) {
  caf::scoped_actor self{*sys_};
  std::vector<ds::raft_status> out;
  code = errc::ok;
  self->request(gw_, timeout_, raft_status_atom::value)
      .receive([&](std::vector<ds::raft_status>& e) { out = std::move(e); },
               [&](caf::error&) { code = errc::eunavailable; });
  return out;
}

meta_result client::move(const std::string& dir_path, hash_range part,
                         uint32_t to) {
  path_request st;
  st.op = path_op::stat;
  st.path = dir_path;
  auto d = call(st);
  meta_result out;
  if (d.code != errc::ok || d.a.kind != entry_kind::dir) {
    out.code = d.code != errc::ok ? d.code : errc::enotdir;
    return out;
  }
  out.code = errc::eunavailable;
  caf::scoped_actor self{*sys_};
  self->request(gw_, timeout_, move_atom::value,
                move_request{d.a.ino, part, to})
      .receive([&](meta_result& r) { out = r; }, [](caf::error&) {});
  return out;
}

std::vector<migration_record> client::migrations(errc& code) {
  std::vector<migration_record> out;
  code = errc::eunavailable;
  caf::scoped_actor self{*sys_};
  self->request(gw_, timeout_, migrations_atom::value)
      .receive(
          [&](std::vector<migration_record>& r) {
            out = std::move(r);
            code = errc::ok;
          },
          [](caf::error&) {});
  return out;
}

router_stats client::router(errc& code) {
  router_stats out;
  code = errc::eunavailable;
  caf::scoped_actor self{*sys_};
  self->request(gw_, timeout_, router_stats_atom::value)
      .receive(
          [&](router_stats& r) {
            out = r;
            code = errc::ok;
          },
          [](caf::error&) {});
  return out;
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
