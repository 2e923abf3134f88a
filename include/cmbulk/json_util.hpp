// Small Boost.JSON helpers shared by client and simulator: pretty printing (Boost 1.81 has none)
// and typed field access that answers "absent" instead of throwing.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace cmbulk::json_util {

/// Serializes with two-space indentation and newlines (the API's `pretty=true`).
std::string serialize_pretty(const boost::json::value& v);

/// The string at obj[key], or nullopt if absent or not a string.
std::optional<std::string_view> get_string(const boost::json::object& obj, std::string_view key);
/// The integer at obj[key], or nullopt if absent or not an integer.
std::optional<std::int64_t> get_int(const boost::json::object& obj, std::string_view key);

/// Whether `text` is one JSON text that boost::json::parse (default options) accepts, checked
/// without building the value: no allocation, for bodies nobody reads.
bool is_json(std::string_view text);

}  // namespace cmbulk::json_util
