// What dagctl, dagbench and dagpsm share on their command lines: parsing
// with CLI11 and its exit codes, the flags every tool spells the same way,
// the man page and bash completion generated from the same CLI::App as
// --help, human dates, and a progress bar for terminals.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ds::cli {

/// Exit status of a command-line error (unknown flag, bad value, missing
/// argument), as getopt-based tools use it.
constexpr int usage_error = 2;

/// Parses `argv` into `app`. Returns -1 when the tool should go on, else
/// the exit status: 0 after --help (printed to `out`) or --man /
/// --completion, 2 after an error, printed to `err` naming the flag.
int parse(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
          std::ostream& err);
/// The same for arguments without the program name.
int parse(CLI::App& app, std::vector<std::string> args, std::ostream& out,
          std::ostream& err);

/// The flags of a tool that talks to a node.
struct node_flags {
  std::string node; ///< HOST:PORT; default $DAGSHARD_NODE, else 127.0.0.1:4242
  bool json = false;
  std::string tls_cert; ///< with tls_key and tls_ca: mutual TLS
  std::string tls_key;
  std::string tls_ca;
  /// "" or the error of a partial TLS triple.
  std::string check() const;
};

/// Adds --node (and $DAGSHARD_NODE), --json and --tls-cert/--tls-key/--tls-ca.
void add_node_flags(CLI::App& app, node_flags& f);

/// Adds the hidden --man and --completion flags that print the man page
/// and the bash completion script generated from `app`.
void add_doc_flags(CLI::App& app);

/// A troff man page of `app` and its subcommands (section 1).
std::string man_page(const CLI::App& app);
/// A bash completion script for `app`: subcommands and flags per level.
std::string bash_completion(const CLI::App& app);

/// "2026-12-02 10:52:23.494" in local time, from ns since the Unix epoch.
std::string local_time(int64_t ns);

/// A progress bar on stderr while it is a terminal; silent otherwise (pipes,
/// files, --json runs). Redraws at most every 100 ms.
class progress {
public:
  /// `total` = 0: a count without a bar.
  progress(std::string label, uint64_t total, bool enabled = true);
  ~progress();
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  /// Sets the amount done so far (and the total, when not 0).
  void update(uint64_t done, uint64_t total = 0);
  /// Shows `text` instead of a bar or a count: a state that has no
  /// amount (a phase, say). Redrawn as update() is.
  void status(std::string text);
  /// Draws the final state and ends the line.
  void finish();
  bool active() const { return active_; }

private:
  void draw();
  std::string label_;
  std::string status_; ///< when not empty, drawn instead of bar and count
  uint64_t total_;
  uint64_t done_ = 0;
  bool active_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

} // namespace ds::cli
