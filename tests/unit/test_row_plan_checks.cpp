// Unit tests for row_plan's checks around a write: --skip-unchanged and --verify reads, a 401
// or USER_UNAUTHORIZED on a row (no-access, forbidden-role), and updates that read, merge, PUT.
#include <boost/test/unit_test.hpp>

#include "cmbulk/row_plan.hpp"
#include "row_plan_support.hpp"

using namespace cmbulk;
using namespace cmbulk::test;

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
