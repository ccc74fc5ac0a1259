#include "actors/node_config.hpp"

#include "actors/guard/tls.hpp"
#include "actors/node_option_table.hpp"

#include <array>
#include <cstring>
#include <type_traits>
#include <variant>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "messages/ns.hpp"

namespace ds {

namespace {

/// CAF 0.17's string_view converts from `const char*` only when CAF was
/// built by GCC; with clang (the fuzzing build) it takes arrays only.
caf::string_view view(const char* s) {
  return {s, std::strlen(s)};
}

std::string range_error(const option_def& r, const std::string& got) {
  auto type = kind_of(r);
  std::string unit = type == kind::duration ? " ms" : "";
  std::string what = type == kind::string ? " bytes long" : "";
  return "dagshard." + std::string{r.key} + ": must be " + type_text(type) +
         (type == kind::boolean || type == kind::string_list
              ? ""
              : " in " + std::to_string(r.min) + ".." + std::to_string(r.max) +
                    unit + what) +
         " (got " + got + ")";
}

std::string check_type_and_range(const option_def& r,
                                 const caf::config_value& v) {
  auto got = caf::to_string(v);
  switch (kind_of(r)) {
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
    if (!xs || static_cast<int64_t>(xs->size()) > r.max)
      return range_error(r, got);
    for (auto& x : *xs)
      if (!caf::holds_alternative<std::string>(x))
        return range_error(r, got);
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

std::string check_value(const option_def& r, const caf::config_value& v) {
  if (auto err = check_type_and_range(r, v); !err.empty())
    return err;
  return r.check ? r.check(v) : std::string{};
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
  auto i = file.find(view(name));
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
    const option_def* r = nullptr;
    for (auto& x : option_table())
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
  caf::config_option_adder group{custom_options_, "dagshard"};
  for (auto& d : option_table())
    std::visit(
        [&](auto member) {
          group.add(raw_.*member, view(d.key), view(d.help));
        },
        d.member);
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
  // here for both sources, by the same rules as the file's values.
  caf::settings sec;
  for (auto& d : option_table())
    std::visit(
        [&](auto member) {
          using T = std::decay_t<decltype(raw_.*member)>;
          if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            caf::config_value::list xs;
            for (auto& x : raw_.*member)
              xs.emplace_back(x);
            sec[view(d.key)] = std::move(xs);
          } else {
            sec[view(d.key)] = raw_.*member;
          }
        },
        d.member);
  caf::settings s;
  s["dagshard"] = std::move(sec);
  if (auto err = validate_dagshard_settings(s); !err.empty())
    return err;
  if (raw_.level_bits > raw_.max_width_bits)
    return "dagshard.level-bits: must not exceed dagshard.max-width-bits";
  for (auto& d : option_table())
    d.copy(raw_, opts_);
  if (opts_.tls) {
    if (auto err = check_tls(); !err.empty())
      return err;
  } else if (!opts_.plaintext_ok && !is_loopback_address(opts_.bind)) {
    return "dagshard.bind: " + opts_.bind +
           " is not a loopback address, and plaintext there lets anyone "
           "who reaches the port use the node: set dagshard.tls (with "
           "[openssl]), or dagshard.plaintext-ok=true to accept that";
  }
  if (!opts_.peers.empty() && opts_.port == 0)
    return "dagshard.port: a cluster node needs a fixed port";
  cluster_map check;
  if (opts_.replicas > opts_.peers.size() + 1)
    return "dagshard.replicas: " + std::to_string(opts_.replicas) +
           " replicas need as many members; the cluster has " +
           std::to_string(opts_.peers.size() + 1);
  if (auto err =
          cluster_map::make({opts_.node_id, opts_.bind, opts_.port},
                            opts_.peers, opts_.shards, check, opts_.replicas);
      !err.empty())
    return "dagshard.peers: " + err;
  return {};
}

bool is_loopback_address(const std::string& addr) {
  if (addr == "localhost")
    return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, addr.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, addr.c_str(), &v6) == 1 &&
         IN6_IS_ADDR_LOOPBACK(&v6);
}

std::string node_config::check_tls() {
  for (auto [name, value] :
       {std::pair{"certificate", &openssl_certificate},
        std::pair{"key", &openssl_key}, std::pair{"cafile", &openssl_cafile}}) {
    if (value->empty())
      return std::string{"dagshard.tls: needs openssl."} + name +
             " (mutual TLS: certificate, key and cafile)";
    if (::access(value->c_str(), R_OK) != 0)
      return std::string{"openssl."} + name + ": cannot read " + *value;
  }
  // The node's own TLS (actors/guard/tls.*), not CAF's OpenSSL module:
  // load the files now, so that a bad one stops the node here.
  std::string err;
  auto ctx = guard::tls_context::make(openssl_certificate, openssl_key,
                                      openssl_cafile, err);
  if (!ctx)
    return err;
  auto& own = ctx->own();
  if (!opts_.peers.empty() && own.id != opts_.node_id)
    return "openssl.certificate: " + openssl_certificate + " (" + own.subject +
           ") " +
           (own.member ? "names member '" + own.id + "'"
                       : std::string{"names no member"}) +
           ", but this node is '" + opts_.node_id +
           "'; a cluster member's "
           "certificate carries the URI " +
           guard::member_uri_prefix + opts_.node_id +
           " (tools/make-certs DIR " + opts_.node_id + ")";
  return {};
}

} // namespace ds
