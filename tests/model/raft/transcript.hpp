// Transcript tests of the Raft core, in the manner of etcd/raft's testdata:
// a file lists commands, each followed by the output it must give, run on
// one simulated group (sim::cluster) whose messages wait until a command
// delivers or drops them. The file format:
//
//   # a comment (kept when the file is rewritten)
//   propose 1 x
//   ----
//   proposed: index=2 term=1
//   1: persist 2@1:x
//   <a blank line ends the output>
//
// Commands (node ids are 1..n; SEL is FROM->TO with * for any node,
// optionally followed by a message type):
//   add-nodes N [seed=S election=E heartbeat=H pre-vote=B check-quorum=B]
//                          a group of N voters (once per file)
//   campaign ID            ID starts an election now
//   tick IDS [COUNT]       ticks the nodes (1,2 or all) COUNT times
//   deliver [SEL]          delivers the held messages SEL picks (all)
//   drop [SEL]             loses the held messages SEL picks (all)
//   stabilize              delivers until no message is held
//   isolate ID / heal      cuts every link of ID / restores every link
//   crash ID [before-sync|after-sync]
//                          ID loses its memory now, or at its next ready
//                          (what that ready had not synced is lost)
//   restart ID             ID restarts from its disk
//   propose ID DATA        ID appends DATA if it leads
//   read ID CTX            ID asks for a ReadIndex read named CTX
//   status [IDS]           role, term, vote, leader, commit, applied, log
// Every ready a node handles is shown as lines "ID: hard ...", "ID: persist
// [entries]", "ID: apply [entries]", "ID: read-state ...", "ID: send ...";
// an entry is INDEX@TERM[:DATA]. A delivered or dropped message is a line
// "FROM->TO type term=... ". A bad command answers "error: ..." and changes
// nothing.
#pragma once

#include "tests/model/raft/sim.hpp"

#include <cstddef>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace ds::raft::transcript {

/// One command of a file and the output expected from it.
struct block {
  std::string before;   ///< comment and blank lines above, verbatim
  std::string command;  ///< the command line
  std::size_t line = 0; ///< its line number in the file (from 1)
  std::string expected; ///< the lines after "----" up to a blank line
};

struct file {
  std::vector<block> blocks;
  std::string tail; ///< comment and blank lines after the last block
};

/// Parses a transcript; throws std::invalid_argument (naming the line) for
/// a command without its "----" line.
file parse(const std::string& text);
/// The text of `f` with `outputs[i]` as the output of block i: what the
/// rewrite mode writes back.
std::string render(const file& f, const std::vector<std::string>& outputs);

/// Runs the commands of one transcript on one simulated group.
class interpreter {
public:
  /// Runs one command line; returns its output, lines ending in '\n'
  /// ("ok" if there is nothing to say).
  std::string run(const std::string& line);

  using args_t = std::vector<std::string>;

private:
  // One member per command (see the list above); dispatch() checks the
  // number of arguments first.
  void add_nodes(const args_t& a);
  void campaign(const args_t& a);
  void tick(const args_t& a);
  void deliver(const args_t& a);
  void drop(const args_t& a);
  void stabilize(const args_t& a);
  void isolate(const args_t& a);
  void heal(const args_t& a);
  void crash(const args_t& a);
  void restart(const args_t& a);
  void propose(const args_t& a);
  void read(const args_t& a);
  void status(const args_t& a);

  void dispatch(const args_t& a);
  void move_held(const args_t& a, bool deliver);
  void status_of(node_id a);
  void print_ready(node_id a, const ready& rd);
  void report_changes();
  node_id parse_node(const std::string& s) const;
  /// A node id of a node that is not crashed.
  node_id running(const std::string& s) const;
  std::vector<node_id> parse_nodes(const std::string& s) const;
  sim::cluster& group();

  std::unique_ptr<sim::cluster> group_;
  std::ostringstream out_;
  std::vector<bool> alive_;                         ///< as last reported
  std::set<std::pair<node_id, std::string>> reads_; ///< asked for
  std::set<std::pair<node_id, std::string>> served_;
  bool violation_reported_ = false;
};

} // namespace ds::raft::transcript
