// Retry decisions, Retry-After parsing, full-jitter backoff, the run-wide retry budget and the
// classifier of answers.
#include "cmbulk/retry.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>

namespace cmbulk {
namespace {
class transport_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "cmbulk.transport"; }
    std::string message(int v) const override {
        // In the order of attempt_failure.
        static constexpr const char* text[] = {"a response arrived",
                                               "could not connect",
                                               "connection lost before the request was sent",
                                               "connection lost after the request was sent",
                                               "no complete response in time",
                                               "unreadable response",
                                               "cancelled: the run stopped"};
        return v >= 0 && v < static_cast<int>(std::size(text)) ? text[v] : "transport failure";
    }
};
}  // namespace

std::string_view to_string(attempt_failure f) {
    switch (f) {
        case attempt_failure::none:
            return "";
        case attempt_failure::connect_failed:
            return "connect_failed";
        case attempt_failure::reset_before_send:
            return "reset_before_send";
        case attempt_failure::reset_after_send:
            return "reset_after_send";
        case attempt_failure::timeout:
            return "timeout";
        case attempt_failure::bad_response:
            return "bad_response";
        case attempt_failure::cancelled:
            return "cancelled";
    }
    return "failure";
}

const boost::system::error_category& transport_category() {
    static const transport_category_impl c;
    return c;
}

bool is_retryable(int http_status, attempt_failure failure) {
    if (failure == attempt_failure::cancelled) return false;
    if (failure != attempt_failure::none) return true;
    return http_status == 429 || (http_status >= 500 && http_status <= 599);
}

bool is_overloaded(int http_status, attempt_failure failure) {
    return failure == attempt_failure::none && (http_status == 429 || http_status == 503);
}

bool outcome_unknown(attempt_failure failure) {
    return failure == attempt_failure::reset_after_send || failure == attempt_failure::timeout ||
           failure == attempt_failure::bad_response;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::milliseconds cap,
    std::chrono::system_clock::time_point now) {
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
        value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // delta-seconds; more than 9 digits is certainly over any cap (and would overflow).
        if (value.size() > 9) return cap;
        auto secs = std::stoll(std::string(value));
        return std::min<std::chrono::milliseconds>(std::chrono::seconds(secs), cap);
    }
    // HTTP-date (IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
    std::tm tm{};
    std::string s(value);
    const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0') return std::nullopt;
    // Decide far-off dates on time_t first: system_clock counts nanoseconds in libstdc++ and
    // overflows past the year 2262 (fuzzer finding: "Wed, 21 Oct 5569 07:28:00 GMT").
    const std::time_t t = timegm(&tm);
    const std::time_t n = std::chrono::system_clock::to_time_t(now);
    if (t < n) return std::chrono::milliseconds(0);
    if (t - n > std::chrono::duration_cast<std::chrono::seconds>(cap).count() + 1) return cap;
    auto when = std::chrono::system_clock::from_time_t(t);
    if (when <= now) return std::chrono::milliseconds(0);
    return std::min(std::chrono::duration_cast<std::chrono::milliseconds>(when - now), cap);
}

std::chrono::milliseconds backoff_delay(const backoff_params& p, int attempt,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        std::mt19937_64& rng) {
    attempt = std::max(attempt, 1);
    // base * 2^(attempt-1), capped, without overflowing for large attempt numbers.
    long long ceiling = p.base.count();
    for (int i = 1; i < attempt && ceiling > 0 && ceiling < p.cap.count(); ++i)
        ceiling = ceiling > p.cap.count() / 2 ? p.cap.count() : ceiling * 2;
    ceiling = std::min<long long>(ceiling, p.cap.count());
    std::uniform_int_distribution<long long> dist(0, std::max<long long>(ceiling, 0));
    std::chrono::milliseconds wait(dist(rng));
    if (retry_after && *retry_after > wait) wait = *retry_after;
    return wait;
}

retry_budget::retry_budget(double ratio, double minimum) : ratio_(ratio), tokens_(minimum) {}

void retry_budget::on_first_attempt() { tokens_ += ratio_; }

bool retry_budget::try_spend() {
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    ++spent_;
    return true;
}

std::string_view to_string(verdict v) {
    switch (v) {
        case verdict::ok:
            return "ok";
        case verdict::retry:
            return "retry";
        case verdict::ambiguous:
            return "ambiguous";
        case verdict::row_failed:
            return "row-failed";
        case verdict::fatal:
            return "fatal";
    }
    return "fatal";
}

verdict classify(const answer_facts& a, const request_facts& r) {
    // Wrong key or secret: every other request would be refused the same way. Once the
    // credential was answered, a 401 on a project path says the key cannot reach that project:
    // that row's `no-access` (live behaviour, api-facts.md).
    if (a.auth_failed)
        return r.credential_answered && r.project_scoped ? verdict::row_failed : verdict::fatal;
    // Nothing from this address gets through: every other request would be refused too.
    if (a.failure == attempt_failure::none && a.status == 403 &&
        a.error == api_errc::ip_address_not_on_access_list)
        return verdict::fatal;
    if (a.failure == attempt_failure::cancelled) return verdict::row_failed;
    if (a.failure != attempt_failure::none)
        return outcome_unknown(a.failure) && !r.resend_safe ? verdict::ambiguous : verdict::retry;
    if (a.status >= 200 && a.status <= 299) return verdict::ok;
    if (is_retryable(a.status, a.failure)) return verdict::retry;
    return verdict::row_failed;
}

outcome refusal_outcome(const answer_facts& a) {
    if (a.auth_failed) return outcome::no_access;
    if (a.error == api_errc::user_unauthorized) return outcome::forbidden_role;
    return outcome::failed;
}

std::string fatal_reason(const answer_facts& a, std::string_view detail) {
    if (a.error == api_errc::ip_address_not_on_access_list)
        return "the API access list refuses this address" +
               (detail.empty() ? std::string() : " (" + std::string(detail) + ")") +
               ": add it to the organization's API access list, or run from an address on it";
    return "authentication failed: check the API key or service account";
}

bool unreachable_stops_run(bool credential_answered, std::uint32_t item_requests,
                           std::uint32_t item_answers) {
    return !credential_answered && item_requests > 0 && item_answers == 0;
}

retry_decision decide_retry(const answer_facts& a,
                            std::optional<std::chrono::milliseconds> retry_after, int& failed,
                            int& overloaded, retry_policy& policy) {
    retry_decision d;
    // 429 and 503 count against their own, larger allowance; other failures against
    // --max-attempts.
    bool is_overload = is_overloaded(a.status, a.failure);
    int& used = is_overload ? overloaded : failed;
    ++used;
    if (used >= (is_overload ? max_overloaded_tries : policy.max_attempts)) {
        d.give_up = true;
        return d;
    }
    if (!policy.budget.try_spend()) {
        d.give_up = d.budget_spent = true;
        return d;
    }
    // A 429's Retry-After is honoured by the request gate's run-wide pause; other waits are
    // this item's backoff.
    bool throttled = a.failure == attempt_failure::none && a.status == 429;
    if (!throttled)
        d.delay = backoff_delay(policy.backoff, std::min(used, 10), retry_after, policy.rng);
    return d;
}

}  // namespace cmbulk
