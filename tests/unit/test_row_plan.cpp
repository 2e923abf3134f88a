// Unit tests for row_plan: each action's request sequence, retries, and the rules that keep a
// change from being sent twice (ambiguous creates and deletes are read back first).
#include <boost/test/unit_test.hpp>

#include "cmbulk/row_plan.hpp"

using namespace cmbulk;

namespace {
retry_policy make_policy(int max_attempts = 5) {
    retry_policy p;
    p.max_attempts = max_attempts;
    p.backoff.base = std::chrono::milliseconds(100);
    p.backoff.cap = std::chrono::milliseconds(1000);
    p.rng.seed(42);
    return p;
}
plan_response ok(int status = 200) {
    plan_response r;
    r.status = status;
    return r;
}
plan_response api_error(int status, std::string code) {
    plan_response r;
    r.status = status;
    r.error = parse_api_errc(code);
    r.error_code = std::move(code);
    r.detail = "detail";
    return r;
}
plan_response transport(attempt_failure f) {
    plan_response r;
    r.failure = f;
    r.detail = "connection reset";
    return r;
}
plan_response found(std::string last4) {
    auto r = ok(200);
    r.found_secret_last4 = std::move(last4);
    return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(row_plan_suite)

BOOST_AUTO_TEST_CASE(create_is_one_post) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    auto s = p.start(pol);
    BOOST_TEST((s.request == plan_request::post));
    BOOST_TEST(s.changes_state);
    s = p.next(ok(), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::created));
    BOOST_TEST(p.attempts() == 1);
}

BOOST_AUTO_TEST_CASE(create_conflict_without_ambiguity_is_exists) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    auto s = p.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::exists));
}

BOOST_AUTO_TEST_CASE(create_reset_after_send_reads_before_resending) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    auto s = p.next(transport(attempt_failure::reset_after_send), pol);
    BOOST_TEST((s.request == plan_request::get));
    BOOST_TEST(!s.changes_state);
    // The create had landed: the server shows our secret's last four.
    s = p.next(found("abcd"), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::created));
    BOOST_TEST(p.attempts() == 2);
}

BOOST_AUTO_TEST_CASE(create_reset_after_send_not_landed_posts_again) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    auto s = p.next(transport(attempt_failure::timeout), pol);
    BOOST_TEST((s.request == plan_request::get));
    s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
    BOOST_TEST((s.request == plan_request::post));
    s = p.next(ok(), pol);
    BOOST_TEST((p.result() == outcome::created));
    BOOST_TEST(p.attempts() == 3);
}

BOOST_AUTO_TEST_CASE(conflict_after_ambiguous_post_counts_as_created) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    p.next(transport(attempt_failure::reset_after_send), pol);           // -> GET
    auto s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);  // -> POST
    BOOST_TEST((s.request == plan_request::post));
    s = p.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);
    BOOST_TEST((p.result() == outcome::created));
}

BOOST_AUTO_TEST_CASE(someone_elses_integration_is_exists) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    p.next(transport(attempt_failure::reset_after_send), pol);
    p.next(found("zzzz"), pol);
    BOOST_TEST((p.result() == outcome::exists));
}

BOOST_AUTO_TEST_CASE(conflict_read_tells_exists_from_exists_differs) {
    auto pol = make_policy();
    plan_checks checks;
    checks.compare_existing = true;
    // Our secret there: exists (a success).
    row_plan same(plan_action::create, "abcd", false, checks);
    same.start(pol);
    auto s = same.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);
    BOOST_TEST((s.request == plan_request::get));
    BOOST_TEST(!s.changes_state);
    s = same.next(found("abcd"), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((same.result() == outcome::exists));
    BOOST_TEST(is_success(same.result()));
    // Another secret there: exists-differs, not a success, and it says what to do.
    row_plan other(plan_action::create, "abcd", false, checks);
    other.start(pol);
    other.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);
    s = other.next(found("zzzz"), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((other.result() == outcome::exists_differs));
    BOOST_TEST(!is_success(other.result()));
    BOOST_TEST(other.detail().find("--action update or upsert") != std::string::npos);
    BOOST_TEST(other.attempts() == 2);
    // The same secret but another non-secret field: exists-differs too.
    row_plan field(plan_action::create, "abcd", false, checks);
    field.start(pol);
    field.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);
    auto differs = found("abcd");
    differs.found = found_state::differs;
    field.next(differs, pol);
    BOOST_TEST((field.result() == outcome::exists_differs));
}

