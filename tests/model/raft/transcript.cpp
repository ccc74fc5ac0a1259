#include "tests/model/raft/transcript.hpp"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace ds::raft::transcript {

namespace {

struct bad_command : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

// A whole decimal number in [lo, hi].
std::uint64_t number(const std::string& s, std::uint64_t lo, std::uint64_t hi,
                     const char* what) {
  char* end = nullptr;
  auto v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' ||
      !std::isdigit(static_cast<unsigned char>(s[0])) || v < lo || v > hi)
    throw bad_command(std::string(what) + " must be a number in " +
                      std::to_string(lo) + ".." + std::to_string(hi) +
                      ", not '" + s + "'");
  return v;
}

bool boolean(const std::string& s, const std::string& key) {
  if (s == "true")
    return true;
  if (s == "false")
    return false;
  throw bad_command(key + " must be true or false, not '" + s + "'");
}

std::string entry_text(const entry& e) {
  std::string s = std::to_string(e.index) + "@" + std::to_string(e.term);
  if (e.type == entry_type::config) {
    s += ":voters=";
    auto v = decode_voters(e.data);
    for (std::size_t i = 0; v && i < v->size(); ++i)
      s += (i ? "," : "") + std::to_string((*v)[i]);
  } else if (!e.data.empty()) {
    s += ":" + e.data;
  }
  return s;
}

std::string entries_text(const std::vector<entry>& es) {
  std::string s = "[";
  for (std::size_t i = 0; i < es.size(); ++i)
    s += (i ? " " : "") + entry_text(es[i]);
  return s + "]";
}

// A message with the fields that are not at their defaults.
std::string message_text(const message& m) {
  std::ostringstream o;
  o << m.from << "->" << m.to << " " << to_string(m.type) << " term=" << m.term;
  if (m.log_term)
    o << " log_term=" << m.log_term;
  if (m.index)
    o << " index=" << m.index;
  if (m.commit)
    o << " commit=" << m.commit;
  if (m.reject)
    o << " reject";
  if (m.reject_hint)
    o << " hint=" << m.reject_hint;
  if (m.read_seq)
    o << " seq=" << m.read_seq;
  if (!m.context.empty())
    o << " ctx=" << m.context;
  if (!m.entries.empty())
    o << " entries=" << entries_text(m.entries);
  if (m.snap)
    o << " snap=" << m.snap->meta.index << "@" << m.snap->meta.term;
  return o.str();
}

std::string hard_text(const hard_state& h) {
  return "term=" + std::to_string(h.term) + " vote=" + std::to_string(h.vote) +
         " commit=" + std::to_string(h.commit);
}

// A message filter: "FROM->TO" with * for any node, then an optional type.
struct selector {
  node_id from = 0, to = 0; // 0: any
  std::string type;
  bool operator()(const message& m) const {
    return (!from || m.from == from) && (!to || m.to == to) &&
           (type.empty() || type == to_string(m.type));
  }
};

} // namespace

// --- the file format
// -----------------------------------------------------------

file parse(const std::string& text) {
  file f;
  std::istringstream in(text);
  std::string line, pending;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') {
      pending += line + "\n";
      continue;
    }
    block b;
    b.before = std::move(pending);
    pending.clear();
    b.command = line;
    b.line = n;
    if (!std::getline(in, line) || line != "----")
      throw std::invalid_argument("line " + std::to_string(n) +
                                  ": a command must be followed by ----");
    ++n;
    while (std::getline(in, line) && !line.empty()) {
      ++n;
      b.expected += line + "\n";
    }
    ++n; // the blank line that ended the output
    f.blocks.push_back(std::move(b));
  }
  f.tail = std::move(pending);
  return f;
}

std::string render(const file& f, const std::vector<std::string>& outputs) {
  std::string s;
  for (std::size_t i = 0; i < f.blocks.size(); ++i) {
    const block& b = f.blocks[i];
    s += b.before + b.command + "\n----\n" + outputs.at(i) + "\n";
  }
  return s + f.tail;
}

