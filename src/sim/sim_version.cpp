// The simulator's version banner (the same version as cmbulk).
#include "cmbulk/version.hpp"
#include <string>
namespace cmbulk::sim {
std::string banner() { return "cmbulk-sim " + std::string(cmbulk::version()); }
}  // namespace cmbulk::sim
