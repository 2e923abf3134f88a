// Small Boost.JSON helpers shared by client and simulator: pretty printing (Boost 1.81 has none)
// and a grammar check that builds no value.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace cmbulk::json_util {

/// Serializes with two-space indentation and newlines (the API's `pretty=true`).
std::string serialize_pretty(const boost::json::value& v);

/// Whether `text` is one JSON text that boost::json::parse (default options) accepts, checked
/// without building the value: no allocation, for bodies nobody reads.
bool is_json(std::string_view text);

}  // namespace cmbulk::json_util