// --- the interpreter
// -------------------------------------------------------------

std::string interpreter::run(const std::string& line) {
  out_.str("");
  try {
    dispatch(split(line));
  } catch (const bad_command& e) {
    out_.str("");
    out_ << "error: " << e.what() << "\n";
  }
  if (group_)
    report_changes();
  std::string s = out_.str();
  return s.empty() ? "ok\n" : s;
}

namespace {

// One command of the language: its name, how many arguments it takes and
// the member that runs it.
struct command {
  const char* name;
  std::size_t min_args, max_args;
  const char* usage;
  void (interpreter::*run)(const interpreter::args_t&);
};

} // namespace

void interpreter::dispatch(const args_t& a) {
  using i = interpreter;
  static const command table[] = {
      {"add-nodes", 1, 6,
       "add-nodes N [seed=S election=E heartbeat=H pre-vote=B "
       "check-quorum=B]",
       &i::add_nodes},
      {"campaign", 1, 1, "campaign ID", &i::campaign},
      {"tick", 1, 2, "tick IDS [COUNT]", &i::tick},
      {"deliver", 0, 2, "deliver [FROM->TO [TYPE]]", &i::deliver},
      {"drop", 0, 2, "drop [FROM->TO [TYPE]]", &i::drop},
      {"stabilize", 0, 0, "stabilize", &i::stabilize},
      {"isolate", 1, 1, "isolate ID", &i::isolate},
      {"heal", 0, 0, "heal", &i::heal},
      {"crash", 1, 2, "crash ID [before-sync|after-sync]", &i::crash},
      {"restart", 1, 1, "restart ID", &i::restart},
      {"propose", 2, 2, "propose ID DATA", &i::propose},
      {"read", 2, 2, "read ID CTX", &i::read},
      {"status", 0, 1, "status [IDS]", &i::status},
  };
  if (a.empty())
    throw bad_command("empty command");
  for (const command& c : table) {
    if (a[0] != c.name)
      continue;
    if (a.size() - 1 < c.min_args || a.size() - 1 > c.max_args)
      throw bad_command(std::string("usage: ") + c.usage);
    if (!group_ && c.run != &i::add_nodes)
      throw bad_command("no group yet: add-nodes first");
    return (this->*c.run)(a);
  }
  throw bad_command("unknown command '" + a[0] + "'");
}

void interpreter::campaign(const args_t& a) {
  group().get(running(a[1])).campaign();
  group().settle();
}

void interpreter::stabilize(const args_t&) {
  for (int round = 0; !group().held().empty(); ++round) {
    if (round == 100)
      throw bad_command("still not stable after 100 rounds of deliveries");
    move_held({"deliver"}, true);
  }
}

void interpreter::isolate(const args_t& a) {
  group().isolate(parse_node(a[1]));
}

void interpreter::heal(const args_t&) {
  for (node_id x : group().ids())
    for (node_id y : group().ids())
      group().heal(x, y);
}

void interpreter::restart(const args_t& a) {
  node_id id = parse_node(a[1]);
  if (group().alive(id))
    throw bad_command(a[1] + " is running");
  group().restart(id);
  group().settle();
  status_of(id);
}

void interpreter::status(const args_t& a) {
  for (node_id id : a.size() > 1 ? parse_nodes(a[1]) : group().ids())
    status_of(id);
}

void interpreter::add_nodes(const args_t& a) {
  if (group_)
    throw bad_command("the group exists already");
  auto n = number(a[1], 1, 9, "N");
  config base;
  base.seed = 1;
  for (std::size_t i = 2; i < a.size(); ++i) {
    auto eq = a[i].find('=');
    std::string key = a[i].substr(0, eq);
    std::string value = eq == std::string::npos ? "" : a[i].substr(eq + 1);
    if (key == "seed")
      base.seed = number(value, 0, ~std::uint64_t{0}, key.c_str());
    else if (key == "election")
      base.election_ticks = int(number(value, 2, 1000, key.c_str()));
    else if (key == "heartbeat")
      base.heartbeat_ticks = int(number(value, 1, 1000, key.c_str()));
    else if (key == "pre-vote")
      base.pre_vote = boolean(value, key);
    else if (key == "check-quorum")
      base.check_quorum = boolean(value, key);
    else
      throw bad_command("unknown option '" + a[i] + "'");
  }
  if (base.heartbeat_ticks >= base.election_ticks)
    throw bad_command("heartbeat must be shorter than election");
  group_ = std::make_unique<sim::cluster>(n, base.seed, base);
  group_->hold = true;
  group_->on_ready = [this](node_id id, const ready& rd) {
    print_ready(id, rd);
  };
  alive_.assign(n, true);
  group_->settle();
  for (node_id id : group_->ids())
    status_of(id);
}

