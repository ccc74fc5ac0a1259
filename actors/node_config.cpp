#include "actors/node_config.hpp"

#include <array>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include <unistd.h>

#include "messages/ns.hpp"

namespace ds {

namespace {

enum class kind { integer, string, boolean, duration, real, string_list };

struct rule {
  const char* key;
  kind type;
  int64_t min;
  int64_t max;
};

// The one table of [dagshard] keys: type and range of each.
constexpr std::array<rule, 16> rules = {{
    {"data-dir", kind::string, 1, 4096},
    {"port", kind::integer, 0, 65535},
    {"bind", kind::string, 1, 255},
    {"shards", kind::integer, 1, 1024},
    {"list-capacity", kind::integer, 2, 1000000},
    {"max-width-bits", kind::integer, 1, 16},
    {"level-bits", kind::integer, 1, 8},
    {"no-merge", kind::boolean, 0, 1},
    {"max-dir-entries", kind::integer, 1, int64_t{1} << 32},
    {"sync", kind::string, 1, 16},
    {"request-timeout", kind::duration, 1, 3600'000},
    {"node-id", kind::string, 1, 32},
    {"peers", kind::string_list, 0, 256},
    {"capacity-factor", kind::real, 1, 10},
    {"tls", kind::boolean, 0, 1},
    {"dir-cache-entries", kind::integer, 0, int64_t{1} << 24},
}};

const char* type_text(kind k) {
  switch (k) {
  case kind::integer:
    return "an integer";
  case kind::string:
    return "a quoted string";
  case kind::boolean:
    return "true or false";
  case kind::duration:
    return "a duration such as 500ms or 5s";
  case kind::real:
    return "a number";
  case kind::string_list:
    return "a list of \"id@host:port\" strings";
  }
  return "?";
}

std::string range_error(const rule& r, const std::string& got) {
  std::string unit = r.type == kind::duration ? " ms" : "";
  std::string what = r.type == kind::string ? " bytes long" : "";
  return "dagshard." + std::string{r.key} + ": must be " + type_text(r.type) +
         (r.type == kind::boolean || r.type == kind::string_list
              ? ""
              : " in " + std::to_string(r.min) + ".." + std::to_string(r.max) +
                    unit + what) +
         " (got " + got + ")";
}

std::string check_value(const rule& r, const caf::config_value& v) {
  auto got = caf::to_string(v);
  switch (r.type) {
  case kind::integer: {
    auto x = caf::get_if<int64_t>(&v);
    if (!x || *x < r.min || *x > r.max)
      return range_error(r, got);
    break;
  }
  case kind::string: {
    auto x = caf::get_if<std::string>(&v);
    if (!x || static_cast<int64_t>(x->size()) < r.min ||
        static_cast<int64_t>(x->size()) > r.max)
      return range_error(r, got);
    if (std::string{r.key} == "node-id" && !valid_node_id(*x))
      return "dagshard.node-id: must be 1..32 of A-Z a-z 0-9 _ - (got " + got +
             ")";
    if (std::string{r.key} == "sync") {
      sync_mode m;
      if (!parse_sync_mode(*x, m))
        return "dagshard.sync: must be \"full\", \"normal\" or \"off\" (got " +
               got + ")";
    }
    break;
  }
  case kind::boolean:
    if (!caf::holds_alternative<bool>(v))
      return range_error(r, got);
    break;
  case kind::real: {
    // An integer is a fine number too (capacity-factor=2).
    double x = 0;
    if (auto d = caf::get_if<double>(&v))
      x = *d;
    else if (auto i = caf::get_if<int64_t>(&v))
      x = static_cast<double>(*i);
    else
      return range_error(r, got);
    if (!(x > static_cast<double>(r.min)) || x > static_cast<double>(r.max))
      return "dagshard." + std::string{r.key} + ": must be a number above " +
             std::to_string(r.min) + " and at most " + std::to_string(r.max) +
             " (got " + got + ")";
    break;
  }
  case kind::string_list: {
    auto xs = caf::get_if<caf::config_value::list>(&v);
    if (!xs)
      return range_error(r, got);
    for (auto& x : *xs) {
      auto s = caf::get_if<std::string>(&x);
      if (!s)
        return range_error(r, got);
      member m;
      if (auto err = parse_member(*s, m); !err.empty())
        return "dagshard." + std::string{r.key} + ": " + err;
    }
    break;
  }
  case kind::duration: {
    auto x = caf::get_if<caf::timespan>(&v);
    auto ms =
        x ? std::chrono::duration_cast<std::chrono::milliseconds>(*x).count()
          : -1;
    if (!x || ms < r.min || ms > r.max)
      return range_error(r, got);
    break;
  }
  }
  return {};
}

// Sections that CAF itself reads; anything else is a typo.
constexpr std::array<const char*, 7> known_sections = {
    "dagshard", "scheduler", "middleman",     "logger",
    "openssl",  "stream",    "work-stealing",
};

// Section `name` of `file`: null if absent, or (with `err` set) if the
// name holds a value instead of a section.
const caf::settings* section_of(const caf::settings& file, const char* name,
                                std::string& err) {
  auto i = file.find(name);
  if (i == file.end())
    return nullptr;
  auto sec = caf::get_if<caf::settings>(&i->second);
  if (!sec)
    err = std::string{"["} + name + "] must be a section";
  return sec;
}

// CAF reads [scheduler] but drops a value of the wrong type silently (a
// policy in double quotes is a string, not the atom CAF wants, and the
// default policy runs instead): the keys a node's file may set, checked.
std::string validate_scheduler(const caf::settings& file) {
  std::string err;
  auto sec = section_of(file, "scheduler", err);
  if (!sec)
    return err;
  for (auto& [key, value] : *sec) {
    if (key == "policy") {
      auto a = caf::get_if<caf::atom_value>(&value);
      if (!a || (*a != caf::atom("sharing") && *a != caf::atom("stealing")))
        return "scheduler.policy: must be 'sharing' or 'stealing' (single "
               "quotes; got " +
               caf::to_string(value) + ")";
    } else if (key == "max-threads" || key == "max-throughput") {
      auto n = caf::get_if<int64_t>(&value);
      if (!n || *n < 1 || *n > (key == "max-threads" ? 1024 : 1 << 30))
        return "scheduler." + key + ": must be a positive integer (got " +
               caf::to_string(value) + ")";
    } else {
      return "scheduler." + key + ": unknown option";
    }
  }
  return {};
}

// [middleman] likewise: CAF's keys, each of the type CAF reads.
std::string validate_middleman(const caf::settings& file) {
  std::string err;
  auto sec = section_of(file, "middleman", err);
  if (!sec)
    return err;
  for (auto& [key, value] : *sec) {
    const char* want = nullptr;
    if (key == "heartbeat-interval" || key == "connection-timeout") {
      if (!caf::holds_alternative<caf::timespan>(value))
        want = "a duration such as 200ms";
    } else if (key == "workers" || key == "max-consecutive-reads") {
      auto n = caf::get_if<int64_t>(&value);
      if (!n || *n < 0 || *n > (key == "workers" ? 64 : 1 << 20))
        want = key == "workers" ? "an integer from 0 to 64"
                                : "a non-negative integer";
    } else if (key == "enable-automatic-connections" ||
               key == "attach-utility-actors" || key == "manual-multiplexing") {
      if (!caf::holds_alternative<bool>(value))
        want = "true or false";
    } else if (key == "network-backend") {
      if (!caf::holds_alternative<caf::atom_value>(value))
        want = "an atom in single quotes";
    } else if (key == "app-identifiers") {
      if (!caf::holds_alternative<caf::config_value::list>(value))
        want = "a list of strings";
    } else {
      return "middleman." + key + ": unknown option";
    }
    if (want)
      return "middleman." + key + ": must be " + want + " (got " +
             caf::to_string(value) + ")";
  }
  return {};
}

} // namespace

std::string validate_dagshard_settings(const caf::settings& file) {
  for (auto& [section, value] : file) {
    bool known = false;
    for (auto s : known_sections)
      known = known || section == s;
    if (!known)
      return "unknown section [" + section + "]";
  }
  std::string err;
  if (auto sec = section_of(file, "openssl", err)) {
    for (auto& [key, value] : *sec) {
      if (key != "certificate" && key != "key" && key != "passphrase" &&
          key != "capath" && key != "cafile")
        return "openssl." + key + ": unknown option";
      if (!caf::holds_alternative<std::string>(value))
        return "openssl." + key + ": must be a quoted string (got " +
               caf::to_string(value) + ")";
    }
  }
  if (!err.empty())
    return err;
  if (err = validate_scheduler(file); !err.empty())
    return err;
  if (err = validate_middleman(file); !err.empty())
    return err;
  auto sec = section_of(file, "dagshard", err);
  if (!sec)
    return err;
  for (auto& [key, value] : *sec) {
    const rule* r = nullptr;
    for (auto& x : rules)
      if (key == x.key)
        r = &x;
    if (!r)
      return "dagshard." + key + ": unknown option";
    if (auto err = check_value(*r, value); !err.empty())
      return err;
  }
  return {};
}

node_config::node_config() {
  opt_group{custom_options_, "dagshard"}
      .add(data_dir_, "data-dir", "folder of the shard databases")
      .add(port_, "port", "listen port (0: any free port)")
      .add(bind_, "bind", "listen address (default loopback)")
      .add(shards_, "shards", "number of DAG shards on this node")
      .add(list_capacity_, "list-capacity",
           "entries per DAG list before a split")
      .add(max_width_bits_, "max-width-bits", "widest NIArray, in bits")
      .add(level_bits_, "level-bits", "width of a new NIArray level, in bits")
      .add(no_merge_, "no-merge", "never merge lists after deletes")
      .add(max_dir_entries_, "max-dir-entries", "most entries per directory")
      .add(sync_, "sync", "SQLite synchronous mode: full, normal or off")
      .add(request_timeout_, "request-timeout", "shard answer deadline")
      .add(node_id_, "node-id", "this node's id in the cluster")
      .add(peers_, "peers", "the other members: [\"id@host:port\", ...]")
      .add(capacity_factor_, "capacity-factor",
           "bounded-load placement: no shard above c times the mean")
      .add(tls_, "tls", "mutual TLS ([openssl] certificate, key, cafile)")
      .add(dir_cache_entries_, "dir-cache-entries",
           "directory lookups a router caches (0: none)");
  load<caf::io::middleman>();
  add_ns_message_types(*this);
}

std::string node_config::load_and_check(int argc, char** argv) {
  // No implicit config file: a node without --config-file runs the
  // embedded default.
  if (auto err = parse(argc, argv, "")) {
    auto where = config_file_path.empty() ? "" : config_file_path + ": ";
    return where + render(err);
  }
  if (!config_file_path.empty())
    if (auto err = check_file(config_file_path); !err.empty())
      return config_file_path + ": " + err;
  return check_values();
}

std::string node_config::check_file(const std::string& path) const {
  auto parsed = parse_config_file(path.c_str());
  if (!parsed)
    return render(parsed.error());
  return validate_dagshard_settings(*parsed);
}

std::string node_config::check_values() {
  // Command-line values went through CAF's typed parser; ranges are checked
  // here for both sources.
  caf::settings s;
  caf::settings sec;
  sec["data-dir"] = data_dir_;
  sec["port"] = port_;
  sec["bind"] = bind_;
  sec["shards"] = shards_;
  sec["list-capacity"] = list_capacity_;
  sec["max-width-bits"] = max_width_bits_;
  sec["level-bits"] = level_bits_;
  sec["no-merge"] = no_merge_;
  sec["max-dir-entries"] = max_dir_entries_;
  sec["sync"] = sync_;
  sec["request-timeout"] = request_timeout_;
  sec["node-id"] = node_id_;
  caf::config_value::list peers;
  for (auto& p : peers_)
    peers.emplace_back(p);
  sec["peers"] = std::move(peers);
  sec["capacity-factor"] = capacity_factor_;
  sec["tls"] = tls_;
  sec["dir-cache-entries"] = dir_cache_entries_;
  s["dagshard"] = std::move(sec);
  if (auto err = validate_dagshard_settings(s); !err.empty())
    return err;
  if (level_bits_ > max_width_bits_)
    return "dagshard.level-bits: must not exceed dagshard.max-width-bits";
  opts_.data_dir = data_dir_;
  opts_.port = static_cast<uint16_t>(port_);
  opts_.bind = bind_;
  opts_.shards = static_cast<uint32_t>(shards_);
  opts_.ns.dag.list_capacity = static_cast<uint32_t>(list_capacity_);
  opts_.ns.dag.max_width_bits = static_cast<uint8_t>(max_width_bits_);
  opts_.ns.dag.level_bits = static_cast<uint8_t>(level_bits_);
  opts_.ns.dag.merge = !no_merge_;
  opts_.ns.max_dir_entries = static_cast<uint64_t>(max_dir_entries_);
  parse_sync_mode(sync_, opts_.sync);
  opts_.request_timeout = request_timeout_;
  opts_.node_id = node_id_;
  opts_.capacity_factor = capacity_factor_;
  opts_.peers.clear();
  for (auto& p : peers_) {
    member m;
    parse_member(p, m); // validated above
    opts_.peers.push_back(std::move(m));
  }
  opts_.tls = tls_;
  opts_.dir_cache_entries = static_cast<size_t>(dir_cache_entries_);
  if (tls_) {
    // Measured: links between nodes over CAF 0.17's OpenSSL transport
    // stall in mutual connects (request timeouts, nodes never all meet).
    if (!peers_.empty())
      return "dagshard.tls: not supported with peers yet (links between "
             "nodes over CAF 0.17's OpenSSL transport stall); TLS protects "
             "the console links of a single node";
    for (auto [name, value] : {std::pair{"certificate", &openssl_certificate},
                               std::pair{"key", &openssl_key},
                               std::pair{"cafile", &openssl_cafile}}) {
      if (value->empty())
        return std::string{"dagshard.tls: needs openssl."} + name +
               " (mutual TLS: certificate, key and cafile)";
      if (::access(value->c_str(), R_OK) != 0)
        return std::string{"openssl."} + name + ": cannot read " + *value;
    }
    // Measured: CAF 0.17's OpenSSL transport drops its links every
    // connection-timeout when middleman heartbeats are on.
    auto hb =
        caf::get_or(*this, "middleman.heartbeat-interval", caf::timespan{0});
    if (hb.count() != 0)
      return "middleman.heartbeat-interval: must be 0s with dagshard.tls "
             "(CAF 0.17's OpenSSL links drop when heartbeats are on)";
    load<caf::openssl::manager>();
  }
  if (!opts_.peers.empty() && opts_.port == 0)
    return "dagshard.port: a cluster node needs a fixed port";
  cluster_map check;
  if (auto err = cluster_map::make({opts_.node_id, opts_.bind, opts_.port},
                                   opts_.peers, opts_.shards, check);
      !err.empty())
    return "dagshard.peers: " + err;
  return {};
}

} // namespace ds
