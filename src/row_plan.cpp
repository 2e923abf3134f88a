// One row's request sequence as a state machine; see row_plan.hpp for the rules.
#include "cmbulk/row_plan.hpp"

#include "cmbulk/api.hpp"

namespace cmbulk {
namespace {
bool is_2xx(int s) { return s >= 200 && s <= 299; }
answer_facts facts(const plan_response& r) {
    return answer_facts{r.failure, r.status, r.error, r.auth_failed};
}
bool not_configured(const plan_response& r) {
    return r.failure == attempt_failure::none && r.status == 404 &&
           r.error == api_errc::integration_not_configured;
}
}  // namespace

std::string_view to_string(plan_request r) {
    switch (r) {
        case plan_request::get:
            return "GET";
        case plan_request::post:
            return "POST";
        case plan_request::put:
            return "PUT";
        case plan_request::del:
            return "DELETE";
    }
    return "GET";
}

row_plan::row_plan(plan_action action, std::string sent_secret_last4, bool resolve_first,
                   plan_checks checks, std::string project)
    : action_(action),
      sent_last4_(std::move(sent_secret_last4)),
      ambiguous_(resolve_first),
      checks_(checks),
      project_(std::move(project)) {}

plan_step row_plan::send(plan_request r, std::chrono::milliseconds delay) {
    current_ = r;
    reading_ = r == plan_request::get;
    ++attempts_;
    plan_step s;
    s.kind = plan_step::send;
    s.request = r;
    s.delay = delay;
    s.changes_state = r != plan_request::get;
    return s;
}

plan_step row_plan::write_request() {
    switch (action_) {
        case plan_action::create:
            return send(plan_request::post);
        case plan_action::update:
            return send(plan_request::put);
        case plan_action::del:
            return send(plan_request::del);
        case plan_action::upsert:
            return send(upsert_creating_ ? plan_request::post : plan_request::put);
    }
    return send(plan_request::post);
}

plan_step row_plan::start(retry_policy& policy) {
    policy.budget.on_first_attempt();
    // A read comes first when a previous run may have landed the change already, and for upsert
    // (which must know whether to create or update).
    // --skip-unchanged reads first too (a delete needs no read: a missing one is `unchanged`).
    // An update reads too: its PUT is the integration as read with the row's fields over it
    // (update_body.hpp), so fields the row does not name survive.
    if (ambiguous_ || action_ == plan_action::upsert ||
        (checks_.merge_updates && action_ == plan_action::update) ||
        (checks_.before_image && action_ == plan_action::del) ||
        ((checks_.skip_unchanged || checks_.read_first) && action_ != plan_action::del))
        return send(plan_request::get);
    return write_request();
}

plan_step row_plan::finish(outcome o, const plan_response& r) {
    // --verify: a write that succeeded is read back before the row ends.
    if (checks_.verify && !verifying_ &&
        (o == outcome::created || o == outcome::updated || o == outcome::deleted)) {
        verifying_ = true;
        written_ = o;
        failed_tries_ = 0;
        failed_reads_ = 0;
        throttled_tries_ = 0;
        return send(plan_request::get);
    }
    result_ = o;
    status_ = r.status;
    error_code_ = r.error_code;
    if (!r.detail.empty() && (o == outcome::failed || o == outcome::exists ||
                              o == outcome::unchanged || o == outcome::forbidden_role))
        detail_ = r.detail;
    if (o == outcome::mismatch)
        detail_ = r.found_differences.empty() ? "differs" : r.found_differences;
    if (o == outcome::exists_differs) {
        error_code_ = "INTEGRATION_ALREADY_CONFIGURED";
        detail_ =
            "already configured with other values: nothing changed; use --action update "
            "or upsert";
        if (!r.found_differences.empty()) detail_ += " (" + r.found_differences + ")";
    }
    plan_step s;
    s.kind = plan_step::done;
    return s;
}

plan_step row_plan::fail(const plan_response& r, std::string detail) {
    // A refusal of the key for this project, or of its role, has its own outcome (issue 13).
    auto o = detail.empty() ? refusal_outcome(facts(r)) : outcome::failed;
    auto s = finish(o, r);
    if (o == outcome::no_access)
        detail = "the key cannot reach " +
                 (project_.empty() ? std::string("this project") : "project " + project_) +
                 ": check its organization and role" +
                 (r.detail.empty() ? std::string() : " (" + r.detail + ")");
    if (!detail.empty()) detail_ = std::move(detail);
    if (detail_.empty())
        detail_ = r.failure != attempt_failure::none ? "no response" : "request failed";
    return s;
}

plan_step row_plan::retry_or_fail(const plan_response& r, plan_request again,
                                  retry_policy& policy) {
    // Failures count against --max-attempts per request kind: a failed read (resolving an
    // ambiguous write) does not use up the write's attempts, nor the other way round; 429 and
    // 503 against their own, larger allowance (retry.hpp).
    int& failed = current_ == plan_request::get ? failed_reads_ : failed_tries_;
    auto d = decide_retry(facts(r), r.retry_after, failed, throttled_tries_, policy);
    if (d.budget_spent) return fail(r, "retry budget exhausted: the server keeps failing");
    if (d.give_up)
        return fail(r, "gave up after " + std::to_string(attempts_) + " attempts: " +
                           (r.detail.empty() ? std::string("no response") : r.detail));
    auto s = send(again, d.delay);
    s.retry = true;
    return s;
}

plan_step row_plan::after_verify_read(const plan_response& r, verdict v, retry_policy& policy) {
    bool ok = r.failure == attempt_failure::none;
    if (ok && r.status == 200) {
        bool good = action_ != plan_action::del &&
                    (r.found == found_state::same || r.found == found_state::uncertain);
        if (action_ == plan_action::del) {
            auto copy = r;
            copy.found_differences = "still configured after the delete";
            return finish(outcome::mismatch, copy);
        }
        return finish(good ? outcome::verified : outcome::mismatch, r);
    }
    if (not_configured(r)) {
        if (action_ == plan_action::del) return finish(outcome::verified, r);
        auto copy = r;
        copy.found_differences = "not configured after the write";
        return finish(outcome::mismatch, copy);
    }
    if (v == verdict::retry) return retry_or_fail(r, plan_request::get, policy);
    return fail(
        r, std::string(to_string(written_)) + ", but the verification read failed: " +
               (r.detail.empty() ? std::string("HTTP ") + std::to_string(r.status) : r.detail));
}

plan_step row_plan::after_create_read(const plan_response& r) {
    // Ours if the server shows the secret we sent (the masked last four match).
    bool our_secret = sent_last4_.empty() || r.found_secret_last4 == sent_last4_;
    if (!checks_.compare_existing) {
        if (our_secret) return finish(ambiguous_ ? outcome::created : outcome::exists, r);
        return finish(outcome::exists, r);
    }
    // A landed create of ours shows our secret; its other fields are ours too.
    if (ambiguous_ && our_secret) return finish(outcome::created, r);
    if (our_secret && r.found != found_state::differs) return finish(outcome::exists, r);
    return finish(outcome::exists_differs, r);
}

plan_step row_plan::after_read(const plan_response& r, verdict v, retry_policy& policy) {
    if (verifying_) return after_verify_read(r, v, policy);
    if (r.failure == attempt_failure::none && r.status == 200) {
        // --skip-unchanged: what is there already is what the row says (a resolving read after an
        // ambiguous write keeps its own rules below).
        if (checks_.skip_unchanged && !ambiguous_ && r.found == found_state::same)
            return finish(outcome::unchanged, r);
        // An interrupted PUT that landed (what is there is the row): done, not sent again.
        if (ambiguous_ && r.found == found_state::same &&
            (action_ == plan_action::update || action_ == plan_action::upsert))
            return finish(outcome::updated, r);
        switch (action_) {
            case plan_action::create:
                return after_create_read(r);
            case plan_action::del:
                return send(plan_request::del);
            case plan_action::update:
            case plan_action::upsert:
                upsert_creating_ = false;
                if (!r.update_blocked.empty()) return fail(r, r.update_blocked);
                return send(plan_request::put);
        }
    }
    if (not_configured(r)) {
        switch (action_) {
            case plan_action::create:
                return send(plan_request::post);
            case plan_action::del:
                return finish(ambiguous_ ? outcome::deleted : outcome::unchanged, r);
            case plan_action::update:
                return send(plan_request::put);
            case plan_action::upsert:
                upsert_creating_ = true;
                return send(plan_request::post);
        }
    }
    // A read is resend-safe: never ambiguous.
    if (v == verdict::retry) return retry_or_fail(r, plan_request::get, policy);
    return fail(r);
}

std::optional<plan_step> row_plan::after_known_write_answer(const plan_response& r) {
    if (r.failure == attempt_failure::none) {
        if (is_2xx(r.status)) {
            switch (current_) {
                case plan_request::post:
                    return finish(outcome::created, r);
                case plan_request::put:
                    return finish(outcome::updated, r);
                case plan_request::del:
                    return finish(outcome::deleted, r);
                case plan_request::get:
                    break;
            }
        }
        if (current_ == plan_request::post && r.status == 409 &&
            r.error == api_errc::integration_already_configured) {
            // Our earlier attempt may have landed: then this 409 is our own create.
            if (ambiguous_) return finish(outcome::created, r);
            if (action_ == plan_action::upsert) {
                // Someone created it meanwhile: read it, so the PUT keeps what it holds.
                upsert_creating_ = false;
                return send(plan_request::get);
            }
            // Is what is there what we would have sent? Read once to tell.
            if (checks_.compare_existing && !conflict_read_) {
                conflict_read_ = true;
                return send(plan_request::get);
            }
            return finish(outcome::exists, r);
        }
        if (current_ == plan_request::del && not_configured(r))
            return finish(ambiguous_ ? outcome::deleted : outcome::unchanged, r);
        if (current_ == plan_request::put && not_configured(r) && action_ == plan_action::upsert) {
            upsert_creating_ = true;
            return send(plan_request::post);
        }
    }
    return std::nullopt;
}

plan_step row_plan::next(const plan_response& r, retry_policy& policy) {
    const bool resend_safe = current_ == plan_request::get || current_ == plan_request::put;
    const verdict v = classify(facts(r), request_facts{resend_safe, r.credential_answered, true});
    if (v == verdict::fatal) {
        auto s = fail(r, fatal_reason(facts(r), r.detail));
        s.kind = plan_step::fatal;
        return s;
    }
    if (reading_) return after_read(r, v, policy);
    if (auto known = after_known_write_answer(r)) return *known;
    switch (v) {
        case verdict::ambiguous:
            // A POST or DELETE that may have reached the server is never resent blindly: read.
            ambiguous_ = true;
            return retry_or_fail(r, plan_request::get, policy);
        case verdict::retry:
            return retry_or_fail(r, current_, policy);
        default:
            return fail(r);
    }
}

plan_response plan_response_of(const api_call_result& r) {
    plan_response pr;
    pr.failure = r.failure;
    pr.status = r.status;
    pr.error_code = r.error_code;
    pr.error = r.api_error;
    pr.detail = r.detail;
    pr.auth_failed = r.auth_failed;
    pr.credential_answered = r.credential_answered;
    pr.retry_after = r.retry_after;
    return pr;
}

}  // namespace cmbulk
