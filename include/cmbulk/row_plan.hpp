// The plan of one manifest row as a small state machine with no I/O: it says which request to
// send next, and is told what came back (a response, or a transport failure), until the row has
// an outcome. It owns the rules that keep a change from being sent twice: a create or delete whose
// outcome is unknown is followed by a read, never blindly resent. What an answer means in
// general (retry, ambiguous, failed, fatal) is retry.hpp's classify(); this adds what the
// integrations' answers mean for a row.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cmbulk/api_errc.hpp"
#include "cmbulk/outcome.hpp"
#include "cmbulk/retry.hpp"

namespace cmbulk {

/// What the row's final action is (after --action and the row's own `action`).
enum class plan_action { create, update, upsert, del };

/// The HTTP request a step asks for.
enum class plan_request { get, post, put, del };
std::string_view to_string(plan_request r);

/// What the row wants next.
struct plan_step {
    enum kind_t { send, done, fatal } kind = send;
    plan_request request = plan_request::get;
    std::chrono::milliseconds delay{0};  ///< wait this long before sending (backoff)
    bool changes_state = false;          ///< POST/PUT/DELETE: the journal records an intent first
    bool retry = false;                  ///< another attempt after a failure (not a planned read)
};

/// How an integration found by a GET compares with the row (see compare.hpp).
enum class found_state {
    not_compared,  ///< the runner did not compare
    same,          ///< every field equal, nothing uncertain: the row would change nothing
    uncertain,     ///< every comparable field equal; a hidden / never-returned secret may differ
    differs,       ///< a non-secret field or a masked secret differs
};

/// Extra reads a row may do around its write.
struct plan_checks {
    /// Read first (create, update, upsert); a row whose integration is already `same` sends
    /// nothing and ends `unchanged`.
    bool skip_unchanged = false;
    /// After a successful write, read back: `verified` when the integration is `same` or
    /// `uncertain` (a delete: when it is gone), `mismatch` otherwise.
    bool verify = false;
    /// Read first (update, upsert) so the write's caller sees what was there before it (the old
    /// secret an alert rotation looks for, issue 14); changes nothing else.
    bool read_first = false;
    /// A create that finds the integration there (409, or a resolving read) compares it: with
    /// our secret (and no other field differing) `exists`, else `exists-differs` (nothing
    /// changed: not a success). A 409 is read once to know. Issue 15.
    bool compare_existing = false;
    /// An update reads first, so that its PUT is the integration as read with the row's fields
    /// over it (update_body.hpp: read, merge, PUT) and fields the row does not name survive.
    /// The apply job sets it (a dry run reads nothing back, so it does not).
    bool merge_updates = false;
    /// A delete reads first, so the checkpoint holds what it deletes (the before-image that
    /// `cmbulk revert` recreates, issue 17). The apply job sets it when it keeps a checkpoint.
    bool before_image = false;
};

/// The answer to one request, reduced to what the plan needs.
struct plan_response {
    attempt_failure failure = attempt_failure::none;
    int status = 0;
    std::string error_code;           ///< the errorCode text (for the report)
    api_errc error = api_errc::none;  ///< the same, as the enum the plan acts on
    std::string detail;
    bool auth_failed = false;
    /// A request of the same credential was answered before this one: a definitive 401 then
    /// means "no access to this project" (outcome no_access), not a wrong key (fatal).
    bool credential_answered = false;
    std::optional<std::chrono::milliseconds> retry_after;
    /// For a GET that found the integration: the masked secret's last four characters as the
    /// server shows them (empty when the type has no masked secret).
    std::string found_secret_last4;
    /// For a GET that found the integration: how it compares with the row (compare.hpp); the
    /// runner fills it for --skip-unchanged and --verify.
    found_state found = found_state::not_compared;
    /// With `found`: which fields differ (names only, never values), for a mismatch's detail.
    std::string found_differences;
    /// For a GET that found the integration before an update: why its PUT cannot be built
    /// (update_body.hpp: a secret the server holds that the row does not give); the row fails
    /// without sending.
    std::string update_blocked;
};

struct api_call_result;
/// The plan's view of an API answer (status, failure, error, Retry-After, whether the
/// credential was answered); the caller adds what only it can read (found_secret_last4...).
plan_response plan_response_of(const api_call_result& r);

/// One row's state machine.
class row_plan {
public:
    /// `sent_secret_last4`: the last four characters of the secret this row sends (empty if none);
    /// used to recognise our own create after an ambiguous failure.
    /// `resolve_first`: a previous run left an intent without outcome: read before writing.
    /// `checks`: --skip-unchanged / --verify reads. `project`: the row's project id, for the
    /// no-access message.
    row_plan(plan_action action, std::string sent_secret_last4, bool resolve_first = false,
             plan_checks checks = {}, std::string project = {});

    /// The first step.
    plan_step start(retry_policy& policy);
    /// The next step after `r` answered the request of the previous step.
    plan_step next(const plan_response& r, retry_policy& policy);

    /// Valid once a step said done (or fatal).
    outcome result() const { return result_; }
    int http_status() const { return status_; }
    const std::string& error_code() const { return error_code_; }
    const std::string& detail() const { return detail_; }
    /// Requests attempted for this row (reads included, digest challenges not).
    int attempts() const { return attempts_; }
    /// The current GET is the read-back of --verify.
    bool verifying() const { return verifying_; }

private:
    plan_step send(plan_request r, std::chrono::milliseconds delay = {});
    plan_step finish(outcome o, const plan_response& r);
    plan_step fail(const plan_response& r, std::string detail = {});
    plan_step retry_or_fail(const plan_response& r, plan_request again, retry_policy& policy);
    plan_step after_read(const plan_response& r, verdict v, retry_policy& policy);
    std::optional<plan_step> after_known_write_answer(const plan_response& r);
    plan_step write_request();
    plan_step after_create_read(const plan_response& r);

    plan_action action_;
    std::string sent_last4_;
    plan_request current_ = plan_request::get;
    bool ambiguous_ = false;  ///< a write may have landed without our seeing the answer
    bool reading_ = false;    ///< the current request is a resolving / upsert read
    int attempts_ = 0;
    int failed_tries_ = 0;     ///< failed writes (not 429/503), against max_attempts
    int failed_reads_ = 0;     ///< failed reads (not 429/503), against max_attempts
    int throttled_tries_ = 0;  ///< 429s and 503s, against a larger allowance
    outcome result_ = outcome::not_run;
    int status_ = 0;
    std::string error_code_;
    std::string detail_;
    bool upsert_creating_ = false;
    bool conflict_read_ = false;  ///< a create's 409 was read to compare what is there
    plan_checks checks_;
    std::string project_;
    bool verifying_ = false;              ///< the write succeeded; reading it back
    outcome written_ = outcome::not_run;  ///< what the write did, while verifying
    plan_step after_verify_read(const plan_response& r, verdict v, retry_policy& policy);
};

}  // namespace cmbulk
