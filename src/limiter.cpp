// Token bucket and AIMD pacer; see limiter.hpp.
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

adaptive_pacer::adaptive_pacer(pacer_params params, time_point now)
    : params_(params),
      rate_(std::clamp(params.initial_rate, params.min_rate,
                       std::max(params.min_rate, params.max_rate))),
      last_increase_(now),
      last_decrease_(now),
      last_eased_(now) {}

void adaptive_pacer::on_success(time_point now, double remaining, double limit) {
    if (remaining >= 0 && remaining <= params_.low_remaining) {
        // The server says we are about to run dry: ease off before a 429 happens.
        // At most once a second, and kept apart from the 429 cooldown so an early ease does not
        // swallow the cut of a real 429 that follows it.
        if (!eased_once_ || now - last_eased_ >= std::chrono::seconds(1)) {
            rate_ = std::max(params_.min_rate, rate_ * 0.9);
            last_eased_ = now;
            eased_once_ = true;
        }
        last_increase_ = now;
        return;
    }
    (void)limit;
    double dt = seconds(now - last_increase_);
    if (dt <= 0) return;
    rate_ = std::min(params_.max_rate, rate_ + params_.increase_per_second * dt);
    last_increase_ = now;
}

void adaptive_pacer::on_throttled(time_point now) {
    // Requests already in flight when the first 429 came back will bring more 429s: count them
    // as one signal.
    if (decreased_once_ && now - last_decrease_ < std::chrono::seconds(1)) return;
    rate_ = std::max(params_.min_rate, rate_ * params_.decrease_factor);
    last_decrease_ = now;
    last_increase_ = now;
    decreased_once_ = true;
}

}  // namespace cmbulk
