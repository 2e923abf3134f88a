// Unit tests for scope_pacer.hpp on a fake clock: a project's 429 defers that project only; a
// credential-wide limit paces everything of that credential; a spurious 429 pauses only what it
// applies to; a limit described by rateLimits beforehand is kept without a single 429.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/scope_pacer.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {
const std::string pa = "6f0000010000000000000001", pb = "6f0000010000000000000002";
std::string integ(const std::string& p) { return "/groups/" + p + "/integrations/SLACK"; }

scope_feedback throttled(std::string code, std::string set, std::optional<server_rate_hint> hint,
                         std::chrono::milliseconds retry_after) {
    scope_feedback fb;
    fb.status = 429;
    fb.error_code = std::move(code);
    fb.refused_set = std::move(set);
    fb.hint = hint;
    fb.retry_after = retry_after;
    return fb;
}

double secs(duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

BOOST_AUTO_TEST_SUITE(scope_pacer_suite)

BOOST_AUTO_TEST_CASE(families) {
    BOOST_TEST(endpoint_family(integ(pa)) == "groups/{groupId}/integrations");
    BOOST_TEST(endpoint_family("/groups/" + pa + "/alertConfigs/x") ==
               "groups/{groupId}/alertConfigs");
    BOOST_TEST(endpoint_family("/groups/" + pa) == "groups/{groupId}");
    BOOST_TEST(endpoint_family("/orgs/5f0000000000000000000001/groups") == "orgs/{orgId}/groups");
    BOOST_TEST(endpoint_family("/groups") == "groups");
}

BOOST_AUTO_TEST_CASE(reach_of_a_limit) {
    std::vector<known_limit> none;
    auto project_bucket = throttled("RATE_LIMITED_TOKEN_BUCKET",
                                    "api/atlas/v2/groups/{groupId}/integrations", {}, 1s);
    auto whole_api = throttled("RATE_LIMITED_TOKEN_BUCKET", "api/atlas/v2", {}, 1s);
    auto plain = throttled("RATE_LIMITED", "", {}, 1s);
    BOOST_TEST((reach_of(integ(pa), project_bucket, none, true) == limit_reach::project));
    BOOST_TEST((reach_of(integ(pa), whole_api, none, true) == limit_reach::credential));
    BOOST_TEST((reach_of(integ(pa), plain, none, true) == limit_reach::project));
    BOOST_TEST((reach_of("/groups", plain, none, false) == limit_reach::credential));
    auto by_id = throttled("RATE_LIMITED_TOKEN_BUCKET",
                           "api/atlas/v2/groups/" + pa + "/integrations", {}, 1s);
    BOOST_TEST((reach_of(integ(pa), by_id, none, true) == limit_reach::project));
    // What rateLimits says wins: here the integrations set is counted per organization.
    std::vector<known_limit> table{
        {"integrations", limit_reach::credential, 20, 20, {"groups/{groupId}/integrations"}}};
    BOOST_TEST((reach_of(integ(pa), project_bucket, table, true) == limit_reach::credential));
}

BOOST_AUTO_TEST_CASE(a_projects_429_defers_that_project_only) {
    auto t0 = clock_type::now();
    scope_pacer p({}, t0);
    pace_scope a{"key", pa}, b{"key", pb};
    BOOST_TEST(secs(p.reserve(a, integ(pa), t0)) == 0.0);
    p.on_response(
        a, integ(pa), t0,
        throttled("RATE_LIMITED_TOKEN_BUCKET", "api/atlas/v2/groups/{groupId}/integrations",
                  server_rate_hint{2, 0.1}, 10s));
    BOOST_TEST(p.project_throttles() == 1u);
    BOOST_TEST(p.credential_throttles() == 0u);
    BOOST_TEST(secs(p.project_ready_at(a, t0) - t0) == 10.0, boost::test_tools::tolerance(0.01));
    BOOST_TEST((p.project_ready_at(b, t0) == t0));
    BOOST_TEST(secs(p.reserve(b, integ(pb), t0)) == 0.0);
    BOOST_TEST((p.paused_until("key") <= t0));
    // When the pause is over, one request goes (the server's bucket has one token again), the
    // next waits for the refill, 10 s later: never two 429s for one project in a row.
    auto t10 = t0 + 10s;
    BOOST_TEST(secs(p.reserve(a, integ(pa), t10)) == 0.0, boost::test_tools::tolerance(0.01));
    BOOST_TEST(secs(p.reserve(a, integ(pa), t10)) == 10.0, boost::test_tools::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(a_spurious_429_pauses_only_its_project) {
    auto t0 = clock_type::now();
    scope_pacer p({}, t0);
    pace_scope a{"key", pa}, b{"key", pb};
    p.on_response(a, integ(pa), t0, throttled("RATE_LIMITED", "", {}, 1s));
    BOOST_TEST(secs(p.project_ready_at(a, t0) - t0) == 1.0, boost::test_tools::tolerance(0.01));
    BOOST_TEST(secs(p.reserve(b, integ(pb), t0)) == 0.0);
    BOOST_TEST(p.current_rate("key") == 0.0);  // the credential's pace is untouched
}

BOOST_AUTO_TEST_CASE(a_credential_wide_limit_paces_everything) {
    auto t0 = clock_type::now();
    scope_pacer p({}, t0);
    pace_scope a{"key", pa}, b{"key", pb}, other{"key2", pb};
    p.on_response(
        a, integ(pa), t0,
        throttled("RATE_LIMITED_TOKEN_BUCKET", "api/atlas/v2", server_rate_hint{10, 10}, 1s));
    BOOST_TEST(p.credential_throttles() == 1u);
    BOOST_TEST(p.current_rate("key") > 9.0);
    BOOST_TEST(secs(p.reserve(b, integ(pb), t0)) >= 1.0);      // the pause covers project B too
    BOOST_TEST(secs(p.reserve(other, integ(pb), t0)) == 0.0);  // another credential is not slowed
}

// Issue 16: a credential's pace is kept per endpoint set. A 429 on the project listings (a
// user-scoped bucket) paced every request of the credential at the listings' refill, the
// integration writes included.
BOOST_AUTO_TEST_CASE(a_listings_429_never_slows_the_integrations) {
    auto t0 = clock_type::now();
    scope_pacer p({}, t0);
    pace_scope listing{"key", ""}, a{"key", pa};
    p.on_response(listing, "/groups", t0,
                  throttled("RATE_LIMITED_TOKEN_BUCKET", "api/atlas/v2/groups",
                            server_rate_hint{2, 0.1}, 10s));
    BOOST_TEST(p.credential_throttles() == 1u);
    BOOST_TEST(secs(p.reserve(listing, "/groups", t0)) >= 10.0);  // the listings wait
    BOOST_TEST(secs(p.reserve(listing, "/orgs/5f0000000000000000000001/groups", t0)) == 0.0);
    for (int i = 0; i < 20; ++i) BOOST_TEST(secs(p.reserve(a, integ(pa), t0)) == 0.0);
    BOOST_TEST((p.paused_until("key", integ(pa)) <= t0));
    BOOST_TEST((p.paused_until("key", "/groups") > t0));
    // Another listing family refused under the same set's name paces with it from then on.
    p.on_response(listing, "/orgs/5f0000000000000000000001/groups", t0,
                  throttled("RATE_LIMITED_TOKEN_BUCKET", "api/atlas/v2/groups",
                            server_rate_hint{2, 0.1}, 10s));
    BOOST_TEST(secs(p.reserve(listing, "/orgs/5f0000000000000000000001/groups", t0)) >= 10.0);
    BOOST_TEST(secs(p.reserve(a, integ(pa), t0)) == 0.0);
}

BOOST_AUTO_TEST_CASE(the_users_rate_caps_every_set_together) {
    auto t0 = clock_type::now();
    pacing_params params;
    params.rate = 1;
    params.burst = 1;
    scope_pacer p(params, t0);
    pace_scope listing{"key", ""}, a{"key", pa}, other{"key2", pa};
    BOOST_TEST(secs(p.reserve(listing, "/groups", t0)) == 0.0);
    BOOST_TEST(secs(p.reserve(a, integ(pa), t0)) == 1.0, boost::test_tools::tolerance(0.01));
    BOOST_TEST(secs(p.reserve(other, integ(pa), t0)) == 0.0);  // per credential
    BOOST_TEST(p.current_rate("key") == 1.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(limits_from_rate_limits_are_kept_without_a_429) {
    auto body = json::parse(R"({"results":[
        {"endpointSetName":"integrations","scope":"PROJECT","capacity":2,"refillRate":1,
         "refillDurationSeconds":10,"endpoints":["groups/{groupId}/integrations"]},
        {"endpointSetName":"all","scope":"USER","capacity":100,"refillRate":50,
         "refillDurationSeconds":1,"endpoints":["*"]},
        {"endpointSetName":"broken","scope":"USER"}],"totalCount":3})");
    auto table = parse_rate_limits(body);
    BOOST_TEST_REQUIRE(table.size() == 2u);
    BOOST_TEST(table[0].refill_per_second == 0.1, boost::test_tools::tolerance(1e-9));
    auto t0 = clock_type::now();
    scope_pacer p({}, t0);
    p.learn(table, t0);
    pace_scope a{"key", pa};
    BOOST_TEST(secs(p.reserve(a, integ(pa), t0)) == 0.0);
    BOOST_TEST(secs(p.reserve(a, integ(pa), t0)) < 0.1);
    BOOST_TEST(secs(p.reserve(a, integ(pa), t0)) == 10.0, boost::test_tools::tolerance(0.05));
    BOOST_TEST(p.current_rate("key") > 40.0);  // the credential is paced at the "all" set
}

BOOST_AUTO_TEST_CASE(whose_counter_a_header_is) {
    auto t0 = clock_type::now();
    scope_pacer p({}, t0);
    pace_scope a{"key", pa};
    scope_feedback low;
    low.status = 200;
    low.limit = 1200;
    low.remaining = 0;
    // A project's counter running dry does not slow the credential down.
    p.on_response(a, integ(pa), t0, low);
    BOOST_TEST(p.current_rate("key") == 0.0);
    // Once a credential-wide limit of that capacity is known, the same header is taken as the
    // credential's counter and slows it down.
    scope_pacer q({}, t0);
    q.learn({{"projects", limit_reach::credential, 1200, 20, {"groups"}}}, t0);
    q.on_response(a, integ(pa), t0, low);
    BOOST_TEST(q.current_rate("key") > 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
