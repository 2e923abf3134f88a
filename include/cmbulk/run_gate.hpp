// The run-wide request gate: every HTTP request the api layer sends waits here first (pacing by
// the rate_controller, and the Retry-After pause of a 429), and every response feeds it (its
// RateLimit headers, a 429's Retry-After and the bucket its body describes). Its waits end at
// once on the run's hard stop (run_control).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>

#include "cmbulk/pacing.hpp"
#include "cmbulk/request_gate.hpp"
#include "cmbulk/run_control.hpp"

namespace cmbulk {

class run_gate final : public request_gate {
public:
    run_gate(run_control& control, pacing_params params);
    /// Waits for the request's slot (false: the hard stop came first; do not send).
    boost::asio::awaitable<bool> before_request(std::string_view scope) override;
    void after_response(const gate_feedback& fb) override;
    /// HTTP requests let through so far.
    std::uint64_t requests() const { return requests_; }
    /// 429 answers seen so far.
    std::uint64_t throttled() const { return throttled_; }
    /// Requests per second in force (0: not limited yet).
    double current_rate() const;
    /// How long the Retry-After pause in force still lasts (0: none), for the progress line.
    std::chrono::milliseconds pause_left() const;

private:
    run_control& control_;
    rate_controller ctl_;
    std::uint64_t requests_ = 0;
    std::uint64_t throttled_ = 0;
};

}  // namespace cmbulk