BOOST_AUTO_TEST_CASE(conflict_read_is_made_once) {
    auto pol = make_policy();
    plan_checks checks;
    checks.compare_existing = true;
    row_plan p(plan_action::create, "abcd", false, checks);
    p.start(pol);
    p.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);  // -> GET
    // Deleted in between: create again; a second 409 ends without another read.
    auto s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
    BOOST_TEST((s.request == plan_request::post));
    s = p.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::exists));
}

BOOST_AUTO_TEST_CASE(someone_elses_integration_after_ambiguous_create_is_exists_differs) {
    auto pol = make_policy();
    plan_checks checks;
    checks.compare_existing = true;
    row_plan p(plan_action::create, "abcd", false, checks);
    p.start(pol);
    p.next(transport(attempt_failure::reset_after_send), pol);
    p.next(found("zzzz"), pol);
    BOOST_TEST((p.result() == outcome::exists_differs));
}

BOOST_AUTO_TEST_CASE(an_interrupted_update_that_landed_is_not_sent_again) {
    auto pol = make_policy();
    // resolve_first: the checkpoint holds an open PUT intent; the read finds the row's values.
    row_plan p(plan_action::update, "abcd", true);
    auto s = p.start(pol);
    BOOST_TEST((s.request == plan_request::get));
    auto same = found("abcd");
    same.found = found_state::same;
    s = p.next(same, pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::updated));
    // Another value there: the PUT is sent.
    row_plan q(plan_action::update, "abcd", true);
    q.start(pol);
    auto other = found("zzzz");
    other.found = found_state::differs;
    s = q.next(other, pol);
    BOOST_TEST((s.request == plan_request::put));
}

BOOST_AUTO_TEST_CASE(reset_before_send_posts_again_without_read) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    auto s = p.next(transport(attempt_failure::reset_before_send), pol);
    BOOST_TEST((s.request == plan_request::post));
    BOOST_TEST(s.delay.count() >= 0);
    BOOST_TEST(s.delay.count() <= 100);
}

BOOST_AUTO_TEST_CASE(server_errors_retry_with_backoff_then_fail) {
    auto pol = make_policy(3);
    row_plan p(plan_action::update, "");
    auto s = p.start(pol);
    BOOST_TEST((s.request == plan_request::put));
    s = p.next(api_error(500, "UNEXPECTED_ERROR"), pol);
    BOOST_TEST((s.kind == plan_step::send));
    BOOST_TEST(s.delay.count() <= 100);
    s = p.next(transport(attempt_failure::reset_before_send), pol);
    BOOST_TEST((s.kind == plan_step::send));
    s = p.next(api_error(500, "UNEXPECTED_ERROR"), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::failed));
    BOOST_TEST(p.attempts() == 3);
    BOOST_TEST(p.http_status() == 500);
}

BOOST_AUTO_TEST_CASE(unavailable_counts_like_throttling_but_backs_off) {
    auto pol = make_policy(2);
    row_plan p(plan_action::update, "");
    p.start(pol);
    plan_step s;
    for (int i = 0; i < 6; ++i) {
        s = p.next(api_error(503, ""), pol);
        BOOST_TEST_REQUIRE((s.kind == plan_step::send));
    }
    p.next(ok(), pol);
    BOOST_TEST((p.result() == outcome::updated));
}

