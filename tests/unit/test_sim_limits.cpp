// Unit tests of the simulator core's rate limits as api-facts.md ("Rate limits") has them,
// stepped by hand on a fake clock: buckets per endpoint set and scope (a project's bucket never
// refuses another project; a user's spans them), the live-like defaults (1200 per project on the
// integrations set), the documented 429 body and headers, GET /api/atlas/v2/rateLimits (media
// type 2025-03-12, filters), the token endpoint's own 429, and the request log naming the
// bucket that refused.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/sim/core.hpp"
#include "unit/sim_core_client.hpp"

using namespace cmbulk;
using namespace cmbulk::sim;
using cmbulk::test::body_of;
using cmbulk::test::core_client;
namespace json = boost::json;

namespace {

const std::string p1 = "6f0000010000000000000001";
const std::string p2 = "6f0000010000000000000002";
std::string integrations(const std::string& p) {
    return "/api/public/v1.0/groups/" + p + "/integrations";
}

core_options with_limits(std::vector<std::string> specs) {
    core_options o;
    o.limits.clear();
    for (auto& s : specs) {
        std::string error;
        auto l = limit_set::parse(s, error);
        BOOST_TEST_REQUIRE(l.has_value(), error);
        o.limits.push_back(*l);
    }
    return o;
}

/// The last log entry as JSON.
json::object last_logged(const core& c) {
    auto log = c.log_json().as_array();
    BOOST_TEST_REQUIRE(!log.empty());
    return log.back().as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_limits)

BOOST_AUTO_TEST_CASE(a_project_bucket_refuses_only_its_project) {
    auto t0 = clock_type::now();
    core c(with_limits({"integrations=project:2:1/10"}), world::generate(1, 2), t0);
    core_client cl{c, t0};
    BOOST_TEST(cl.send("GET", integrations(p1)).status == 200);
    auto second = cl.send("GET", integrations(p1));
    BOOST_TEST(second.header("RateLimit-Limit") == "2");
    BOOST_TEST(second.header("RateLimit-Remaining") == "0");
    auto refused = cl.send("GET", integrations(p1));
    BOOST_TEST(refused.status == 429);
    BOOST_TEST(refused.header("Retry-After") == "10");
    BOOST_TEST(refused.header("RateLimit-Limit") == "2");
    BOOST_TEST(refused.header("RateLimit-Remaining") == "0");
    auto b = body_of(refused).as_object();
    BOOST_TEST(b.at("errorCode").as_string() == "RATE_LIMITED_TOKEN_BUCKET");
    BOOST_TEST(b.at("reason").as_string() == "Too Many Requests");
    BOOST_TEST(json::serialize(b.at("parameters")) ==
               R"(["api/public/v1.0/groups/{groupId}/integrations",10,2,1,10])");
    BOOST_TEST(b.at("detail").as_string() ==
               "Rate limit exceeded for api/public/v1.0/groups/{groupId}/integrations. Please "
               "retry after 10 seconds. Request capacity: 2. Refill rate: 1 per 10 seconds.");
    // The log says which bucket refused.
    auto e = last_logged(c);
    BOOST_TEST(e.at("status").as_int64() == 429);
    BOOST_TEST(e.at("limit").as_string() == "integrations");
    BOOST_TEST(e.at("limitScope").as_string() == "project");
    BOOST_TEST(e.at("limitKey").as_string() == p1);
    // Another project's bucket is full.
    auto other = cl.send("GET", integrations(p2));
    BOOST_TEST(other.status == 200);
    BOOST_TEST(other.header("RateLimit-Remaining") == "1");
    BOOST_TEST(!last_logged(c).contains("limit"));
    // One token back after the refill period.
    cl.now += std::chrono::seconds(10);
    BOOST_TEST(cl.send("GET", integrations(p1)).status == 200);
}

BOOST_AUTO_TEST_CASE(a_user_bucket_spans_projects) {
    auto t0 = clock_type::now();
    core c(with_limits({"all=user:2:10/1"}), world::generate(1, 2), t0);
    core_client cl{c, t0};
    BOOST_TEST(cl.send("GET", integrations(p1)).status == 200);
    BOOST_TEST(cl.send("GET", integrations(p2)).status == 200);
    auto refused = cl.send("GET", "/api/public/v1.0/groups");
    BOOST_TEST(refused.status == 429);
    BOOST_TEST(refused.header("Retry-After") == "1");
    BOOST_TEST(body_of(refused).at("parameters").at(0).as_string() == "api/public/v1.0");
    auto e = last_logged(c);
    BOOST_TEST(e.at("limit").as_string() == "all");
    BOOST_TEST(e.at("limitScope").as_string() == "user");
    BOOST_TEST(e.at("limitKey").as_string() == std::string(generated_public_key));
}

BOOST_AUTO_TEST_CASE(live_like_defaults) {
    auto t0 = clock_type::now();
    core c({}, world::generate(1, 1), t0);
    core_client cl{c, t0};
    auto a = cl.send("GET", integrations(p1));
    BOOST_TEST(a.status == 200);
    BOOST_TEST(a.header("RateLimit-Limit") == "1200");
    BOOST_TEST(a.header("RateLimit-Remaining") == "1199");
    // Project listings: their capacity is not published, so no bucket (and no header) unless
    // one is asked for; then they count per user, apart from the project's set.
    auto l = cl.send("GET", "/api/public/v1.0/groups");
    BOOST_TEST(l.status == 200);
    BOOST_TEST(l.header("RateLimit-Limit") == "");
    core_options listed;
    std::string error;
    listed.limits.push_back(*limit_set::parse("projects=user:100:100/60", error));
    core lc(listed, world::generate(1, 1), t0);
    core_client cll{lc, t0};
    auto l2 = cll.send("GET", "/api/public/v1.0/groups");
    BOOST_TEST(l2.header("RateLimit-Limit") == "100");
    BOOST_TEST(l2.header("RateLimit-Remaining") == "99");
    // --no-limits: no buckets, no headers.
    core_options none;
    none.limits.clear();
    core bare(none, world::generate(1, 1), t0);
    core_client cb{bare, t0};
    BOOST_TEST(cb.send("GET", integrations(p1)).header("RateLimit-Limit") == "");
}

BOOST_AUTO_TEST_CASE(the_rate_limit_option_is_a_user_bucket_in_the_log) {
    auto t0 = clock_type::now();
    core_options o;
    o.rate_limit = 1;
    o.rate_burst = 1;
    core c(o, world::generate(1, 2), t0);
    core_client cl{c, t0};
    BOOST_TEST(cl.send("GET", integrations(p1)).status == 200);
    BOOST_TEST(cl.send("GET", integrations(p2)).status == 429);
    auto e = last_logged(c);
    BOOST_TEST(e.at("limit").as_string() == "rate-limit");
    BOOST_TEST(e.at("limitScope").as_string() == "user");
}

BOOST_AUTO_TEST_CASE(rate_limits_endpoint) {
    auto t0 = clock_type::now();
    core c(with_limits({"integrations=project:2:1/10", "projects=org:10:5/60"}),
           world::generate(1, 1), t0);
    core_client cl{c, t0};
    // Only from the 2025-03-12 version on.
    cl.headers["accept"] = "application/vnd.atlas.2023-01-01+json";
    BOOST_TEST(cl.send("GET", "/api/atlas/v2/rateLimits").status == 406);
    cl.headers["accept"] = "application/vnd.atlas.2025-03-12+json";
    BOOST_TEST(cl.send("GET", "/api/public/v1.0/rateLimits").status == 404);
    auto r = cl.send("GET", "/api/atlas/v2/rateLimits");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.content_type == "application/vnd.atlas.2025-03-12+json;charset=utf-8");
    auto b = body_of(r).as_object();
    BOOST_TEST(b.at("totalCount").as_int64() == 2);
    auto first = b.at("results").at(0).as_object();
    BOOST_TEST(first.at("endpointSetName").as_string() == "integrations");
    BOOST_TEST(first.at("scope").as_string() == "PROJECT");
    BOOST_TEST(first.at("capacity").as_int64() == 2);
    BOOST_TEST(first.at("refillRate").as_int64() == 1);
    BOOST_TEST(first.at("refillDurationSeconds").as_int64() == 10);
    BOOST_TEST(b.at("results").at(1).at("scope").as_string() == "ORGANIZATION");
    // A filter adds what that scope key has left.
    cl.headers["accept"] = "application/vnd.atlas.2023-01-01+json";
    BOOST_TEST(cl.send("GET", "/api/atlas/v2/groups/" + p1 + "/integrations").status != 429);
    cl.headers["accept"] = "application/vnd.atlas.2025-03-12+json";
    auto f = body_of(cl.send("GET", "/api/atlas/v2/rateLimits?groupId=" + p1));
    BOOST_TEST(f.at("results").at(0).at("currentlyAvailable").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(config_replaces_the_limits) {
    auto t0 = clock_type::now();
    core c({}, world::generate(1, 1), t0);
    request cfg;
    cfg.method = "POST";
    cfg.target = "/__sim/config";
    cfg.body = R"({"limits":["integrations=project:1:1/60"]})";
    BOOST_TEST(c.handle(cfg, t0).status == 200);
    cfg.body = R"({"limits":["integrations=nowhere:1:1/60"]})";
    BOOST_TEST(c.handle(cfg, t0).status == 400);
    BOOST_TEST(c.options().limits.size() == 1u);
    core_client cl{c, t0};
    BOOST_TEST(cl.send("GET", integrations(p1)).status == 200);
    BOOST_TEST(cl.send("GET", integrations(p1)).status == 429);
    // Reset refills the buckets.
    c.reset(t0);
    core_client again{c, t0};
    BOOST_TEST(again.send("GET", integrations(p1)).status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
