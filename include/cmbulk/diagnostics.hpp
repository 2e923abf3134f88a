// Where a problem is and what it is: the diagnostics object every error domain (manifest,
// journal, config, transport, api) fills beside its error code. A function that can fail
// returns boost::system::result<T> whose error is a code of its domain's enum (with a category,
// as digest.hpp's parse_errc) and writes the human part here: file, line, field, message. The
// message never holds a secret.
#pragma once

#include <cstdint>
#include <string>

namespace cmbulk {

struct diagnostics {
    std::string file;        ///< the file concerned, or "--set" / an option name; may be empty
    std::uint64_t line = 0;  ///< 1-based line; 0 when the problem has no line
    std::string field;       ///< the column, key or option concerned; may be empty
    std::string message;     ///< what is wrong and, where it helps, how to fix it
    bool empty() const { return message.empty(); }
};

/// "file:line: field: message", leaving out the parts that are empty (the line when 0).
std::string to_string(const diagnostics& d);

}  // namespace cmbulk