BOOST_AUTO_TEST_CASE(failed_reads_do_not_use_up_the_writes_attempts) {
    auto pol = make_policy(3);
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    // POST ambiguous (1 write failure), two failed reads, then the read says absent.
    auto s = p.next(transport(attempt_failure::reset_after_send), pol);
    BOOST_TEST((s.request == plan_request::get));
    s = p.next(api_error(500, "UNEXPECTED_ERROR"), pol);
    BOOST_TEST((s.request == plan_request::get));
    s = p.next(api_error(500, "UNEXPECTED_ERROR"), pol);
    BOOST_TEST((s.request == plan_request::get));
    s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
    BOOST_TEST((s.request == plan_request::post));
    s = p.next(transport(attempt_failure::reset_after_send), pol);  // 2nd write failure
    BOOST_TEST((s.request == plan_request::get));
    s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
    s = p.next(ok(), pol);
    BOOST_TEST((p.result() == outcome::created));
}

BOOST_AUTO_TEST_CASE(retry_after_is_a_floor_for_5xx_backoff) {
    auto pol = make_policy();
    row_plan p(plan_action::update, "");
    p.start(pol);
    auto r = api_error(503, "SERVICE_UNAVAILABLE");
    r.retry_after = std::chrono::milliseconds(7000);
    auto s = p.next(r, pol);
    BOOST_TEST(s.delay.count() >= 7000);
}

BOOST_AUTO_TEST_CASE(throttling_does_not_use_up_attempts) {
    auto pol = make_policy(2);
    row_plan p(plan_action::update, "");
    p.start(pol);
    plan_step s;
    for (int i = 0; i < 10; ++i) {
        s = p.next(api_error(429, "RATE_LIMITED_TOKEN_BUCKET"), pol);
        BOOST_TEST_REQUIRE((s.kind == plan_step::send));
        BOOST_TEST(s.delay.count() == 0);  // the run-wide pause waits, not the row
    }
    s = p.next(ok(), pol);
    BOOST_TEST((p.result() == outcome::updated));
}

BOOST_AUTO_TEST_CASE(client_errors_are_final) {
    for (int status : {400, 403, 404}) {
        BOOST_TEST_CONTEXT("status " << status) {
            auto pol = make_policy();
            row_plan p(plan_action::create, "abcd");
            p.start(pol);
            auto s = p.next(api_error(status, "VALIDATION_ERROR"), pol);
            BOOST_TEST((s.kind == plan_step::done));
            BOOST_TEST((p.result() == outcome::failed));
            BOOST_TEST(p.detail() == "detail");
        }
    }
}

BOOST_AUTO_TEST_CASE(definitive_401_is_fatal) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    auto r = api_error(401, "");
    r.auth_failed = true;
    auto s = p.next(r, pol);
    BOOST_TEST((s.kind == plan_step::fatal));
    BOOST_TEST((p.result() == outcome::failed));
}

BOOST_AUTO_TEST_CASE(delete_ambiguous_then_absent_is_deleted) {
    auto pol = make_policy();
    row_plan p(plan_action::del, "");
    auto s = p.start(pol);
    BOOST_TEST((s.request == plan_request::del));
    s = p.next(transport(attempt_failure::reset_after_send), pol);
    BOOST_TEST((s.request == plan_request::get));
    s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
    BOOST_TEST((p.result() == outcome::deleted));
}

BOOST_AUTO_TEST_CASE(delete_of_absent_is_unchanged) {
    auto pol = make_policy();
    row_plan p(plan_action::del, "");
    p.start(pol);
    p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
    BOOST_TEST((p.result() == outcome::unchanged));
}

