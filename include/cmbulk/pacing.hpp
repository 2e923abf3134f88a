// The run-wide request pacer: a token bucket at the user's --rate, or, with no --rate, a pace
// found from the server's answers (its 429 rate-limit parameters when it sends them, else
// additive increase / multiplicative decrease), plus a global pause for Retry-After. Pure: every
// call takes `now`; the runner's coroutine shell sleeps for what it answers.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>

#include "cmbulk/limiter.hpp"
#include "cmbulk/request_gate.hpp"

namespace cmbulk {

/// Reads the rate-limit parameters of a RATE_LIMITED_TOKEN_BUCKET error body; nullopt when the
/// body does not carry them in that shape.
std::optional<server_rate_hint> parse_rate_hint(const boost::json::value& body);

/// Parameters of the pacer; zero means "not set".
struct pacing_params {
    double rate = 0;   ///< --rate: requests per second; 0 = find the server's pace
    double burst = 0;  ///< --burst: bucket capacity; 0 = max(1, rate / 10)
    std::chrono::milliseconds default_pause{1000};  ///< pause on a 429 without Retry-After
    double min_rate = 0.5;
    double increase_per_second = 0.05;  ///< additive increase, as a fraction of the cap, per second
    double decrease_factor = 0.5;
    double low_remaining = 1;  ///< RateLimit-Remaining at or below this slows down early
};

/// One response, as the pacer needs it (the gate's feedback; the pacer ignores its scope).
using pacing_feedback = gate_feedback;

class rate_controller {
public:
    rate_controller(pacing_params params, time_point now);

    /// Reserves a slot for one request; answers how long to wait before sending it (zero: now).
    /// Call again after waiting: a pause that began meanwhile makes it answer more waiting.
    duration reserve(time_point now);
    /// Tells the pacer how a request ended.
    void on_response(time_point now, const pacing_feedback& fb);

    /// The server described its bucket (a 429's parameters): pace at its refill rate from now on.
    void apply_hint(time_point now, const server_rate_hint& hint);
    /// Requests per second in force (0: unlimited).
    double current_rate() const;
    /// The pause in force until this moment (Retry-After).
    time_point paused_until() const { return paused_until_; }
    std::uint64_t throttled() const { return throttled_; }

private:
    void set_rate(double rate, double burst, time_point now);
    double observed_rate(time_point now) const;

    pacing_params params_;
    token_bucket bucket_;
    bool limited_;    ///< a bucket is in force (user rate, or found after throttling)
    double ceiling_;  ///< never faster than this (user rate, or server refill rate)
    time_point paused_until_{};
    time_point last_cut_{};
    time_point last_increase_{};
    bool cut_once_ = false;
    std::uint64_t throttled_ = 0;
    // Requests sent in the last two one-second windows, to estimate the pace actually achieved.
    time_point window_start_{};
    double window_count_ = 0;
    double prev_window_count_ = 0;
};

}  // namespace cmbulk
