#include "tools/common/cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <sstream>

#include <unistd.h>

namespace ds::cli {

namespace {

// The name of `app` with its parents' names: "dagctl config set".
std::string full_name(const CLI::App& app) {
  auto parent = app.get_parent();
  return parent ? full_name(*parent) + " " + app.get_name() : app.get_name();
}

std::vector<const CLI::App*> visible_subcommands(const CLI::App& app) {
  return app.get_subcommands(
      [](const CLI::App* x) { return !x->get_group().empty(); });
}

std::vector<const CLI::Option*> visible_options(const CLI::App& app) {
  return app.get_options(
      [](const CLI::Option* x) { return !x->get_group().empty(); });
}

// troff escapes: a leading dot or quote, backslashes and hyphens.
std::string roff(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '\\')
      r += "\\e";
    else if (c == '-')
      r += "\\-";
    else
      r += c;
  }
  if (!r.empty() && (r[0] == '.' || r[0] == '\''))
    r = "\\&" + r;
  return r;
}

std::string option_synopsis(const CLI::Option& o) {
  std::string names;
  if (o.get_positional() && !o.nonpositional())
    return "\\fI" + roff(o.get_name()) + "\\fR";
  for (auto& s : o.get_snames())
    names +=
        (names.empty() ? "" : ", ") + std::string{"\\fB\\-"} + roff(s) + "\\fR";
  for (auto& l : o.get_lnames())
    names += (names.empty() ? "" : ", ") + std::string{"\\fB\\-\\-"} + roff(l) +
             "\\fR";
  if (!o.get_type_name().empty())
    names += " \\fI" + roff(o.get_type_name()) + "\\fR";
  return names;
}

void man_section(const CLI::App& app, std::ostringstream& out) {
  auto opts = visible_options(app);
  for (auto o : opts) {
    out << ".TP\n" << option_synopsis(*o) << "\n" << roff(o->get_description());
    if (!o->get_default_str().empty())
      out << " (default: " << roff(o->get_default_str()) << ")";
    if (!o->get_envname().empty())
      out << " (environment: " << roff(o->get_envname()) << ")";
    out << "\n";
  }
  for (auto sub : visible_subcommands(app)) {
    out << ".SS \"" << roff(full_name(*sub)) << "\"\n"
        << roff(sub->get_description()) << "\n";
    man_section(*sub, out);
  }
}

void completion_words(const CLI::App& app, const std::string& path,
                      std::ostringstream& out) {
  std::string words;
  for (auto sub : visible_subcommands(app))
    words += sub->get_name() + " ";
  for (auto o : app.get_options({}))
    for (auto& l : o->get_lnames())
      words += "--" + l + " ";
  out << "    [\"" << path << "\"]=\"" << words << "\"\n";
  for (auto sub : visible_subcommands(app))
    completion_words(*sub, path + " " + sub->get_name(), out);
}

int report(CLI::App& app, const CLI::ParseError& e, std::ostream& out,
           std::ostream& err) {
  if (dynamic_cast<const CLI::CallForHelp*>(&e) ||
      dynamic_cast<const CLI::CallForAllHelp*>(&e)) {
    out << app.help();
    return 0;
  }
  if (e.get_exit_code() == 0)
    return 0; // --man, --completion: already printed
  // CLI11 checks required arguments before it looks for unknown ones: an
  // unknown flag would then be reported as a missing argument.
  auto rest = app.remaining(true);
  if (!rest.empty() && !dynamic_cast<const CLI::ExtrasError*>(&e)) {
    std::string what;
    for (auto& r : rest)
      what += " " + r;
    err << app.get_name() << ": not expected:" << what << "\n";
    return usage_error;
  }
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty())
    at = at->get_subcommands().front();
  err << app.get_name() << ": " << e.what() << "\nRun '" << full_name(*at)
      << " --help' for more information.\n";
  return usage_error;
}

} // namespace

int parse(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
          std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report(app, e, out, err);
  }
  return -1;
}

int parse(CLI::App& app, std::vector<std::string> args, std::ostream& out,
          std::ostream& err) {
  std::reverse(args.begin(), args.end()); // CLI11 pops from the back
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return report(app, e, out, err);
  }
  return -1;
}

std::string node_flags::check() const {
  int given = !tls_cert.empty() + !tls_key.empty() + !tls_ca.empty();
  if (given != 0 && given != 3)
    return "TLS needs all of --tls-cert, --tls-key and --tls-ca";
  return {};
}

