// Request pacing: a token bucket and an adaptive pacer (additive increase, multiplicative
// decrease) on an injected clock. Pure: every call takes `now`, so tests drive a fake clock and
// the simulator and the client share the same bucket.
#pragma once

#include <chrono>

namespace cmbulk {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using duration = clock_type::duration;

/// A token bucket: holds at most `capacity` tokens, refilled continuously at `rate` per second.
class token_bucket {
public:
    /// Starts full. A rate of 0 or less means "unlimited" (every take succeeds).
    token_bucket(double rate_per_second, double capacity, time_point now);

    /// Takes `n` tokens if that many are available now; returns whether it did.
    bool try_take(time_point now, double n = 1.0);
    /// How long until `n` tokens will be available (zero if they are now).
    duration time_until(time_point now, double n = 1.0);
    /// Takes `n` tokens even if that leaves the bucket in debt, and returns how long the caller
    /// must wait before its request may go (zero if tokens were there). Used by the client to
    /// reserve a slot for each request in arrival order.
    duration reserve(time_point now, double n = 1.0);
    /// Tokens available now (negative while in debt).
    double available(time_point now);
    /// Changes the rate (and capacity) from now on; tokens already there are kept, capped.
    void set_rate(double rate_per_second, double capacity, time_point now);
    /// Empties the bucket until `until` (a server's Retry-After): no token before then.
    void block_until(time_point until);

    double rate() const { return rate_; }
    double capacity() const { return capacity_; }
    bool unlimited() const { return rate_ <= 0; }

private:
    void refill(time_point now);
    double rate_;
    double capacity_;
    double tokens_;
    time_point last_;
};

/// Parameters of the adaptive pacer. Every field has a default; see docs/operations.md.
struct pacer_params {
    double initial_rate = 20.0;      ///< requests per second to start with when no --rate is given
    double min_rate = 0.5;           ///< never slower than this
    double max_rate = 1000.0;        ///< never faster than this
    double increase_per_second = 2;  ///< additive increase, per second of 429-free running
    double decrease_factor = 0.5;    ///< multiplicative decrease on a 429
    double low_remaining = 2;        ///< RateLimit-Remaining at or below this slows down early
};

/// Adaptive pacing (AIMD): finds the server's pace when the user gave no --rate. The caller
/// reports each response; the pacer answers the rate to use next.
class adaptive_pacer {
public:
    adaptive_pacer(pacer_params params, time_point now);
    /// A request succeeded (not a 429). `remaining` is RateLimit-Remaining if the server sent it
    /// (negative when absent), `limit` is RateLimit-Limit (negative when absent).
    void on_success(time_point now, double remaining = -1, double limit = -1);
    /// The server answered 429: cut the rate (at most once per `cooldown`, so a burst of 429s
    /// from requests already in flight cuts once).
    void on_throttled(time_point now);
    double rate() const { return rate_; }

private:
    pacer_params params_;
    double rate_;
    time_point last_increase_;
    time_point last_decrease_;
    time_point last_eased_;
    bool decreased_once_ = false;
    bool eased_once_ = false;
};

}  // namespace cmbulk
