// Unit tests of the simulator's pure core, without sockets and on a fake clock: pagination math,
// masking in responses, validation errors, Digest nonce-count replay and expiry, per-key token
// buckets, and reproducible fault decisions.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <set>

#include "cmbulk/sim/core.hpp"

using namespace cmbulk;
using namespace cmbulk::sim;
namespace json = boost::json;

namespace {

const std::string project_id = "6f0000010000000000000001";
const std::string base = "/api/public/v1.0/groups/" + project_id + "/integrations";

// A client of the core: answers challenges with digest::make_authorization, nc counting up.
struct fake_client {
    fake_client(core& core_ref, time_point t) : c(core_ref), now(t) {}
    core& c;
    time_point now;
    std::string user = std::string(generated_public_key);
    std::string password = std::string(generated_private_key);
    digest::challenge ch;
    std::uint32_t nc = 0;

    response send(std::string method, std::string target, std::string body = {},
                  bool fresh = false) {
        request req;
        req.method = method;
        req.target = target;
        req.body = body;
        if (!ch.nonce.empty() && !fresh)
            req.headers["authorization"] =
                digest::make_authorization(ch, user, password, method, target, ++nc, "cn");
        auto r = c.handle(req, now);
        if (r.status == 401 && !r.header("WWW-Authenticate").empty()) {
            auto parsed = digest::parse_challenge(r.header("WWW-Authenticate"));
            BOOST_REQUIRE(parsed.has_value());
            ch = *parsed;
            nc = 0;
            req.headers["authorization"] =
                digest::make_authorization(ch, user, password, method, target, ++nc, "cn");
            r = c.handle(req, now);
        }
        return r;
    }
};

json::value body_of(const response& r) { return json::parse(r.body); }

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_core)

