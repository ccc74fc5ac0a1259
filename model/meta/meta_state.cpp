#include "model/meta/meta_state.hpp"

#include <algorithm>

#include "model/enum_names.hpp"
#include "psm/policy/psm_settings.hpp"

namespace ds {

errc validate_config_key(const std::string& key) {
  if (key.empty() || key.size() > max_config_key)
    return errc::einval;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return errc::einval;
  return errc::ok;
}

bool parse_duration_ns(const std::string& text, int64_t& ns) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 9)
    return false;
  int64_t n = std::stoll(text.substr(0, digits));
  auto unit = text.substr(digits);
  int64_t scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1'000'000'000;
  else if (unit == "ms")
    scale = 1'000'000;
  else if (unit == "m")
    scale = int64_t{60} * 1'000'000'000;
  else
    return false;
  if (n * scale > int64_t{86400} * 1'000'000'000)
    return false; // over a day: surely a mistake
  ns = n * scale;
  return true;
}

namespace {

errc validate_set(const config_set& set) {
  if (validate_config_key(set.key) != errc::ok ||
      set.value.size() > max_config_value ||
      !psm_policy::check_value(set.key, set.value).empty())
    return errc::einval;
  int64_t ns = 0;
  if (set.key == move_quiet_time_key && !parse_duration_ns(set.value, ns))
    return errc::einval; // the state machine must be able to read it
  return errc::ok;
}

} // namespace

errc validate_command(const meta_command& cmd) {
  auto* set = std::get_if<config_set>(&cmd);
  return set ? validate_set(*set) : errc::ok;
}

meta_result meta_state::apply(const meta_command& cmd) {
  return std::visit([this](const auto& c) { return apply_one(c); }, cmd);
}

meta_result meta_state::apply_one(const config_set& cmd) {
  meta_result r;
  r.epoch = epoch_;
  auto value_of = [this](const std::string& k) -> std::optional<std::string> {
    auto i = config_.find(k);
    if (i == config_.end())
      return std::nullopt;
    return i->second.value;
  };
  if (validate_set(cmd) != errc::ok ||
      !psm_policy::check_set(cmd.key, cmd.value, value_of).empty()) {
    r.code = errc::einval;
    return r;
  }
  auto i = config_.find(cmd.key);
  uint64_t current = i == config_.end() ? 0 : i->second.version;
  if (cmd.conditional && cmd.if_version != current) {
    r.code = errc::econflict;
    r.version = current;
    return r;
  }
  auto& e = config_[cmd.key];
  e.key = cmd.key;
  e.value = cmd.value;
  e.version = current + 1;
  r.version = e.version;
  return r;
}

std::optional<config_entry> meta_state::config(const std::string& key) const {
  auto i = config_.find(key);
  if (i == config_.end())
    return std::nullopt;
  return i->second;
}

std::vector<config_entry> meta_state::config_list() const {
  std::vector<config_entry> out;
  for (auto& [k, e] : config_)
    out.push_back(e);
  return out;
}

namespace {
constexpr enum_names<migration_record::state_t, 3> state_names{
    {"started", "committed", "aborted"}};
} // namespace

const char* to_string(migration_record::state_t x) {
  return state_names(x);
}

meta_result meta_state::apply_one(const migration_begin& cmd) {
  meta_result r;
  r.epoch = epoch_;
  if (!cmd.range.aligned() || cmd.from == cmd.to || cmd.dir == 0) {
    r.code = errc::einval;
    return r;
  }
  // One move at a time per part: an overlapping one still under way wins.
  for (auto& [id, m] : migrations_)
    if (m.state == migration_record::started && m.dir == cmd.dir &&
        m.range.overlaps(cmd.range.lo, cmd.range.hi)) {
      r.code = errc::ebusy;
      return r;
    }
  if (auto q = quiet_check(cmd); q.code != errc::ok)
    return q;
  migration_record m;
  m.id = next_migration_++;
  m.dir = cmd.dir;
  m.range = cmd.range;
  m.from = cmd.from;
  m.to = cmd.to;
  m.owner = cmd.owner;
  m.begun_ns = cmd.now_ns;
  migrations_[m.id] = m;
  r.migration = m.id;
  return r;
}