void add_node_flags(CLI::App& app, node_flags& f) {
  f.node = "127.0.0.1:4242";
  app.add_option("--node", f.node, "the node to talk to")
      ->type_name("HOST:PORT")
      ->envname("DAGSHARD_NODE")
      ->capture_default_str();
  app.add_flag("--json", f.json, "machine-readable output (numbers as stored)");
  auto tls = "mutual TLS with a node that runs with dagshard.tls: ";
  app.add_option("--tls-cert", f.tls_cert, std::string{tls} + "certificate")
      ->type_name("FILE");
  app.add_option("--tls-key", f.tls_key, std::string{tls} + "private key")
      ->type_name("FILE");
  app.add_option("--tls-ca", f.tls_ca, std::string{tls} + "CA certificate")
      ->type_name("FILE");
}

void add_doc_flags(CLI::App& app) {
  app.add_flag_callback(
         "--man",
         [&app] {
           std::cout << man_page(app);
           throw CLI::Success();
         },
         "print the man page")
      ->group("");
  app.add_flag_callback(
         "--completion",
         [&app] {
           std::cout << bash_completion(app);
           throw CLI::Success();
         },
         "print the bash completion script")
      ->group("");
}

std::string man_page(const CLI::App& app) {
  std::ostringstream out;
  std::string upper;
  for (char c : app.get_name())
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out << ".TH " << upper << " 1 \"\" \"dagshard\" \"dagshard manual\"\n"
      << ".SH NAME\n"
      << roff(app.get_name()) << " \\- " << roff(app.get_description()) << "\n"
      << ".SH SYNOPSIS\n\\fB" << roff(app.get_name()) << "\\fR [OPTIONS]"
      << (visible_subcommands(app).empty() ? "" : " COMMAND [ARGS]") << "\n"
      << ".SH OPTIONS AND COMMANDS\n"
      << "Every command and subcommand answers \\fB\\-\\-help\\fR. A "
         "command-line error exits with status 2 and names the flag.\n";
  man_section(app, out);
  if (!app.get_footer().empty())
    out << ".SH NOTES\n" << roff(app.get_footer()) << "\n";
  return out.str();
}

std::string bash_completion(const CLI::App& app) {
  std::ostringstream out;
  auto fn = "_" + app.get_name();
  out << "# bash completion for " << app.get_name() << " (generated by "
      << app.get_name() << " --completion)\n"
      << fn << "() {\n  local -A words=(\n";
  completion_words(app, ".", out);
  out << "  )\n"
         "  local path=. i w\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=${COMP_WORDS[i]}\n"
         "    [[ -n ${words[\"$path $w\"]+x} ]] && path=\"$path $w\"\n"
         "  done\n"
         "  COMPREPLY=($(compgen -W \"${words[$path]}\" -- "
         "\"${COMP_WORDS[COMP_CWORD]}\"))\n"
         "}\n"
      << "complete -o default -F " << fn << " " << app.get_name() << "\n";
  return out.str();
}

std::string local_time(int64_t ns) {
  auto secs = ns / 1'000'000'000;
  auto rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(rem / 1'000'000));
  return std::string{buf} + ms;
}

progress::progress(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total),
      active_(enabled && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

progress::~progress() {
  finish();
}

void progress::update(uint64_t done, uint64_t total) {
  done_ = done;
  if (total != 0)
    total_ = total;
  if (!active_)
    return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100))
    return;
  last_draw_ = now;
  draw();
}

void progress::status(std::string text) {
  status_ = std::move(text);
  update(done_);
}

void progress::finish() {
  if (!active_ || finished_)
    return;
  finished_ = true;
  draw();
  std::fputc('\n', stderr);
}

void progress::draw() {
  constexpr int width = 30;
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  std::string line = "\r" + label_ + " ";
  if (!status_.empty()) {
    line += status_;
  } else if (total_ > 0) {
    auto frac = std::min(1.0, static_cast<double>(done_) / total_);
    auto filled = static_cast<int>(frac * width);
    line += "[" + std::string(filled, '#') + std::string(width - filled, '.') +
            "] " + std::to_string(static_cast<int>(frac * 100)) + "% ";
    line += std::to_string(done_) + "/" + std::to_string(total_);
  } else {
    line += std::to_string(done_);
  }
  char tail[32];
  std::snprintf(tail, sizeof tail, " %.1f s", secs);
  line += tail;
  line += "\033[K"; // clears what a longer line before left
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

} // namespace ds::cli
