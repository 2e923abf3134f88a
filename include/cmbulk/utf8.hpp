// Text encodings the readers meet: strict UTF-8 validation, and the test for text that is not
// UTF-8 but reads as Windows-1252 (what Excel saves as "CSV" in Western locales). Pure leaf.
#pragma once

#include <string_view>

namespace cmbulk {

/// Validates a UTF-8 byte sequence (no overlongs, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Whether `s` holds a byte >= 0x80 and every such byte is a character of Windows-1252 (all but
/// 0x81, 0x8D, 0x8F, 0x90 and 0x9D): text that is not ASCII and would decode as Windows-1252.
/// Meant for text already found not to be UTF-8.
bool decodes_as_windows_1252(std::string_view s);

}  // namespace cmbulk
