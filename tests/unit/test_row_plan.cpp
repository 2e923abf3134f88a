// Unit tests for row_plan: each action's request sequence, retries, and the rules that keep a
// change from being sent twice (ambiguous creates and deletes are read back first).
#include <boost/test/unit_test.hpp>

#include "cmbulk/row_plan.hpp"
#include "row_plan_support.hpp"

using namespace cmbulk;
using namespace cmbulk::test;

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
