// The one spelling of a diagnostic: "file:line: field: message".
#include "cmbulk/diagnostics.hpp"

namespace cmbulk {

std::string to_string(const diagnostics& d) {
    std::string out;
    if (!d.file.empty()) out += d.file;
    if (d.line > 0) out += ":" + std::to_string(d.line);
    if (!out.empty()) out += ": ";
    if (!d.field.empty()) out += d.field + ": ";
    return out + d.message;
}

}  // namespace cmbulk
