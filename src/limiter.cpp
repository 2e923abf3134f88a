// The token bucket; see limiter.hpp.
#include "cmbulk/limiter.hpp"

#include <algorithm>

namespace cmbulk {
namespace {
double seconds(duration d) { return std::chrono::duration<double>(d).count(); }
duration from_seconds(double s) {
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(s));
}
}  // namespace

token_bucket::token_bucket(double rate_per_second, double capacity, time_point now)
    : rate_(rate_per_second), capacity_(std::max(capacity, 1.0)), tokens_(capacity_), last_(now) {}

void token_bucket::refill(time_point now) {
    if (now <= last_) return;  // a block_until in the future, or a clock that did not move
    if (rate_ <= 0) {
        // Unlimited: nothing was taken, nothing to add (a negative rate must not drain tokens).
        last_ = now;
        return;
    }
    tokens_ = std::min(capacity_, tokens_ + seconds(now - last_) * rate_);
    last_ = now;
}

bool token_bucket::try_take(time_point now, double n) {
    if (unlimited()) return true;
    refill(now);
    if (now < last_ || tokens_ < n) return false;
    tokens_ -= n;
    return true;
}

duration token_bucket::time_until(time_point now, double n) {
    if (unlimited()) return duration::zero();
    refill(now);
    duration blocked = last_ > now ? last_ - now : duration::zero();
    double missing = n - tokens_;
    if (missing <= 0) return blocked;
    return blocked + from_seconds(missing / rate_);
}

duration token_bucket::reserve(time_point now, double n) {
    if (unlimited()) return duration::zero();
    duration wait = time_until(now, n);
    refill(now);
    tokens_ -= n;
    return wait;
}

double token_bucket::available(time_point now) {
    if (unlimited()) return capacity_;
    refill(now);
    return tokens_;
}

void token_bucket::set_rate(double rate_per_second, double capacity, time_point now) {
    refill(now);
    rate_ = rate_per_second;
    capacity_ = std::max(capacity, 1.0);
    tokens_ = std::min(tokens_, capacity_);
}

void token_bucket::block_until(time_point until) {
    if (unlimited()) return;
    // No tokens now, and the refill clock starts at `until`.
    if (until > last_) {
        tokens_ = std::min(tokens_, 0.0);
        last_ = until;
    }
}

}  // namespace cmbulk
