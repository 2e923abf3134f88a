// Version strings, set by the build.
#include "cmbulk/version.hpp"
namespace cmbulk {
std::string_view version() { return CMBULK_VERSION; }
std::string_view user_agent() { return "cmbulk/" CMBULK_VERSION; }
}  // namespace cmbulk
