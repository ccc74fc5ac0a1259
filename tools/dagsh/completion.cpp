#include "tools/dagsh/completion.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <readline/readline.h>

namespace ds::dagsh {

namespace {

shell* current = nullptr;
std::vector<std::string> matches;

/// Where a word ends for readline: outside strings Lua's operators and
/// brackets ('.' and ':' stay, for "ns.create"), inside only the quotes.
char* word_breaks() {
  static char in_code[] = " \t\n\"'()[]{},;=+-*/<>~^%#&|";
  static char in_text[] = "\"'";
  return inside_string(rl_line_buffer, static_cast<size_t>(rl_point)) ? in_text
                                                                      : in_code;
}

char* next_match(const char*, int state) {
  static size_t i = 0;
  if (state == 0)
    i = 0;
  return i < matches.size() ? strdup(matches[i++].c_str()) : nullptr;
}

char** complete(const char* text, int start, int) {
  rl_attempted_completion_over = 1; // never fall back to file names
  rl_completion_suppress_append = 1;
  if (inside_string(rl_line_buffer, static_cast<size_t>(start))) {
    matches = path_completions(*client_of(current->lua()), text);
    // Close the string after a file, not after a directory: its entries
    // may follow.
    rl_completion_suppress_quote =
        matches.size() != 1 || matches[0].back() == '/';
  } else {
    matches = name_completions(current->lua(), text);
  }
  return rl_completion_matches(text, next_match);
}

} // namespace

void install_completion(shell& sh) {
  current = &sh;
  rl_attempted_completion_function = complete;
  rl_completion_word_break_hook = word_breaks;
}

bool inside_string(const std::string& line, size_t pos) {
  char quote = 0;
  for (size_t i = 0; i < pos && i < line.size(); ++i) {
    char c = line[i];
    if (quote && c == '\\')
      ++i;
    else if (quote && c == quote)
      quote = 0;
    else if (!quote && (c == '"' || c == '\''))
      quote = c;
  }
  return quote != 0;
}

std::vector<std::string> name_completions(lua_State* L,
                                          const std::string& text) {
  auto cut = text.find_last_of(".:");
  auto base = cut == std::string::npos ? "" : text.substr(0, cut + 1);
  auto prefix = cut == std::string::npos ? text : text.substr(cut + 1);
  std::vector<std::string> out;
  auto top = lua_gettop(L);
  lua_pushglobaltable(L);
  // Follow "a.b." through plain tables only: no metamethod runs.
  size_t from = 0;
  while (from < base.size()) {
    auto dot = base.find_first_of(".:", from);
    lua_pushlstring(L, base.data() + from, dot - from);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (!lua_istable(L, -1)) {
      lua_settop(L, top);
      return out;
    }
    from = dot + 1;
  }
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      continue;
    std::string key = lua_tostring(L, -1);
    if (key.compare(0, prefix.size(), prefix) == 0)
      out.push_back(base + key);
  }
  lua_settop(L, top);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> path_completions(client& cl, const std::string& text) {
  std::vector<std::string> out;
  if (text.empty() || text[0] != '/')
    return out;
  auto slash = text.rfind('/');
  auto parent = slash == 0 ? std::string{"/"} : text.substr(0, slash);
  auto prefix = text.substr(slash + 1);
  auto listing = cl.list(parent);
  if (listing.code != errc::ok)
    return out;
  for (auto& e : listing.entries)
    if (e.name.compare(0, prefix.size(), prefix) == 0)
      out.push_back(text.substr(0, slash + 1) + e.name +
                    (e.a.kind == entry_kind::dir ? "/" : ""));
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace ds::dagsh
