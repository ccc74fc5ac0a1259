// Transcript tests in the manner of etcd/raft's testdata: a text file of
// commands, each followed by the output it must produce.
//
//   # a comment
//   command arg key=value
//   ----
//   expected output, one or more lines
//   (a blank line ends the case)
//
// Outputs are compared as text. With DAGSHARD_REWRITE=1 in the environment
// the file is written back with the outputs produced instead, so a change
// of behaviour shows as a diff of the file under version control.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ds::datadriven {

/// One command of a transcript.
struct test_case {
  std::string pos;               ///< file:line, for messages
  std::string cmd;               ///< the first word
  std::vector<std::string> args; ///< the other words
  std::string input;             ///< the command line as written
  std::string expected;          ///< without the final newline
};

/// The value of `key=value` among `args`, or `fallback`.
std::string arg(const test_case& c, const std::string& key,
                const std::string& fallback = "");

/// One mismatch between a case's output and its expectation.
struct mismatch {
  std::string pos;
  std::string input;
  std::string expected;
  std::string actual;
};

/// Runs every case of `file` through `run` (which returns the output) in
/// order, and returns the mismatches. Rewrites the file instead when
/// DAGSHARD_REWRITE=1. Throws std::runtime_error if the file cannot be
/// read or is malformed.
std::vector<mismatch>
run_file(const std::string& file,
         const std::function<std::string(const test_case&)>& run);

} // namespace ds::datadriven