BOOST_AUTO_TEST_CASE(pagination_math) {
    auto w = paginate(6, 1, 4);
    BOOST_TEST(w.begin == 0u);
    BOOST_TEST(w.end == 4u);
    BOOST_TEST(w.has_next);
    BOOST_TEST(!w.has_previous);
    w = paginate(6, 2, 4);
    BOOST_TEST(w.begin == 4u);
    BOOST_TEST(w.end == 6u);
    BOOST_TEST(!w.has_next);
    BOOST_TEST(w.has_previous);
    w = paginate(6, 9, 4);
    BOOST_TEST(w.begin == 6u);
    BOOST_TEST(w.end == 6u);
    BOOST_TEST(!w.has_next);
    w = paginate(0, 1, 100);
    BOOST_TEST(w.begin == w.end);
    BOOST_TEST(!w.has_next);
    w = paginate(1000, 2, 500);
    BOOST_TEST(w.begin == 500u);
    BOOST_TEST(w.end == 1000u);
    BOOST_TEST(!w.has_next);
    w = paginate(10, 999'999'999'999, 500);  // no overflow
    BOOST_TEST(w.begin == 10u);
    BOOST_TEST(w.end == 10u);
}

BOOST_AUTO_TEST_CASE(masking_in_responses) {
    json::object webhook{
        {"type", "WEBHOOK"}, {"url", "https://h.example/abcdefgh"}, {"secret", "topsecret"}};
    auto m = masked_view(webhook);
    BOOST_TEST(m.at("url").as_string() == "https://h.example*****efgh");
    BOOST_TEST(m.at("secret").as_string() == "*********");
    json::object prom{
        {"type", "PROMETHEUS"}, {"username", "u"}, {"password", "p4ss"}, {"enabled", true}};
    m = masked_view(prom);
    BOOST_TEST(!m.contains("password"));
    BOOST_TEST(m.at("username").as_string() == "u");
    BOOST_TEST(m.at("enabled").as_bool());
    json::object pd{{"type", "PAGER_DUTY"}, {"serviceKey", "1234567890"}};
    BOOST_TEST(masked_view(pd).at("serviceKey").as_string() == "******7890");
}

BOOST_AUTO_TEST_CASE(crud_and_validation_through_handle) {
    auto t0 = clock_type::now();
    core c({}, world::generate(1, 2), t0);
    fake_client cl{c, t0};
    auto r = cl.send("GET", base + "/SLACK");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(body_of(r).at("errorCode").as_string() == "INTEGRATION_NOT_CONFIGURED");

    struct row {
        std::string body, code, field;
    };
    std::vector<row> rows{
        {"{nope", "INVALID_JSON", ""},
        {R"({"type":"OPS_GENIE","apiKey":"k"})", "VALIDATION_ERROR", "type"},
        {R"({"type":"SLACK","teamName":"t"})", "VALIDATION_ERROR", "apiToken"},
        {R"({"type":"SLACK","apiToken":"t","teamName":"t","extra":1})", "VALIDATION_ERROR",
         "extra"},
        {R"({"type":"SLACK","apiToken":"t","teamName":true})", "VALIDATION_ERROR", "teamName"},
    };
    for (auto& row : rows) {
        BOOST_TEST_CONTEXT(row.body) {
            r = cl.send("POST", base + "/SLACK", row.body);
            BOOST_TEST(r.status == 400);
            auto b = body_of(r);
            BOOST_TEST(b.at("errorCode").as_string() == row.code);
            BOOST_TEST(b.at("reason").as_string() == "Bad Request");
            if (!row.field.empty()) BOOST_TEST(b.at("parameters").at(0).as_string() == row.field);
        }
    }
    r = cl.send("POST", base + "/SLACK",
                R"({"type":"SLACK","apiToken":"xoxb-000011112222","teamName":"t"})");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(body_of(r).at("results").at(0).at("apiToken").as_string() == "*************2222");
    BOOST_TEST(
        cl.send("POST", base + "/SLACK", R"({"type":"SLACK","apiToken":"x1234","teamName":"t"})")
            .status == 409);
    BOOST_TEST(c.state().projects.at(project_id).creates == 1u);
    BOOST_TEST(cl.send("DELETE", base + "/SLACK").status == 200);
    BOOST_TEST(c.state().projects.at(project_id).deletes == 1u);
    BOOST_TEST(c.state().projects.at(project_id).integrations.empty());
}

BOOST_AUTO_TEST_CASE(nonce_count_replay_and_expiry) {
    auto t0 = clock_type::now();
    core_options o;
    o.nonce_lifetime = std::chrono::seconds(300);
    core c(o, world::generate(1, 1), t0);
    fake_client cl{c, t0};
    BOOST_TEST(cl.send("GET", base).status == 200);  // 401 then 200 with nc=1
    BOOST_TEST(c.log().size() == 2u);

    // Same nonce, nc 2: accepted without a challenge.
    request req;
    req.method = "GET";
    req.target = base;
    req.headers["authorization"] =
        digest::make_authorization(cl.ch, cl.user, cl.password, "GET", base, 2, "cn");
    BOOST_TEST(c.handle(req, t0).status == 200);
    // The same nc again: a replay, refused with a fresh (not stale) challenge.
    auto replay = c.handle(req, t0);
    BOOST_TEST(replay.status == 401);
    BOOST_TEST(replay.header("WWW-Authenticate").find("stale=false") != std::string::npos);
    // nc 1 was used too.
    req.headers["authorization"] =
        digest::make_authorization(cl.ch, cl.user, cl.password, "GET", base, 1, "cn");
    BOOST_TEST(c.handle(req, t0).status == 401);
    // A jump ahead is fine, and an unseen count inside the window (concurrent requests) too.
    req.headers["authorization"] =
        digest::make_authorization(cl.ch, cl.user, cl.password, "GET", base, 10, "cn");
    BOOST_TEST(c.handle(req, t0).status == 200);
    req.headers["authorization"] =
        digest::make_authorization(cl.ch, cl.user, cl.password, "GET", base, 7, "cn");
    BOOST_TEST(c.handle(req, t0).status == 200);
    BOOST_TEST(c.handle(req, t0).status == 401);

    // Wrong password: 401 stale=false.
    req.headers["authorization"] =
        digest::make_authorization(cl.ch, cl.user, "wrong", "GET", base, 11, "cn");
    auto wrong = c.handle(req, t0);
    BOOST_TEST(wrong.status == 401);
    BOOST_TEST(wrong.header("WWW-Authenticate").find("stale=false") != std::string::npos);

    // After the lifetime: 401 stale=true, and the new nonce works.
    auto later = t0 + std::chrono::seconds(301);
    req.headers["authorization"] =
        digest::make_authorization(cl.ch, cl.user, cl.password, "GET", base, 12, "cn");
    auto stale = c.handle(req, later);
    BOOST_TEST(stale.status == 401);
    BOOST_TEST(stale.header("WWW-Authenticate").find("stale=true") != std::string::npos);
    auto ch = digest::parse_challenge(stale.header("WWW-Authenticate"));
    BOOST_REQUIRE(ch.has_value());
    BOOST_TEST(ch->stale);
    req.headers["authorization"] =
        digest::make_authorization(*ch, cl.user, cl.password, "GET", base, 1, "cn");
    BOOST_TEST(c.handle(req, later).status == 200);

    // A uri that is not the request's target is refused.
    req.headers["authorization"] = digest::make_authorization(*ch, cl.user, cl.password, "GET",
                                                              "/api/public/v1.0/orgs", 2, "cn");
    BOOST_TEST(c.handle(req, later).status == 401);
}

BOOST_AUTO_TEST_CASE(per_key_bucket_on_fake_clock) {
    auto t0 = clock_type::now();
    core_options o;
    o.rate_limit = 1;
    o.rate_burst = 2;
    core c(o, world::generate(1, 1), t0);
    fake_client cl{c, t0};
    auto a = cl.send("GET", base);
    BOOST_TEST(a.status == 200);
    BOOST_TEST(a.header("RateLimit-Limit") == "2");
    BOOST_TEST(a.header("RateLimit-Remaining") == "1");
    BOOST_TEST(cl.send("GET", base).status == 200);
    auto limited = cl.send("GET", base);
    BOOST_TEST(limited.status == 429);
    BOOST_TEST(limited.header("Retry-After") == "1");
    auto b = body_of(limited);
    BOOST_TEST(b.at("errorCode").as_string() == "RATE_LIMITED_TOKEN_BUCKET");
    BOOST_TEST(b.at("parameters").at(2).as_int64() == 2);  // capacity
    cl.now += std::chrono::milliseconds(1001);
    BOOST_TEST(cl.send("GET", base).status == 200);
}

BOOST_AUTO_TEST_CASE(faults_follow_the_seed) {
    auto sequence = [](std::uint64_t seed) {
        auto t0 = clock_type::now();
        core_options o;
        o.fault_seed = seed;
        o.faults = {{fault_kind::http_500, 0.2},
                    {fault_kind::reset_before, 0.1},
                    {fault_kind::reset_after, 0.1}};
        o.latency = std::chrono::milliseconds(5);
        o.latency_jitter = std::chrono::milliseconds(10);
        core c(o, world::generate(1, 1), t0);
        fake_client cl{c, t0};
        std::vector<std::string> out;
        for (int i = 0; i < 200; ++i) {
            auto r =
                cl.send("PUT", base + "/PAGER_DUTY",
                        R"({"type":"PAGER_DUTY","serviceKey":"k-)" + std::to_string(i) + "\"}");
            BOOST_TEST(r.delay.count() >= 5);
            BOOST_TEST(r.delay.count() <= 15);
            out.push_back(std::string(to_string(r.fault)) + "/" + std::to_string(r.status));
        }
        // reset-before never applies the change; reset-after and no fault do.
        std::uint64_t applied = 0;
        for (auto& e : c.log())
            if (e.status == 200) ++applied;
        auto& p = c.state().projects.at(project_id);
        BOOST_TEST(p.creates + p.updates == applied);
        return out;
    };
    auto a = sequence(42), b = sequence(42), other = sequence(43);
    BOOST_TEST(a == b, boost::test_tools::per_element());
    BOOST_TEST(a != other);
    auto n500 = std::count(a.begin(), a.end(), "500/500");
    BOOST_TEST(n500 > 20);  // about 40 of 200
    BOOST_TEST(n500 < 70);
    BOOST_TEST(std::count(a.begin(), a.end(), "reset-before/0") > 5);
}