void interpreter::tick(const args_t& a) {
  auto ids = parse_nodes(a[1]);
  auto count = a.size() > 2 ? number(a[2], 1, 1000, "COUNT") : 1;
  for (std::uint64_t i = 0; i < count; ++i) {
    for (node_id id : ids)
      if (group().alive(id))
        group().get(id).tick();
    group().settle();
  }
}

void interpreter::deliver(const args_t& a) {
  move_held(a, true);
}

void interpreter::drop(const args_t& a) {
  move_held(a, false);
}

void interpreter::move_held(const args_t& a, bool deliver) {
  selector sel;
  if (a.size() > 1) {
    auto arrow = a[1].find("->");
    if (arrow == std::string::npos)
      throw bad_command("a selection is FROM->TO ('*' for any), not '" + a[1] +
                        "'");
    auto end = [&](const std::string& s) {
      return s == "*" ? node_id{0} : parse_node(s);
    };
    sel.from = end(a[1].substr(0, arrow));
    sel.to = end(a[1].substr(arrow + 2));
  }
  if (a.size() > 2) {
    sel.type = a[2];
    bool known = false;
    for (int t = 0; t <= static_cast<int>(msg_type::timeout_now); ++t)
      known = known || sel.type == to_string(static_cast<msg_type>(t));
    if (!known)
      throw bad_command("unknown message type '" + sel.type + "'");
  }
  std::vector<bool> up;
  for (node_id id : group().ids())
    up.push_back(group().alive(id));
  std::string before = out_.str();
  auto picked = deliver ? group().deliver_held(sel) : group().drop_held(sel);
  // The messages first, then what their delivery caused.
  std::string caused = out_.str().substr(before.size());
  out_.str("");
  out_ << before;
  for (const message& m : picked) {
    out_ << message_text(m);
    if (deliver && !up[m.to - 1])
      out_ << " (lost: " << m.to << " is down)";
    else if (deliver && !group().connected(m.from, m.to))
      out_ << " (lost: the link is cut)";
    out_ << "\n";
  }
  out_ << caused;
}

void interpreter::crash(const args_t& a) {
  node_id id = running(a[1]);
  auto at = sim::crash_point::between_readies;
  if (a.size() > 2) {
    if (a[2] == "before-sync")
      at = sim::crash_point::before_sync;
    else if (a[2] == "after-sync")
      at = sim::crash_point::after_sync;
    else
      throw bad_command("a crash point is before-sync or after-sync, not '" +
                        a[2] + "'");
  }
  group().crash(id, at);
}

void interpreter::propose(const args_t& a) {
  node_id id = running(a[1]);
  auto p = group().propose(id, a[2]);
  if (!p) {
    out_ << "refused: " << id << " is not the leader (it knows "
         << group().get(id).leader() << ")\n";
    return;
  }
  out_ << "proposed: index=" << p->index << " term=" << p->term << "\n";
  group().settle();
}

void interpreter::read(const args_t& a) {
  node_id id = running(a[1]);
  if (reads_.count({id, a[2]}))
    throw bad_command("read " + a[2] + " was asked at " + a[1] + " before");
  if (!group().read(id, a[2])) {
    out_ << "refused: " << id << " knows no leader\n";
    return;
  }
  reads_.insert({id, a[2]});
  out_ << "read " << a[2] << " asked at " << id << "\n";
  group().settle();
}