BOOST_AUTO_TEST_CASE(upsert_reads_then_posts_or_puts) {
    {
        auto pol = make_policy();
        row_plan p(plan_action::upsert, "abcd");
        auto s = p.start(pol);
        BOOST_TEST((s.request == plan_request::get));
        s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
        BOOST_TEST((s.request == plan_request::post));
        p.next(ok(), pol);
        BOOST_TEST((p.result() == outcome::created));
    }
    {
        auto pol = make_policy();
        row_plan p(plan_action::upsert, "abcd");
        p.start(pol);
        auto s = p.next(found("wxyz"), pol);
        BOOST_TEST((s.request == plan_request::put));
        p.next(ok(), pol);
        BOOST_TEST((p.result() == outcome::updated));
    }
}

BOOST_AUTO_TEST_CASE(resume_with_open_intent_reads_first) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd", /*resolve_first=*/true);
    auto s = p.start(pol);
    BOOST_TEST((s.request == plan_request::get));
    p.next(found("abcd"), pol);
    BOOST_TEST((p.result() == outcome::created));
}

BOOST_AUTO_TEST_CASE(endless_ambiguity_ends) {
    auto pol = make_policy(4);
    row_plan p(plan_action::create, "abcd");
    auto s = p.start(pol);
    int steps = 0;
    while (s.kind == plan_step::send && steps < 100) {
        s = s.request == plan_request::get
                ? p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol)
                : p.next(transport(attempt_failure::timeout), pol);
        ++steps;
    }
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::failed));
    BOOST_TEST(steps < 20);
}

BOOST_AUTO_TEST_CASE(retry_budget_stops_a_failing_run) {
    auto pol = make_policy(100);
    pol.budget = retry_budget(0.0, 3);
    row_plan p(plan_action::update, "");
    auto s = p.start(pol);
    int sends = 1;
    while (s.kind == plan_step::send) {
        s = p.next(api_error(500, "UNEXPECTED_ERROR"), pol);
        if (s.kind == plan_step::send) ++sends;
    }
    BOOST_TEST(sends == 4);  // the first attempt and three retries
    BOOST_TEST(p.detail().find("budget") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// --skip-unchanged and --verify: the extra reads around a write.
BOOST_AUTO_TEST_SUITE(row_plan_checks_suite)

namespace {
plan_response found_as(found_state s) {
    plan_response r;
    r.status = 200;
    r.found = s;
    r.found_differences = "channelName";
    return r;
}
plan_response not_configured() {
    plan_response r;
    r.status = 404;
    r.error_code = "INTEGRATION_NOT_CONFIGURED";
    r.error = api_errc::integration_not_configured;
    return r;
}
}  // namespace

BOOST_AUTO_TEST_CASE(skip_unchanged_reads_first_and_sends_nothing_when_same) {
    auto pol = make_policy();
    row_plan p(plan_action::update, "abcd", false, plan_checks{true, false});
    auto s = p.start(pol);
    BOOST_TEST((s.request == plan_request::get));
    BOOST_TEST(!s.changes_state);
    s = p.next(found_as(found_state::same), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::unchanged));
    BOOST_TEST(p.attempts() == 1);
}

BOOST_AUTO_TEST_CASE(skip_unchanged_sends_when_different_or_uncertain_or_missing) {
    for (auto st : {found_state::differs, found_state::uncertain}) {
        auto pol = make_policy();
        row_plan p(plan_action::update, "abcd", false, plan_checks{true, false});
        p.start(pol);
        auto s = p.next(found_as(st), pol);
        BOOST_TEST((s.request == plan_request::put));
        s = p.next(ok(), pol);
        BOOST_TEST((p.result() == outcome::updated));
    }
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd", false, plan_checks{true, false});
    BOOST_TEST((p.start(pol).request == plan_request::get));
    auto s = p.next(not_configured(), pol);
    BOOST_TEST((s.request == plan_request::post));
    p.next(ok(), pol);
    BOOST_TEST((p.result() == outcome::created));
}

BOOST_AUTO_TEST_CASE(skip_unchanged_delete_sends_delete_directly) {
    auto pol = make_policy();
    row_plan p(plan_action::del, "", false, plan_checks{true, false});
    BOOST_TEST((p.start(pol).request == plan_request::del));
}

BOOST_AUTO_TEST_CASE(verify_reads_back_after_write) {
    auto pol = make_policy();
    row_plan p(plan_action::update, "abcd", false, plan_checks{false, true});
    BOOST_TEST((p.start(pol).request == plan_request::put));
    auto s = p.next(ok(), pol);
    BOOST_TEST((s.kind == plan_step::send));
    BOOST_TEST((s.request == plan_request::get));
    BOOST_TEST(p.verifying());
    s = p.next(found_as(found_state::same), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::verified));
    BOOST_TEST(p.attempts() == 2);
}

