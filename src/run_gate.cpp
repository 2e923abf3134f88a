// The run-wide request gate over the per-scope pacer; see run_gate.hpp.
#include "cmbulk/run_gate.hpp"

namespace cmbulk {

namespace {
/// Token requests: their provider keeps the token endpoint's own limit.
bool token_request(std::string_view path) { return path == "oauth/token"; }
}  // namespace

run_gate::run_gate(run_control& control, pacing_params params)
    : control_(control), pacer_(params, clock_type::now()) {}

boost::asio::awaitable<bool> run_gate::before_request(std::string_view scope) {
    return before_send(gate_request{scope, {}, {}});
}

boost::asio::awaitable<bool> run_gate::before_send(gate_request r) {
    if (control_.hard_stopped()) co_return false;
    if (token_request(r.path)) {
        ++requests_;
        co_return true;
    }
    const pace_scope s{r.credential, r.scope};
    auto wait = pacer_.reserve(s, r.path, clock_type::now());
    while (wait > duration::zero()) {
        const bool slept = co_await control_.sleep(wait);
        if (!slept) co_return false;
        // A credential-wide pause (Retry-After) may have begun while we waited: honour it too.
        auto now = clock_type::now();
        auto until = pacer_.paused_until(s.credential, r.path);
        wait = now < until ? until - now : duration::zero();
    }
    ++requests_;
    co_return true;
}

void run_gate::after_response(const gate_feedback& fb) {
    if (token_request(fb.path)) return;
    if (fb.status == 429) ++throttled_;
    if (fb.status == 429 && fb.hint && fb.error_code == "RATE_LIMITED_TOKEN_BUCKET")
        learned_.learn_refusal(fb.refused_set, *fb.hint);
    scope_feedback f;
    f.status = fb.status;
    f.remaining = fb.remaining;
    f.limit = fb.limit;
    f.retry_after = fb.retry_after;
    f.error_code = fb.error_code;
    f.refused_set = fb.refused_set;
    f.hint = fb.hint;
    const pace_scope s{fb.credential, fb.scope};
    auto now = clock_type::now();
    pacer_.on_response(s, fb.path, now, f);
    // Remember whose project a deferral is for, so the engine can ask by project alone.
    if (!s.project.empty() && pacer_.project_ready_at(s, now) > now)
        deferred_.insert_or_assign(std::string(s.project), std::string(s.credential));
}

bool run_gate::learn(const boost::json::value& rate_limits) {
    learned_.learn_table(rate_limits);
    auto table = parse_rate_limits(rate_limits);
    if (table.empty()) return false;
    pacer_.learn(std::move(table), clock_type::now());
    return true;
}

time_point run_gate::project_ready_at(std::string_view project, time_point now) const {
    auto it = deferred_.find(project);
    if (it == deferred_.end()) return now;
    return pacer_.project_ready_at(pace_scope{it->second, it->first}, now);
}

double run_gate::current_rate() const { return pacer_.total_rate(); }

std::chrono::milliseconds run_gate::pause_left() const {
    auto now = clock_type::now();
    // A credential's pause, else the longest Retry-After a deferred project is waiting out.
    auto until = pacer_.latest_pause();
    if (until <= now)
        for (auto& [project, credential] : deferred_)
            until = std::max(until, pacer_.project_ready_at(pace_scope{credential, project}, now));
    if (until <= now) return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(until - now);
}

}  // namespace cmbulk
