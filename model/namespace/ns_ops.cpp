#include "model/namespace/ns_ops.hpp"

#include "model/enum_names.hpp"

namespace ds {

namespace {
constexpr enum_names<ns_op, 11> ns_op_names{
    {"lookup", "create", "mkdir", "unlink", "readdir", "rmdir_prepare",
     "rmdir_unlink", "rmdir_commit", "rmdir_abort", "split", "locate"}};
} // namespace

const char* to_string(ns_op x) {
  return ns_op_names(x);
}

} // namespace ds