BOOST_AUTO_TEST_CASE(verify_accepts_uncertain_and_flags_differences) {
    {
        auto pol = make_policy();
        row_plan p(plan_action::create, "abcd", false, plan_checks{false, true});
        p.start(pol);
        p.next(ok(), pol);
        p.next(found_as(found_state::uncertain), pol);
        BOOST_TEST((p.result() == outcome::verified));
    }
    {
        auto pol = make_policy();
        row_plan p(plan_action::update, "abcd", false, plan_checks{false, true});
        p.start(pol);
        p.next(ok(), pol);
        p.next(found_as(found_state::differs), pol);
        BOOST_TEST((p.result() == outcome::mismatch));
        BOOST_TEST(p.detail() == "channelName");
        BOOST_TEST(!is_success(p.result()));
    }
    {
        auto pol = make_policy();
        row_plan p(plan_action::update, "abcd", false, plan_checks{false, true});
        p.start(pol);
        p.next(ok(), pol);
        p.next(not_configured(), pol);
        BOOST_TEST((p.result() == outcome::mismatch));
    }
}

BOOST_AUTO_TEST_CASE(verify_delete_expects_gone) {
    auto pol = make_policy();
    row_plan p(plan_action::del, "", false, plan_checks{false, true});
    p.start(pol);
    auto s = p.next(ok(), pol);
    BOOST_TEST((s.request == plan_request::get));
    p.next(not_configured(), pol);
    BOOST_TEST((p.result() == outcome::verified));
}

BOOST_AUTO_TEST_CASE(verify_read_retries_then_verifies) {
    auto pol = make_policy();
    row_plan p(plan_action::update, "abcd", false, plan_checks{false, true});
    p.start(pol);
    p.next(ok(), pol);
    auto s = p.next(api_error(503, "SERVICE_UNAVAILABLE"), pol);
    BOOST_TEST((s.request == plan_request::get));
    BOOST_TEST(s.delay.count() >= 0);
    p.next(found_as(found_state::same), pol);
    BOOST_TEST((p.result() == outcome::verified));
}

BOOST_AUTO_TEST_CASE(verify_read_final_error_fails_naming_the_write) {
    auto pol = make_policy();
    row_plan p(plan_action::update, "abcd", false, plan_checks{false, true});
    p.start(pol);
    p.next(ok(), pol);
    p.next(api_error(403, "FORBIDDEN"), pol);
    BOOST_TEST((p.result() == outcome::failed));
    BOOST_TEST(p.detail().find("updated, but the verification read failed") == 0u);
}

