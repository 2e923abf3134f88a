// Retry decisions: which failures are worth another attempt, how long to wait (exponential
// backoff with full jitter, at least the server's Retry-After), and a run-wide retry budget so
// a failing server ends the run instead of looping. Pure: the caller passes the random source.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace cmbulk {

/// What happened to one attempt, as far as retrying cares.
enum class attempt_failure {
    none,               ///< a response arrived (look at the status)
    connect_failed,     ///< nothing was sent
    reset_before_send,  ///< the connection died before the request was fully written
    reset_after_send,   ///< the request went out; the outcome is unknown
    timeout,            ///< no complete response in time; the outcome is unknown
    bad_response,       ///< unparseable response (truncated body, HTML where JSON was due)
};

/// Whether an attempt may be tried again: 429, 5xx and transport failures are; other 4xx are
/// final. (Whether a *non-idempotent* retry needs a read first is the runner's business:
/// see outcome_unknown.)
bool is_retryable(int http_status, attempt_failure failure);

/// 429 and 503 are the server saying "not now" (nothing was done): they count against this
/// larger allowance instead of --max-attempts, because pacing and backoff already slow the run
/// down. Used for writes (row_plan) and reads (read_with_retry) alike.
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

}  // namespace cmbulk