meta_result meta_state::quiet_check(const migration_begin& cmd) const {
  meta_result r;
  r.epoch = epoch_;
  // Entries written before begins carried a time (now_ns 0) were applied
  // without this check; replaying them must give the same answers.
  if (cmd.force || cmd.now_ns == 0)
    return r;
  int64_t quiet = default_move_quiet_time_ns;
  if (auto i = config_.find(move_quiet_time_key); i != config_.end())
    parse_duration_ns(i->second.value, quiet); // checked when it was set
  // The latest overlapping move within the quiet time, from the records
  // and from the moves whose records were pruned (meta_history.cpp).
  int64_t latest = 0;
  auto consider = [&](const hash_range& range, int64_t at, uint64_t id) {
    if (at == 0 || !range.overlaps(cmd.range.lo, cmd.range.hi) ||
        cmd.now_ns - at >= quiet || (r.migration != 0 && at < latest))
      return;
    latest = at;
    r.migration = id;
  };
  for (auto& [id, m] : migrations_)
    if (m.state == migration_record::committed && m.dir == cmd.dir)
      consider(m.range, m.ended_ns, id);
  if (auto i = moved_.find(cmd.dir); i != moved_.end())
    for (auto& p : i->second)
      consider(p.range, p.at_ns, p.migration);
  if (r.migration == 0)
    return r;
  r.code = errc::ebusy;
  r.detail = "the part moved " +
             std::to_string((cmd.now_ns - latest) / 1'000'000'000) +
             " s ago (migration " + std::to_string(r.migration) + "); " +
             move_quiet_time_key + " is " +
             std::to_string(quiet / 1'000'000'000) +
             " s; force the move to override";
  return r;
}

namespace {

/// The migration `id`, or null with `r.code` set to ENOENT: the common
/// start of a commit and an abort.
migration_record* find_migration(std::map<uint64_t, migration_record>& ms,
                                 uint64_t id, meta_result& r) {
  auto i = ms.find(id);
  if (i == ms.end()) {
    r.code = errc::enoent;
    return nullptr;
  }
  return &i->second;
}

} // namespace

meta_result meta_state::apply_one(const migration_commit& cmd) {
  meta_result r{errc::ok, 0, epoch_};
  auto* found = find_migration(migrations_, cmd.migration, r);
  if (!found)
    return r;
  auto& m = *found;
  if (m.state == migration_record::aborted) {
    r.code = errc::econflict;
    return r;
  }
  if (m.state == migration_record::committed) { // repeated: same answer
    r.epoch = m.epoch;
    r.entries = m.entries;
    return r;
  }
  auto& parts = placed_[m.dir];
  parts.erase(std::remove_if(parts.begin(), parts.end(),
                             [&](const placement_entry& p) {
                               return p.range.overlaps(m.range.lo, m.range.hi);
                             }),
              parts.end());
  m.state = migration_record::committed;
  m.ended_ns = cmd.now_ns;
  // The commit's count is final: it counts all that the progress reports
  // counted and what was sent after them. A commit written before it
  // carried one (0) keeps what they reported.
  if (cmd.entries != 0)
    m.entries = cmd.entries;
  entries_moved_ += m.entries;
  m.epoch = ++epoch_;
  parts.push_back(placement_entry{m.range, m.to, m.epoch});
  std::sort(parts.begin(), parts.end(), [](const auto& x, const auto& y) {
    return x.range.lo < y.range.lo;
  });
  r.epoch = m.epoch;
  r.entries = m.entries;
  return r;
}

meta_result meta_state::apply_one(const migration_abort& cmd) {
  meta_result r{errc::ok, 0, epoch_};
  auto* found = find_migration(migrations_, cmd.migration, r);
  if (!found)
    return r;
  auto& m = *found;
  if (m.state == migration_record::committed) {
    // Too late: it took effect. The caller finishes it instead.
    r.code = errc::econflict;
    r.epoch = m.epoch;
    return r;
  }
  if (m.state == migration_record::started)
    m.ended_ns = cmd.now_ns;
  m.state = migration_record::aborted;
  return r;
}

meta_result meta_state::apply_one(const migration_progress& cmd) {
  meta_result r{errc::ok, 0, epoch_};
  auto* m = find_migration(migrations_, cmd.migration, r);
  if (m && m->state == migration_record::started) {
    r.version = ++m->progress;
    // Reports may be applied out of order (a retry through another
    // leader): the count never goes back.
    m->entries = std::max(m->entries, cmd.entries);
  } else if (m) // decided already: the driver learns it here and stops
    r = meta_result{errc::econflict, 0, m->epoch};
  return r;
}

dir_placement meta_state::placement(inode_id dir) const {
  dir_placement out;
  out.dir = dir;
  out.epoch = epoch_;
  if (auto i = placed_.find(dir); i != placed_.end())
    out.parts = i->second;
  return out;
}

void meta_state::restore(
    std::vector<config_entry> config,
    std::map<inode_id, std::vector<placement_entry>> placed,
    std::map<uint64_t, migration_record> migrations, uint64_t epoch,
    std::deque<psm_planning> plannings, uint64_t next_migration,
    std::map<inode_id, std::vector<moved_part>> moved, uint64_t entries_moved) {
  config_.clear();
  for (auto& e : config)
    config_[e.key] = std::move(e);
  placed_ = std::move(placed);
  migrations_ = std::move(migrations);
  epoch_ = epoch;
  plannings_ = std::move(plannings);
  if (next_migration == 0) // a snapshot from before ids outlived records
    next_migration = migrations_.empty() ? 1 : migrations_.rbegin()->first + 1;
  next_migration_ = next_migration;
  moved_ = std::move(moved);
  entries_moved_ = entries_moved;
}

meta_result meta_state::apply_one(const psm_record& cmd) {
  meta_result r;
  r.epoch = epoch_;
  if (cmd.keep == 0 || cmd.keep_slots < 0 || cmd.policy.size() > 64 ||
      cmd.node.size() > 256 || cmd.decisions.size() > max_psm_record) {
    r.code = errc::einval;
    return r;
  }
  // A period is recorded once (a planner that took over, or a retry).
  if (!plannings_.empty() && cmd.at <= plannings_.back().at) {
    r.code = errc::econflict;
    r.version = static_cast<uint64_t>(plannings_.back().at);
    return r;
  }
  plannings_.push_back({cmd.at, cmd.policy, cmd.count, cmd.decisions, cmd.node,
                        cmd.series, cmd.cost_us});
  // Bounded: by count (whole plannings, the newest always kept) and age.
  uint64_t total = 0;
  for (auto& p : plannings_)
    total += p.count;
  while (
      plannings_.size() > 1 &&
      (total > cmd.keep || plannings_.front().at < cmd.at - cmd.keep_slots)) {
    total -= plannings_.front().count;
    plannings_.pop_front();
  }
  r.version = static_cast<uint64_t>(cmd.at);
  return r;
}

} // namespace ds
