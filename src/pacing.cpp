// The run-wide pacer; see pacing.hpp.
#include "cmbulk/pacing.hpp"

#include <algorithm>
#include <cmath>

namespace cmbulk {
namespace {
double number(const boost::json::value& v) {
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    if (v.is_double()) return v.get_double();
    return -1;
}
double default_burst(double rate) { return std::max(1.0, rate / 10.0); }
}  // namespace

std::optional<server_rate_hint> parse_rate_hint(const boost::json::value& body) {
    if (!body.is_object()) return std::nullopt;
    auto& o = body.get_object();
    auto params = o.if_contains("parameters");
    if (!params || !params->is_array()) return std::nullopt;
    auto& a = params->get_array();
    if (a.size() < 5) return std::nullopt;
    double capacity = number(a[2]), refill = number(a[3]), period = number(a[4]);
    if (capacity <= 0 || refill <= 0 || period <= 0) return std::nullopt;
    // Boost.JSON reads 1e999 as infinity (fuzzer finding): only finite, positive paces count.
    const double per_second = refill / period;
    if (!std::isfinite(capacity) || !std::isfinite(per_second) || per_second <= 0)
        return std::nullopt;
    return server_rate_hint{capacity, per_second, refill, period};
}

rate_controller::rate_controller(pacing_params params, time_point now)
    : params_(params),
      bucket_(params.rate, params.burst > 0 ? params.burst : default_burst(params.rate), now),
      limited_(params.rate > 0),
      ceiling_(params.rate),
      last_increase_(now),
      window_start_(now) {}

double rate_controller::current_rate() const { return limited_ ? bucket_.rate() : 0.0; }

double rate_controller::observed_rate(time_point now) const {
    double elapsed = std::chrono::duration<double>(now - window_start_).count();
    // The previous full window plus the current partial one.
    return (prev_window_count_ + window_count_) / (1.0 + std::max(elapsed, 0.0));
}

void rate_controller::set_rate(double rate, double burst, time_point now) {
    rate = std::max(rate, params_.min_rate);
    if (!limited_) {
        bucket_ = token_bucket(rate, burst, now);
        limited_ = true;
    } else {
        bucket_.set_rate(rate, burst, now);
    }
}

duration rate_controller::reserve(time_point now) {
    if (now - window_start_ >= std::chrono::seconds(1)) {
        prev_window_count_ = now - window_start_ >= std::chrono::seconds(2) ? 0 : window_count_;
        window_count_ = 0;
        window_start_ = now;
    }
    if (now < paused_until_) {
        // Paused (Retry-After). Without a pace there is nothing to spread; with one, take a slot
        // of the bucket now: it was blocked until the pause ends, so the requests that arrive
        // during a pause leave one by one at the pace afterwards, not all at once when it ends
        // (that herd emptied the server's bucket again and again: 429s and more pauses).
        if (!limited_) return paused_until_ - now;
        window_count_ += 1;
        // The first of them goes when the pause ends (the server's bucket refilled meanwhile).
        auto slot = std::chrono::duration_cast<duration>(
            std::chrono::duration<double>(1.0 / bucket_.rate()));
        return std::max<duration>(paused_until_ - now, bucket_.reserve(now) - slot);
    }
    window_count_ += 1;
    if (!limited_) return duration::zero();
    return bucket_.reserve(now);
}

void rate_controller::apply_hint(time_point now, const server_rate_hint& hint) {
    // The server told us its bucket: pace a little under its refill rate, with a burst well
    // inside its capacity, once the pause is over.
    double rate = hint.refill_per_second * 0.98;
    double burst = std::max(1.0, std::min(hint.capacity / 2, rate / 10 + 1));
    if (params_.rate > 0) rate = std::min(rate, params_.rate);
    ceiling_ = rate;
    set_rate(rate, burst, now);
    bucket_.block_until(std::max(paused_until_, now));
    cut_once_ = true;
    last_cut_ = now;
    last_increase_ = now;
}

void rate_controller::on_response(time_point now, const pacing_feedback& fb) {
    if (fb.status == 429) {
        ++throttled_;
        auto pause = fb.retry_after.value_or(params_.default_pause);
        if (now + pause > paused_until_) paused_until_ = now + pause;
        if (fb.hint) {
            apply_hint(now, *fb.hint);
            return;
        }
        // Requests already in flight when the first 429 came back bring more 429s: one cut per
        // second at most.
        if (!cut_once_ || now - last_cut_ >= std::chrono::seconds(1)) {
            double base = limited_ ? bucket_.rate() : std::max(observed_rate(now), 1.0);
            double rate = base * params_.decrease_factor;
            set_rate(rate, default_burst(rate), now);
            if (ceiling_ <= 0) ceiling_ = base;
            cut_once_ = true;
            last_cut_ = now;
            last_increase_ = now;
        }
        bucket_.block_until(paused_until_);
        return;
    }
    if (!limited_) {
        if (fb.remaining >= 0 && fb.remaining <= params_.low_remaining && fb.limit > 0) {
            // About to run dry and no pace known yet: settle at what we achieve now, slightly less.
            double rate = std::max(observed_rate(now) * 0.75, params_.min_rate);
            ceiling_ = 0;
            set_rate(rate, default_burst(rate), now);
            last_increase_ = now;
        }
        return;
    }
    if (fb.remaining >= 0 && fb.remaining <= params_.low_remaining) {
        // The server's bucket is nearly empty: no increase now.
        last_increase_ = now;
        return;
    }
    // Additive increase towards the ceiling (the user's rate or the server's refill rate);
    // without a ceiling, grow by a fraction of the current rate.
    double dt = std::chrono::duration<double>(now - last_increase_).count();
    if (dt < 0.25) return;
    double rate = bucket_.rate();
    double step = (ceiling_ > 0 ? ceiling_ : rate) * params_.increase_per_second * dt;
    double next = rate + step;
    if (ceiling_ > 0) next = std::min(next, ceiling_);
    if (next != rate)
        bucket_.set_rate(next, params_.burst > 0 ? params_.burst : default_burst(next), now);
    last_increase_ = now;
}

}  // namespace cmbulk
