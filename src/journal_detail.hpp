// Internals shared by the journal's writer (journal.cpp) and its replay (journal_replay.cpp).
#pragma once

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "cmbulk/journal.hpp"

namespace cmbulk::detail {

/// At most the last four characters.
inline std::string_view clip_last4(std::string_view s) {
    return s.size() > 4 ? s.substr(s.size() - 4) : s;
}

/// Fills `diag` (file, line, message) and returns the code: the journal's errors as values.
boost::system::error_code journal_error(diagnostics& diag, journal_errc e,
                                        const std::filesystem::path& path, std::uint64_t line,
                                        std::string message);

}  // namespace cmbulk::detail
