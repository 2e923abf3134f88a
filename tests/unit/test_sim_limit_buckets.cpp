// Unit tests for the simulator's rate limits (sim/limit_buckets.hpp), from api-facts.md "Rate
// limits": buckets per endpoint set and scope, a project's bucket never slows another project,
// a user-scoped bucket is shared, the 429 body in the service's shape, rateLimits' answer.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/sim/limit_buckets.hpp"

using namespace cmbulk;
using namespace cmbulk::sim;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
limit_set spec(std::string_view s) {
    std::string err;
    auto l = limit_set::parse(s, err);
    BOOST_TEST_REQUIRE(l.has_value(), err);
    return *l;
}
limit_subject in(std::string project, std::string org = "5f0000000000000000000001") {
    return limit_subject{std::move(project), std::move(org), "simpublic", "127.0.0.1"};
}
const std::string pa = "6f0000010000000000000001", pb = "6f0000010000000000000002";
}  // namespace

BOOST_AUTO_TEST_SUITE(sim_limit_buckets)

BOOST_AUTO_TEST_CASE(endpoint_sets) {
    BOOST_TEST(endpoint_set_of("/groups/" + pa + "/integrations/SLACK") == "integrations");
    BOOST_TEST(endpoint_set_of("/groups/" + pa + "/integrations") == "integrations");
    BOOST_TEST(endpoint_set_of("/groups/" + pa + "/alertConfigs/64b6c0f2a1b2c3d4e5f60718") ==
               "integrations");
    BOOST_TEST(endpoint_set_of("/groups/" + pa) == "integrations");
    BOOST_TEST(endpoint_set_of("/groups") == "projects");
    BOOST_TEST(endpoint_set_of("/orgs/5f0000000000000000000001/groups") == "projects");
    BOOST_TEST(endpoint_set_of("/rateLimits") == "all");
}

BOOST_AUTO_TEST_CASE(specs) {
    auto s = spec("integrations=project:2:1/10");
    BOOST_TEST(s.capacity == 2);
    BOOST_TEST(s.refill == 1);
    BOOST_TEST(s.period.count() == 10);
    BOOST_TEST(s.spec() == "integrations=project:2:1/10");
    std::string err;
    for (auto bad :
         {"integrations", "x=project:1:1/1", "integrations=planet:1:1/1",
          "integrations=project:0:1/1", "integrations=project:a:1/1", "integrations=project:1:1/0"})
        BOOST_TEST_CONTEXT(bad) BOOST_TEST(!limit_set::parse(bad, err).has_value());
}

BOOST_AUTO_TEST_CASE(a_projects_bucket_never_slows_another_project) {
    limit_buckets rl({spec("integrations=project:2:1/10")});
    auto t0 = clock_type::now();
    std::string path_a = "/groups/" + pa + "/integrations/SLACK";
    std::string path_b = "/groups/" + pb + "/integrations/SLACK";
    auto d = rl.take("api/atlas/v2", path_a, in(pa), t0);
    BOOST_TEST(d.allowed);
    BOOST_TEST(d.limit == 2);
    BOOST_TEST(d.remaining == 1);
    BOOST_TEST(rl.take("api/atlas/v2", path_a, in(pa), t0).allowed);
    auto refused = rl.take("api/atlas/v2", path_a, in(pa), t0);
    BOOST_TEST(!refused.allowed);
    BOOST_TEST(refused.retry_after_seconds == 10);
    // Project B has its own bucket.
    BOOST_TEST(rl.take("api/atlas/v2", path_b, in(pb), t0).allowed);
    BOOST_TEST(rl.take("api/atlas/v2", path_b, in(pb), t0).allowed);
    // A refill of one token per ten seconds.
    BOOST_TEST(!rl.take("api/atlas/v2", path_a, in(pa), t0 + 9s).allowed);
    BOOST_TEST(rl.take("api/atlas/v2", path_a, in(pa), t0 + 10s).allowed);
    // Listings are not in the project set.
    BOOST_TEST(rl.take("api/atlas/v2", "/groups", in(""), t0).allowed);
}

