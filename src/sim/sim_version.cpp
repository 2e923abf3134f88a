// The simulator's version banner (the same version as cmbulk, from the CMake project version;
// CMBULK_VERSION comes from cmbulk_leaves so the simulator need not link the client library).
#include "cmbulk/sim/simulator.hpp"

namespace cmbulk::sim {
std::string banner() { return std::string("cmbulk-sim ") + CMBULK_VERSION; }
}  // namespace cmbulk::sim
