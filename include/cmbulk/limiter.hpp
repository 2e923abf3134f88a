// Request pacing: a token bucket on an injected clock. Pure: every call takes `now`, so tests
// drive a fake clock and the simulator and the client share the same bucket (the run-wide pacer
// that uses it is pacing.hpp).
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

}  // namespace cmbulk
