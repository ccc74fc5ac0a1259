#include "model/namespace/types.hpp"

namespace ds {

const char* to_string(entry_kind k) {
  switch (k) {
  case entry_kind::file:
    return "file";
  case entry_kind::dir:
    return "dir";
  case entry_kind::symlink:
    return "symlink";
  }
  return "unknown";
}

} // namespace ds
