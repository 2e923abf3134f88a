// The tool's version string, for --version, the journal header and the User-Agent.
#pragma once
#include <string_view>
namespace cmbulk {
/// "0.1.0" (from the CMake project version).
std::string_view version();
/// "cmbulk/0.1.0", sent as User-Agent.
std::string_view user_agent();
}  // namespace cmbulk
