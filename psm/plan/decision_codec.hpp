// The byte encoding (msgpack) of a planning's decisions, as the metadata
// store keeps them (psm_record) and dagctl reads them back. Decoding throws
// std::invalid_argument on malformed input and never returns half a list.
#pragma once

#include <string>
#include <vector>

#include "psm/plan/plan_types.hpp"

namespace ds::plan {

std::string encode_decisions(const std::vector<decision>& ds);
/// Throws std::invalid_argument.
std::vector<decision> decode_decisions(const std::string& bytes);

} // namespace ds::plan