BOOST_AUTO_TEST_CASE(user_and_org_scopes_are_shared) {
    limit_buckets rl({spec("all=user:3:10/1"), spec("integrations=org:100:20/1")});
    auto t0 = clock_type::now();
    int allowed = 0;
    for (auto& p : {pa, pb, pa, pb})
        allowed += rl.take("api/public/v1.0", "/groups/" + p + "/integrations", in(p), t0).allowed;
    BOOST_TEST(allowed == 3);  // one user bucket of 3 over both projects
    auto refused = rl.take("api/public/v1.0", "/groups/" + pa + "/integrations", in(pa), t0);
    BOOST_TEST(refused.refused_set == "api/public/v1.0");  // a limit on the whole API
    auto other_key = in(pa);
    other_key.user = "simpublic-0002";
    BOOST_TEST(
        rl.take("api/public/v1.0", "/groups/" + pa + "/integrations", other_key, t0).allowed);
}

BOOST_AUTO_TEST_CASE(the_429_body_as_the_service_writes_it) {
    limit_buckets rl({spec("projects=org:10:5/60")});
    auto t0 = clock_type::now();
    for (int i = 0; i < 10; ++i) BOOST_TEST(rl.take("api/atlas/v2", "/orgs", in(""), t0).allowed);
    auto d = rl.take("api/atlas/v2", "/orgs", in(""), t0);
    BOOST_TEST_REQUIRE(!d.allowed);
    auto body = json::parse(rate_limited_body(d)).as_object();
    BOOST_TEST(body.at("detail").as_string() ==
               "Rate limit exceeded for api/atlas/v2/orgs. Please retry after 12 seconds. Request "
               "capacity: 10. Refill rate: 5 per 60 seconds.");
    BOOST_TEST(body.at("error").as_int64() == 429);
    BOOST_TEST(body.at("errorCode").as_string() == "RATE_LIMITED_TOKEN_BUCKET");
    BOOST_TEST(body.at("reason").as_string() == "Too Many Requests");
    BOOST_TEST(json::serialize(body.at("parameters")) == R"(["api/atlas/v2/orgs",12,10,5,60])");
}

BOOST_AUTO_TEST_CASE(rate_limits_endpoint_answer) {
    limit_buckets rl({spec("integrations=project:1200:1200/60"), spec("projects=user:100:100/60")});
    auto t0 = clock_type::now();
    rl.take("api/atlas/v2", "/groups/" + pa + "/integrations/SLACK", in(pa), t0);
    auto all = rl.describe({}, t0).as_object();
    BOOST_TEST(all.at("totalCount").as_uint64() == 2u);
    auto& first = all.at("results").at(0).as_object();
    BOOST_TEST(first.at("endpointSetName").as_string() == "integrations");
    BOOST_TEST(first.at("scope").as_string() == "PROJECT");
    BOOST_TEST(first.at("capacity").as_int64() == 1200);
    BOOST_TEST(first.at("refillRate").as_int64() == 1200);
    BOOST_TEST(first.at("refillDurationSeconds").as_int64() == 60);
    BOOST_TEST(!first.contains("currentlyAvailable"));
    BOOST_TEST(
        json::serialize(first.at("endpoints")) ==
        R"(["groups/{groupId}","groups/{groupId}/integrations","groups/{groupId}/alertConfigs"])");
    auto one = rl.describe({{"groupId", pa}}, t0).as_object();
    BOOST_TEST(one.at("results").at(0).at("currentlyAvailable").as_int64() == 1199);
    BOOST_TEST(!one.at("results").at(1).as_object().contains("currentlyAvailable"));
    // The default is the live-like one.
    auto d = default_limit_sets();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(d[0].spec() == "integrations=project:1200:1200/60");
}

BOOST_AUTO_TEST_SUITE_END()
