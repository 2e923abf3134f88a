// The run-wide request gate: every HTTP request the api layer sends waits here first, and every
// response feeds it. It paces per scope key (scope_pacer.hpp): a project's 429 or low
// RateLimit-Remaining defers that project's next requests only, feedback on a user, org or IP
// limit paces everything sent with that credential, and a limit table read from
// GET /api/atlas/v2/rateLimits is kept from the first request. The engine asks
// project_ready_at before a project's request and parks the item meanwhile. Token requests are
// paced by their provider, not here. Its waits end at once on the run's hard stop (run_control).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "cmbulk/learned_limits.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/request_gate.hpp"
#include "cmbulk/run_control.hpp"
#include "cmbulk/scope_pacer.hpp"

namespace cmbulk {

class run_gate final : public request_gate {
public:
    run_gate(run_control& control, pacing_params params);
    /// Waits for the request's slot (false: the hard stop came first; do not send).
    boost::asio::awaitable<bool> before_request(std::string_view scope) override;
    boost::asio::awaitable<bool> before_send(gate_request r) override;
    void after_response(const gate_feedback& fb) override;
    /// The answer of GET /api/atlas/v2/rateLimits: its limits are paced from now on. False when
    /// it describes none.
    bool learn(const boost::json::value& rate_limits);
    /// When the next request for `project` may go (now when nothing defers it): the engine
    /// parks an item whose project is not ready and takes another.
    time_point project_ready_at(std::string_view project, time_point now) const;
    /// HTTP requests let through so far.
    std::uint64_t requests() const { return requests_; }
    /// 429 answers seen so far (of the API; the token endpoint's are its provider's).
    std::uint64_t throttled() const { return throttled_; }
    /// Of them, those that concerned one project only.
    std::uint64_t project_throttled() const { return pacer_.project_throttles(); }
    /// Requests per second in force, summed over the credentials (0: not limited yet).
    double current_rate() const;
    /// How long the Retry-After pause in force still lasts (0: none), for the progress line.
    std::chrono::milliseconds pause_left() const;
    /// The service's limits as far as rateLimits or the 429s described them (an emitted seed's).
    const limit_learning& learned_limits() const { return learned_; }

private:
    run_control& control_;
    scope_pacer pacer_;
    limit_learning learned_;
    /// The credential each deferred project was last answered for (project_ready_at's key).
    std::map<std::string, std::string, std::less<>> deferred_;
    std::uint64_t requests_ = 0;
    std::uint64_t throttled_ = 0;
};

}  // namespace cmbulk
