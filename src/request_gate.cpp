// The gate that lets every request through (tests, one-off tools).
#include "cmbulk/request_gate.hpp"

namespace cmbulk {

boost::asio::awaitable<bool> open_gate::before_request(std::string_view) { co_return true; }

}  // namespace cmbulk
