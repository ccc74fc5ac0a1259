// dagshardd's --help text and man page, from the option table.
#include "actors/node_option_table.hpp"

namespace ds {

namespace {

// One line of an option's value: its type and range.
std::string value_text(const option_def& d) {
  auto type = kind_of(d);
  std::string t = type_text(type);
  if (type == kind::integer || type == kind::duration)
    t += " in " + std::to_string(d.min) + ".." + std::to_string(d.max) +
         (type == kind::duration ? " ms" : "");
  return t;
}

const char* const usage_intro =
    "dagshardd runs one dagshard node. With no --config-file it runs the "
    "embedded default (loopback, port 4242, data in ./dagshard-data). Every "
    "[dagshard] option may be set in the file or as --dagshard.KEY=VALUE; a "
    "bad value stops the node with a message naming the key (exit status "
    "2). SIGINT or SIGTERM stop it cleanly.";

} // namespace

std::string node_help() {
  std::string out = std::string{usage_intro} +
                    "\n\nUsage: dagshardd [--config-file=FILE] "
                    "[--dagshard.KEY=VALUE ...]\n\n[dagshard] options:\n";
  for (auto& d : option_table())
    out += "  --dagshard." + std::string{d.key} + "\n      " + d.help + " (" +
           value_text(d) + ")\n";
  return out + "\nCAF's sections [scheduler], [middleman] and [openssl] are "
               "read too (see configs/).\n";
}

std::string node_man_page() {
  auto esc = [](std::string s) {
    std::string r;
    for (char c : s)
      r += c == '-'    ? std::string{"\\-"}
           : c == '\\' ? "\\e"
                       : std::string(1, c);
    return r;
  };
  std::string out =
      ".TH DAGSHARDD 1 \"\" \"dagshard\" \"dagshard manual\"\n"
      ".SH NAME\ndagshardd \\- a dagshard node\n"
      ".SH SYNOPSIS\n\\fBdagshardd\\fR [\\fB\\-\\-config\\-file\\fR="
      "\\fIFILE\\fR] [\\fB\\-\\-dagshard.\\fR\\fIKEY\\fR=\\fIVALUE\\fR ...]\n"
      ".SH DESCRIPTION\n" +
      esc(usage_intro) + "\n.SH OPTIONS\n";
  for (auto& d : option_table())
    out += ".TP\n\\fB" + esc(std::string{"dagshard."} + d.key) + "\\fR\n" +
           esc(d.help) + " (" + esc(value_text(d)) + ")\n";
  out += ".SH FILES\n/etc/dagshard/dagshard.ini, /var/lib/dagshard\n"
         ".SH SEE ALSO\ndagctl(1), dagbench(1), dagpsm(1)\n";
  return out;
}

} // namespace ds