BOOST_AUTO_TEST_CASE(admin_endpoints_and_loopback) {
    auto t0 = clock_type::now();
    core c({}, world::generate(2, 2), t0);
    request req;
    req.method = "GET";
    req.target = "/__sim/state";
    auto r = c.handle(req, t0);
    BOOST_TEST(r.status == 200);
    auto state = body_of(r);
    BOOST_TEST(state.at("orgs").as_array().size() == 2u);
    BOOST_TEST(state.at("apiKeys").at(0).at("privateKey").as_string() == generated_private_key);
    BOOST_TEST(state.at("orgs").at(0).at("projects").at(0).at("creates").as_int64() == 0);
    req.loopback = false;
    BOOST_TEST(c.handle(req, t0).status == 403);
    BOOST_TEST(c.log().empty());  // admin calls are not logged

    // Seed round trip.
    auto w = world::from_json(c.state().to_json(false));
    BOOST_TEST(w.projects.size() == 4u);
    BOOST_CHECK_THROW(world::from_json(json::parse(R"({"orgs":[{"id":"bad","name":"x"}]})")),
                      std::runtime_error);
}

BOOST_AUTO_TEST_CASE(generated_world_with_integrations) {
    auto w = world::generate(2, 3, {"PAGER_DUTY", "SLACK", "DATADOG"});
    BOOST_TEST(w.projects.size() == 6u);
    std::set<std::string> keys;
    for (auto& [id, p] : w.projects) {
        BOOST_TEST_CONTEXT(id) {
            BOOST_TEST(p.integrations.size() == 3u);
            auto& pd = p.integrations.at("PAGER_DUTY");
            auto key = std::string(pd.at("serviceKey").as_string());
            BOOST_TEST(key.size() == 32u);
            BOOST_TEST(key.find_first_not_of("0123456789abcdef") == std::string::npos);
            keys.insert(key);
            // Every field a flavor requires, so the same world serves every flavor.
            BOOST_TEST(p.integrations.at("SLACK").contains("channelName"));
            BOOST_TEST(p.integrations.at("SLACK").contains("teamName"));
            BOOST_TEST(p.integrations.at("DATADOG").at("type").as_string() == "DATADOG");
        }
    }
    BOOST_TEST(keys.size() == 6u);  // distinct per project
    // Deterministic: the same call gives the same world.
    auto again = world::generate(2, 3, {"PAGER_DUTY", "SLACK", "DATADOG"});
    BOOST_TEST(json::serialize(again.to_json(false)) == json::serialize(w.to_json(false)));
    BOOST_TEST(world::generate(1, 2).projects.begin()->second.integrations.empty());
    BOOST_CHECK_THROW(world::generate(1, 1, {"SLAKC"}), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