// --- output
// ------------------------------------------------------------------------

void interpreter::status_of(node_id a) {
  sim::member& mb = group().at(a);
  out_ << a << ": ";
  if (!mb.core) {
    const sim::disk& d = mb.stored;
    out_ << "down; disk " << hard_text(d.hard);
    if (!d.snap.empty())
      out_ << " snap=" << d.snap.meta.index << "@" << d.snap.meta.term;
    out_ << " log=" << entries_text(d.entries) << "\n";
    return;
  }
  const node& n = *mb.core;
  out_ << to_string(n.current_role()) << " term=" << n.term()
       << " vote=" << n.vote() << " lead=" << n.leader()
       << " commit=" << n.log().committed() << " applied=" << mb.last_applied;
  const raft_log& log = n.log();
  if (log.first_index() > 1)
    out_ << " snap=" << log.last_snapshot().meta.index << "@"
         << log.last_snapshot().meta.term;
  std::vector<entry> es;
  for (index_t i = log.first_index(); i <= log.last_index(); ++i)
    es.push_back(log.at(i));
  out_ << " log=" << entries_text(es) << "\n";
}

// In the order the driver (sim::cluster::drive, like the metadata replica)
// handles a ready, up to the crash point if one is armed.
void interpreter::print_ready(node_id a, const ready& rd) {
  auto crash = group().crash_pending(a);
  auto apply = [&] {
    if (!rd.committed.empty())
      out_ << a << ": apply " << entries_text(rd.committed) << "\n";
    for (const read_state& r : rd.reads)
      out_ << a << ": read-state " << r.context << " index=" << r.index << "\n";
  };
  for (const message& m : rd.early)
    out_ << a << ": send early " << message_text(m) << "\n";
  if (crash == sim::crash_point::before_sync) {
    out_ << a << ": crashes before its sync\n";
    return;
  }
  if (!rd.snap)
    apply();
  if (rd.snap)
    out_ << a << ": snapshot " << rd.snap->meta.index << "@"
         << rd.snap->meta.term << "\n";
  if (!rd.entries.empty())
    out_ << a << ": persist " << entries_text(rd.entries) << "\n";
  if (rd.hard)
    out_ << a << ": hard " << hard_text(*rd.hard) << "\n";
  if (crash == sim::crash_point::after_sync) {
    out_ << a << ": crashes after its sync\n";
    return;
  }
  for (const message& m : rd.messages)
    out_ << a << ": send " << message_text(m) << "\n";
  if (rd.snap)
    apply();
}

// What a command changed beyond its readies: nodes that crashed, reads that
// were served, the first broken invariant.
void interpreter::report_changes() {
  for (node_id a : group().ids()) {
    bool up = group().alive(a);
    if (alive_[a - 1] && !up)
      out_ << a << ": crashed\n";
    alive_[a - 1] = up;
    for (auto& [ctx, value] : group().at(a).read_values)
      if (served_.insert({a, ctx}).second)
        out_ << a << ": read " << ctx << " served, last value '" << value
             << "'\n";
  }
  if (!violation_reported_ && !group().violation().empty()) {
    violation_reported_ = true;
    out_ << "violation: " << group().violation() << "\n";
  }
}

node_id interpreter::parse_node(const std::string& s) const {
  auto n = group_ ? group_->ids().size() : 0;
  return number(s, 1, n, "a node id");
}

node_id interpreter::running(const std::string& s) const {
  node_id id = parse_node(s);
  if (!group_->alive(id))
    throw bad_command(s + " is down");
  return id;
}

std::vector<node_id> interpreter::parse_nodes(const std::string& s) const {
  if (s == "all")
    return group_->ids();
  std::vector<node_id> out;
  std::istringstream in(s);
  for (std::string one; std::getline(in, one, ',');)
    out.push_back(parse_node(one));
  if (out.empty())
    throw bad_command("no node ids in '" + s + "'");
  return out;
}

sim::cluster& interpreter::group() {
  return *group_;
}

} // namespace ds::raft::transcript