BOOST_AUTO_TEST_CASE(no_checks_no_extra_reads) {
    auto pol = make_policy();
    row_plan p(plan_action::update, "abcd");
    p.start(pol);
    auto s = p.next(ok(), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((p.result() == outcome::updated));
}

BOOST_AUTO_TEST_CASE(a_401_once_the_key_was_answered_is_no_access_for_that_row) {
    auto pol = make_policy();
    row_plan p(plan_action::update, "abcd");
    p.start(pol);
    plan_response r;
    r.status = 401;
    r.auth_failed = true;
    r.credential_answered = true;
    r.detail = "You are not authorized for this resource.";
    auto s = p.next(r, pol);
    BOOST_TEST((s.kind == plan_step::done));  // not fatal: the run goes on
    BOOST_TEST(to_string(p.result()) == "no-access");
    BOOST_TEST(p.detail().find("cannot reach this project") != std::string::npos);
    BOOST_TEST(p.attempts() == 1);
    // Before any answer, the same 401 is a wrong key: fatal.
    row_plan q(plan_action::update, "abcd");
    q.start(pol);
    r.credential_answered = false;
    BOOST_TEST((q.next(r, pol).kind == plan_step::fatal));
    BOOST_TEST(to_string(q.result()) == "failed");
    // With the row's project, the message names it.
    row_plan named(plan_action::create, "abcd", false, {}, "6f0000020000000000000001");
    named.start(pol);
    r.credential_answered = true;
    named.next(r, pol);
    BOOST_TEST(named.detail().find("the key cannot reach project 6f0000020000000000000001: check "
                                   "its organization and role") == 0u,
               named.detail());
}

BOOST_AUTO_TEST_CASE(user_unauthorized_is_forbidden_role_and_the_access_list_is_fatal) {
    auto pol = make_policy();
    row_plan p(plan_action::create, "abcd");
    p.start(pol);
    auto s = p.next(api_error(401, "USER_UNAUTHORIZED"), pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST(to_string(p.result()) == "forbidden-role");
    BOOST_TEST(p.error_code() == "USER_UNAUTHORIZED");
    row_plan q(plan_action::create, "abcd");
    q.start(pol);
    s = q.next(api_error(403, "IP_ADDRESS_NOT_ON_ACCESS_LIST"), pol);
    BOOST_TEST((s.kind == plan_step::fatal));
    BOOST_TEST(q.detail().find("access list") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(row_plan_merge_updates)

BOOST_AUTO_TEST_CASE(an_update_reads_then_puts_or_fails_when_the_put_cannot_be_built) {
    auto pol = make_policy();
    plan_checks merge;
    merge.merge_updates = true;
    row_plan p(plan_action::update, "", false, merge);
    BOOST_TEST((p.start(pol).request == plan_request::get));
    auto s = p.next(found(""), pol);
    BOOST_TEST((s.request == plan_request::put));
    p.next(ok(), pol);
    BOOST_TEST((p.result() == outcome::updated));
    BOOST_TEST(p.attempts() == 2);
    // Not configured: the row's fields alone (Cloud/Ops Manager's PUT creates it).
    row_plan q(plan_action::update, "", false, merge);
    q.start(pol);
    BOOST_TEST(
        (q.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol).request == plan_request::put));
    // A secret the server holds that the row does not give: nothing is sent.
    row_plan b(plan_action::update, "", false, merge);
    b.start(pol);
    auto r = found("");
    r.update_blocked = "WEBHOOK secret is set on the server";
    s = b.next(r, pol);
    BOOST_TEST((s.kind == plan_step::done));
    BOOST_TEST((b.result() == outcome::failed));
    BOOST_TEST(b.detail() == "WEBHOOK secret is set on the server");
    BOOST_TEST(b.attempts() == 1);
}

BOOST_AUTO_TEST_CASE(an_upsert_whose_create_conflicts_reads_before_its_put) {
    auto pol = make_policy();
    row_plan p(plan_action::upsert, "");
    p.start(pol);
    auto s = p.next(api_error(404, "INTEGRATION_NOT_CONFIGURED"), pol);
    BOOST_TEST((s.request == plan_request::post));
    s = p.next(api_error(409, "INTEGRATION_ALREADY_CONFIGURED"), pol);
    BOOST_TEST((s.request == plan_request::get));
    s = p.next(found(""), pol);
    BOOST_TEST((s.request == plan_request::put));
    p.next(ok(), pol);
    BOOST_TEST((p.result() == outcome::updated));
}

BOOST_AUTO_TEST_SUITE_END()
