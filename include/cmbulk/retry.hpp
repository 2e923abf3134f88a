// Retry decisions: which failures are worth another attempt, how long to wait (exponential
// backoff with full jitter, at least the server's Retry-After), a run-wide retry budget so a
// failing server ends the run instead of looping, and the one classifier that says what an answer
// means for the item that asked (ok / retry / ambiguous / row failed / fatal). Pure: the caller
// passes the random source.
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <type_traits>

#include "cmbulk/api_errc.hpp"
#include "cmbulk/outcome.hpp"

namespace cmbulk {

/// What happened to one attempt at the transport level: an error-code enum (category
/// "cmbulk.transport"); `none` (0) means a response arrived (look at the status).
enum class attempt_failure {
    none = 0,           ///< a response arrived (look at the status)
    connect_failed,     ///< nothing was sent
    reset_before_send,  ///< the connection died before the request was fully written
    reset_after_send,   ///< the request went out; the outcome is unknown
    timeout,            ///< no complete response in time; the outcome is unknown
    bad_response,       ///< unparseable response (truncated body, HTML where JSON was due)
    cancelled,          ///< the run stopped at once (a second signal) before an answer came
};

/// "connect_failed", ... (also the `failure` of --log-format json's request events).
std::string_view to_string(attempt_failure f);
const boost::system::error_category& transport_category();
inline boost::system::error_code make_error_code(attempt_failure f) {
    return {static_cast<int>(f), transport_category()};
}

/// Whether an attempt may be tried again: 429, 5xx and transport failures are; other 4xx are
/// final. (Whether a *non-idempotent* retry needs a read first is the runner's business:
/// see outcome_unknown.)
bool is_retryable(int http_status, attempt_failure failure);

/// 429 and 503 are the server saying "not now" (nothing was done): they count against this
/// larger allowance instead of --max-attempts, because pacing and backoff already slow the run
/// down. Used for every request of every machine (decide_retry).
inline constexpr int max_overloaded_tries = 30;
/// Whether a response is such a "not now": a 429 or a 503 that arrived whole.
bool is_overloaded(int http_status, attempt_failure failure);

/// Whether the request may have reached the server and changed state although no usable
/// response came back (reset after sending, timeout, a response that could not be read).
bool outcome_unknown(attempt_failure failure);

/// Parses a Retry-After value: delta-seconds ("55") or an HTTP date. Garbage or negative
/// values give nullopt; the result is capped at `cap`.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::milliseconds cap = std::chrono::minutes(10),
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// Backoff parameters; every field is documented in docs/operations.md.
struct backoff_params {
    std::chrono::milliseconds base{200};   ///< first retry waits up to this
    std::chrono::milliseconds cap{30000};  ///< never more than this per wait
};

/// Full jitter (AWS architecture blog): wait = uniform(0, min(cap, base * 2^(attempt-1))),
/// and never less than `retry_after` when the server sent one. `attempt` counts from 1.
std::chrono::milliseconds backoff_delay(const backoff_params& p, int attempt,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        std::mt19937_64& rng);

/// A run-wide budget of retries: each first attempt earns `ratio` tokens, each retry spends one;
/// `minimum` retries are always allowed so small runs can still retry.
class retry_budget {
public:
    explicit retry_budget(double ratio = 0.5, double minimum = 50);
    void on_first_attempt();
    /// Spends one retry if the budget allows; false means "give up, the server is failing".
    bool try_spend();
    std::uint64_t spent() const { return spent_; }

private:
    double ratio_;
    double tokens_;
    std::uint64_t spent_ = 0;
};

/// The run-wide retry policy shared by all items: backoff, attempts, budget, jitter source.
struct retry_policy {
    int max_attempts = 5;
    backoff_params backoff;
    retry_budget budget;
    std::mt19937_64 rng;
};

/// One answer (or its absence), as the classifier and the retry rules see it.
struct answer_facts {
    attempt_failure failure = attempt_failure::none;
    int status = 0;                   ///< HTTP status when a response arrived
    api_errc error = api_errc::none;  ///< the error body's errorCode
    bool auth_failed = false;         ///< a definitive 401 (wrong key or secret)
};

/// What the request was, as the classifier needs it.
struct request_facts {
    /// Sending it twice does no harm (GET, PUT); a POST or DELETE whose outcome is unknown must
    /// be read back before it is sent again.
    bool resend_safe = true;
    /// A request of the same credential was answered before (api_call_result says so).
    bool credential_answered = false;
    /// The request is for one project (its path is under /groups/{id}).
    bool project_scoped = false;
};

/// What an answer means for the item that asked for it. Machines recognise the answers they
/// expect first (a 404 INTEGRATION_NOT_CONFIGURED to a read, a 409 to a create) and ask this
/// for the rest: it is the one place that decides what is retried and what is fatal.
enum class verdict {
    ok,          ///< a 2xx: the request did what it asked
    retry,       ///< nothing happened that matters: the same request may go again (429, 5xx,
                 ///< transport failures of a resend-safe request or before sending)
    ambiguous,   ///< a POST or DELETE may have landed unseen: read before sending it again
    row_failed,  ///< a definitive answer for this item (4xx, a redirect): it fails, the run goes on
    fatal,       ///< the run cannot go on: the credentials were refused before they were ever
                 ///< answered, or the API access list refuses this address
};
std::string_view to_string(verdict v);
verdict classify(const answer_facts& a, const request_facts& r);

/// What a row that failed on answer `a` (classify: row_failed) is reported as: `no-access` for a
/// definitive 401 on a project path once the credential was answered (the key is right but
/// cannot reach the project), `forbidden-role` for USER_UNAUTHORIZED, `failed` otherwise.
outcome refusal_outcome(const answer_facts& a);
/// The message of a fatal answer (classify: fatal), for the summary.
std::string fatal_reason(const answer_facts& a, std::string_view detail);

/// The run-level rule beside classify(): an item that sent requests and got no HTTP answer to
/// any of them, while no request of its credential has ever been answered, means the server is
/// unreachable and the run stops. Once something answered, an unanswered item only fails.
bool unreachable_stops_run(bool credential_answered, std::uint32_t item_requests,
                           std::uint32_t item_answers);

/// What to do after an answer classify() called `retry` or `ambiguous`.
struct retry_decision {
    bool give_up = false;                ///< the allowance or the run-wide budget is used up
    bool budget_spent = false;           ///< with give_up: it was the run-wide budget
    std::chrono::milliseconds delay{0};  ///< the wait before the next attempt
};
/// Counts the attempt against its allowance (`failed` for failures, against max_attempts;
/// `overloaded` for 429 and 503, against max_overloaded_tries) and the run-wide budget, and says
/// whether to try again and after how long: the backoff, except after a 429, whose Retry-After
/// the request gate honours for every request. Used by every machine (rows, reads, pages).
retry_decision decide_retry(const answer_facts& a,
                            std::optional<std::chrono::milliseconds> retry_after, int& failed,
                            int& overloaded, retry_policy& policy);

}  // namespace cmbulk

template <>
struct boost::system::is_error_code_enum<cmbulk::attempt_failure> : std::true_type {};
