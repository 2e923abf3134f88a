// One read with retries; see read_machine.hpp.
#include "cmbulk/read_machine.hpp"

namespace cmbulk {

read_machine::read_machine(api_request request) : request_(std::move(request)) {}

item_step read_machine::send_(std::chrono::milliseconds delay, bool retry) {
    ++attempts_;
    item_step s;
    s.kind = item_step::send;
    s.request = request_;
    s.delay = delay;
    s.retry = retry;
    return s;
}

item_step read_machine::start(retry_policy& policy) {
    policy.budget.on_first_attempt();
    return send_({}, false);
}

item_step read_machine::next(api_call_result r, retry_policy& policy) {
    auto facts = facts_of(r);
    // A project's or an organization's resource: a 401 there once the key has answered is that
    // item's no-access, not a wrong key.
    bool scoped = !request_.scope.empty() || !request_.org.empty();
    auto v = classify(facts, request_facts{true, r.credential_answered, scoped});
    if (v == verdict::fatal) {
        item_step s;
        s.kind = item_step::fatal;
        s.reason = fatal_reason(facts, r.detail);
        result_ = std::move(r);
        return s;
    }
    if (v == verdict::retry || v == verdict::ambiguous) {
        auto d = decide_retry(facts, r.retry_after, failed_, overloaded_, policy);
        if (!d.give_up) return send_(d.delay, true);
    }
    result_ = std::move(r);
    return {};
}

std::string describe_failure(const api_call_result& r) {
    std::string s = r.status ? "HTTP " + std::to_string(r.status) : std::string("no response");
    if (!r.error_code.empty()) s += " " + r.error_code;
    if (!r.detail.empty()) s += ": " + r.detail;
    return s;
}

}  // namespace cmbulk
