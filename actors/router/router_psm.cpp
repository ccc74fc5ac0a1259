// The router's part in the PSM: it knows every member's forecaster (from
// the greetings), so the planner asks it for the whole cluster's view.
#include <memory>
#include <set>

#include <caf/all.hpp>

#include "actors/gather.hpp"
#include "actors/router/router.hpp"
#include "model/namespace/name.hpp"

namespace ds {

caf::result<std::vector<psm_node_forecasts>>
router_state::collect_views(uint64_t recent) {
  std::vector<psm_forecaster_actor> live;
  for (auto& f : forecasters)
    if (f)
      live.push_back(f);
  if (live.empty())
    return std::vector<psm_node_forecasts>{};
  auto g = std::make_shared<gather<psm_node_forecasts>>();
  g->out.resize(live.size());
  g->left = live.size();
  g->rp = self->make_response_promise<std::vector<psm_node_forecasts>>();
  for (size_t i = 0; i < live.size(); ++i)
    // A node that does not answer in time counts as one without parts:
    // the planner plans with what it knows, never waits for ever.
    self->request(live[i], timeout, psm_forecasts_atom::value, recent)
        .then(
            [g, i](psm_node_forecasts& x) {
              g->out[i] = std::move(x);
              g->part_done();
            },
            [g](caf::error&) { g->part_done(); });
  return g->rp;
}

caf::result<psm_import_result>
router_state::import_accesses(std::vector<psm_access>& xs) {
  // The cache may not know where parts moved (a node just restarted, or
  // moves driven by other nodes): a shard skips the accesses of a part it
  // does not hold, so they would be lost. Each directory's placement is read
  // from the store first, as a move does; one that cannot be read is routed
  // by the cache as it is.
  auto rp = self->make_response_promise<psm_import_result>();
  std::set<inode_id> dirs;
  for (auto& x : xs)
    dirs.insert(x.dir);
  auto batch = std::make_shared<std::vector<psm_access>>(std::move(xs));
  auto left = std::make_shared<size_t>(dirs.size());
  if (dirs.empty())
    route_import(std::move(*batch), rp);
  for (auto d : dirs)
    refresh(d, [this, batch, left, rp](bool) mutable {
      if (--*left == 0)
        route_import(std::move(*batch), rp);
    });
  return rp;
}

void router_state::route_import(
    std::vector<psm_access> xs,
    caf::typed_response_promise<psm_import_result> rp) {
  std::map<uint32_t, std::vector<psm_access>> by_shard;
  for (auto& x : xs) {
    auto h = x.op == static_cast<uint8_t>(access::op::readdir)
                 ? 0
                 : name_hash(x.name);
    by_shard[holder(x.dir, h)].push_back(std::move(x));
  }
  struct sum {
    psm_import_result r;
    size_t left = 0;
    bool failed = false;
    caf::typed_response_promise<psm_import_result> rp;
  };
  auto g = std::make_shared<sum>();
  g->left = by_shard.size();
  g->rp = std::move(rp);
  if (by_shard.empty())
    g->rp.deliver(g->r);
  auto done = [g](psm_import_result* r) {
    if (r) {
      g->r.imported += r->imported;
      g->r.skipped += r->skipped;
      g->r.reports += r->reports;
    } else {
      g->failed = true;
    }
    if (--g->left > 0)
      return;
    if (g->failed)
      g->rp.deliver(caf::make_error(caf::sec::request_receiver_down,
                                    "a shard did not take its accesses"));
    else
      g->rp.deliver(g->r);
  };
  for (auto& [s, part] : by_shard) {
    if (s >= shards.size() || !shards[s]) {
      done(nullptr);
      continue;
    }
    self->request(shards[s], timeout, psm_import_atom::value, std::move(part))
        .then([done](psm_import_result& r) { done(&r); },
              [done](caf::error&) { done(nullptr); });
  }
}

caf::result<psm_series_view>
router_state::dir_series(const std::string& path) {
  auto rp = self->make_response_promise<psm_series_view>();
  path_request req;
  req.op = path_op::stat;
  req.path = path;
  resolve(std::move(req), [this, rp, path](ns_reply r) mutable {
    if (r.code == errc::ok && r.a.kind != entry_kind::dir)
      r.code = errc::enotdir;
    // (deliver returns the promise: no `return rp.deliver(...)` here.)
    if (r.code != errc::ok) {
      rp.deliver(caf::make_error(caf::sec::invalid_argument,
                                 std::string{to_string(r.code)} + ": " + path));
      return;
    }
    auto node = cluster.node_of(home_shard(r.a.ino));
    if (node >= forecasters.size() || !forecasters[node]) {
      rp.deliver(caf::make_error(
          caf::sec::request_receiver_down,
          "EUNAVAILABLE: no forecaster known on the directory's home node"));
      return;
    }
    auto key = access::series_key::directory(std::to_string(r.a.ino));
    self->request(forecasters[node], timeout, psm_series_atom::value, key)
        .then([rp](psm_series_view& v) mutable { rp.deliver(std::move(v)); },
              [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  });
  return rp;
}

} // namespace ds
