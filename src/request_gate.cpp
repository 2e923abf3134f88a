// The gate that lets every request through (tests, one-off tools).
#include "cmbulk/request_gate.hpp"

namespace cmbulk {

boost::asio::awaitable<void> open_gate::before_request() { co_return; }

}  // namespace cmbulk
