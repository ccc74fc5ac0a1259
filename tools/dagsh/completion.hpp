// Tab completion of the interactive mode: global names and fields of
// tables outside strings, namespace paths inside a string (the parent's
// entries are read from the node).
#pragma once

#include <string>
#include <vector>

#include "tools/dagsh/shell.hpp"

namespace ds::dagsh {

/// Makes readline complete through `sh` (which must outlive readline's use).
void install_completion(shell& sh);

/// Whether position `pos` of `line` lies inside a string literal.
bool inside_string(const std::string& line, size_t pos);

/// Completions of `text` (e.g. "ns.cr", "pri") among the keys of tables
/// reachable from the globals, without running any code.
std::vector<std::string> name_completions(lua_State* L,
                                          const std::string& text);

/// Completions of a path prefix ("/docs/re"): the parent's entries that
/// start with the last component, directories with a trailing '/'.
std::vector<std::string> path_completions(client& cl, const std::string& text);

} // namespace ds::dagsh
