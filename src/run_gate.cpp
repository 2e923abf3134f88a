// The run-wide request gate; see run_gate.hpp.
#include "cmbulk/run_gate.hpp"

namespace cmbulk {

run_gate::run_gate(run_control& control, pacing_params params)
    : control_(control), ctl_(params, clock_type::now()) {}

boost::asio::awaitable<bool> run_gate::before_request(std::string_view) {
    if (control_.hard_stopped()) co_return false;
    auto wait = ctl_.reserve(clock_type::now());
    while (wait > duration::zero()) {
        const bool slept = co_await control_.sleep(wait);
        if (!slept) co_return false;
        // A Retry-After pause may have begun while we waited: honour it too.
        auto now = clock_type::now();
        wait = now < ctl_.paused_until() ? ctl_.paused_until() - now : duration::zero();
    }
    ++requests_;
    co_return true;
}

void run_gate::after_response(const gate_feedback& fb) {
    ctl_.on_response(clock_type::now(), fb);
    if (fb.status == 429) ++throttled_;
}

double run_gate::current_rate() const { return ctl_.current_rate(); }

std::chrono::milliseconds run_gate::pause_left() const {
    auto now = clock_type::now();
    auto until = ctl_.paused_until();
    if (until <= now) return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(until - now);
}

}  // namespace cmbulk
