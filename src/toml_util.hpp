// toml++ behind one function for the modules that read TOML (profiles, the credentials file):
// a parse error becomes a diagnostics value (file, line, message) instead of an exception.
// Private to src/: public headers never include toml++.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string_view>

#include "cmbulk/diagnostics.hpp"

namespace cmbulk::detail {

/// Parses TOML text; nullopt (with diag = {file, line, "", description}) on a syntax error.
std::optional<toml::table> parse_toml(std::string_view text, std::string_view file_name,
                                      diagnostics& diag);

/// The 1-based line where a node starts (0 when toml++ does not know).
inline std::uint64_t line_of(const toml::node& n) { return n.source().begin.line; }

}  // namespace cmbulk::detail
