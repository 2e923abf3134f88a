// Unit tests of the simulator's pure core, without sockets and on a fake clock: pagination math,
// CRUD and validation errors, Digest nonces (format, nonce-count replay, expiry, one request per
// nonce with --nonce-reuse refuse), per-key token buckets, reproducible fault decisions, admin
// endpoints (revoking a key mid-run), the access list and base64 units, the seed's rules per
// service and the generated world.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <set>

#include "cmbulk/sim/core.hpp"
#include "unit/sim_core_client.hpp"

using namespace cmbulk;
using namespace cmbulk::sim;
using cmbulk::test::body_of;
using cmbulk::test::core_client;
namespace json = boost::json;

namespace {

const std::string project_id = "6f0000010000000000000001";
const std::string base = "/api/public/v1.0/groups/" + project_id + "/integrations";
const std::string pd_key = "0123456789abcdef0123456789abcdef";  // 32 hex digits

request admin(std::string method, std::string target, std::string body = {}) {
    request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    return req;
}

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

BOOST_AUTO_TEST_CASE(crud_and_validation_through_handle) {
    auto t0 = clock_type::now();
    core c({}, world::generate(1, 2), t0);
    core_client cl{c, t0};
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
        // v2's field is unknown on Cloud Manager.
        {R"({"type":"SLACK","apiToken":"t","teamName":"t","bodyTemplate":"x"})", "VALIDATION_ERROR",
         "bodyTemplate"},
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

BOOST_AUTO_TEST_CASE(nonces_are_32_characters_of_base64) {
    auto t0 = clock_type::now();
    core c({}, world::generate(1, 1), t0);
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        auto r = c.handle(admin("GET", base), t0);
        BOOST_REQUIRE_EQUAL(r.status, 401);
        auto ch = digest::parse_challenge(r.header("WWW-Authenticate"));
        BOOST_REQUIRE(ch.has_value());
        BOOST_TEST(ch->nonce.size() == 32u);
        BOOST_TEST(
            ch->nonce.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789+/") == std::string::npos);
        seen.insert(ch->nonce);
    }
    BOOST_TEST(seen.size() == 200u);
    // Over 200 nonces of 24 random bytes, '+' and '/' both turn up.
    std::string all;
    for (auto& n : seen) all += n;
    BOOST_TEST(all.find('+') != std::string::npos);
    BOOST_TEST(all.find('/') != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nonce_count_replay_and_expiry) {
    auto t0 = clock_type::now();
    core_options o;
    o.nonce_lifetime = std::chrono::seconds(300);
    core c(o, world::generate(1, 1), t0);
    core_client cl{c, t0};
    BOOST_TEST(cl.send("GET", base).status == 200);  // 401 then 200 with nc=1
    BOOST_TEST(c.log().size() == 2u);

    // Same nonce, nc 2: accepted without a challenge.
    auto req = admin("GET", base);
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

BOOST_AUTO_TEST_CASE(nonce_reuse_refused_makes_each_nonce_good_once) {
    auto t0 = clock_type::now();
    core_options o;
    o.reuse = nonce_reuse::refuse;
    core c(o, world::generate(1, 1), t0);
    core_client cl{c, t0};
    BOOST_TEST(cl.send("GET", base).status == 200);  // challenge, then nc=1
    // The same nonce with the next count: refused as a wrong key is, fresh challenge, stale=false.
    auto req = admin("GET", base);
    req.headers["authorization"] =
        digest::make_authorization(cl.ch, cl.user, cl.password, "GET", base, 2, "cn");
    auto reused = c.handle(req, t0);
    BOOST_TEST(reused.status == 401);
    auto fresh = digest::parse_challenge(reused.header("WWW-Authenticate"));
    BOOST_REQUIRE(fresh.has_value());
    BOOST_TEST(!fresh->stale);
    BOOST_TEST(fresh->nonce != cl.ch.nonce);
    BOOST_TEST(reused.body ==
               R"({"error":401,"reason":"Unauthorized","detail":"You are not authorized for this )"
               R"(resource.","errorCode":"UNEXPECTED_ERROR"})");
    // The fresh nonce serves exactly one request.
    req.headers["authorization"] =
        digest::make_authorization(*fresh, cl.user, cl.password, "GET", base, 1, "cn");
    BOOST_TEST(c.handle(req, t0).status == 200);
    BOOST_TEST(c.handle(req, t0).status == 401);
    // A client answering every challenge: at most two requests per call, every call done.
    core_client again{c, t0};
    for (int i = 0; i < 50; ++i) BOOST_TEST(again.send("GET", base).status == 200);
    BOOST_TEST(again.sent == 100);
    // The accept mode takes the reuse (the default).
    core c2({}, world::generate(1, 1), t0);
    core_client reuse{c2, t0};
    for (int i = 0; i < 50; ++i) BOOST_TEST(reuse.send("GET", base).status == 200);
    BOOST_TEST(reuse.sent == 51);
}

BOOST_AUTO_TEST_CASE(per_key_bucket_on_fake_clock) {
    auto t0 = clock_type::now();
    core_options o;
    o.rate_limit = 1;
    o.rate_burst = 2;
    core c(o, world::generate(1, 1), t0);
    core_client cl{c, t0};
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
    BOOST_TEST(b.at("parameters").at(0).as_string() == "api/public/v1.0/groups");
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
        core_client cl{c, t0};
        std::vector<std::string> out;
        for (int i = 0; i < 200; ++i) {
            char key[40];
            std::snprintf(key, sizeof key, "%032x", i);
            auto r = cl.send("PUT", base + "/PAGER_DUTY",
                             R"({"type":"PAGER_DUTY","serviceKey":")" + std::string(key) + "\"}");
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
    auto r = c.handle(admin("GET", "/__sim/state"), t0);
    BOOST_TEST(r.status == 200);
    auto state = body_of(r);
    BOOST_TEST(state.at("orgs").as_array().size() == 2u);
    BOOST_TEST(state.at("orgs").at(0).at("kind").as_string() == "cloud-manager");
    BOOST_TEST(state.at("apiKeys").at(0).at("privateKey").as_string() == generated_private_key);
    BOOST_TEST(state.at("apiKeys").at(0).at("roles").at(0).as_string() == "ORG_OWNER");
    BOOST_TEST(state.at("orgs").at(0).at("projects").at(0).at("creates").as_int64() == 0);
    auto remote = admin("GET", "/__sim/state");
    remote.loopback = false;
    BOOST_TEST(c.handle(remote, t0).status == 403);
    BOOST_TEST(c.log().empty());  // admin calls are not logged

    // Seed round trip.
    auto w = world::from_json(c.state().to_json(false));
    BOOST_TEST(w.projects.size() == 4u);
    BOOST_CHECK_THROW(world::from_json(json::parse(R"({"orgs":[{"id":"bad","name":"x"}]})")),
                      std::runtime_error);

    // Config at run time: nonce reuse and the access list.
    r = c.handle(admin("POST", "/__sim/config", R"({"nonceReuse":"refuse"})"), t0);
    BOOST_TEST(r.status == 200);
    BOOST_TEST((c.options().reuse == nonce_reuse::refuse));
    BOOST_TEST(c.handle(admin("POST", "/__sim/config", R"({"nonceReuse":"maybe"})"), t0).status ==
               400);
    BOOST_TEST(
        c.handle(admin("POST", "/__sim/config", R"({"accessList":"10.0.0.0/33"})"), t0).status ==
        400);
}

BOOST_AUTO_TEST_CASE(revoking_a_key_mid_run) {
    auto t0 = clock_type::now();
    core c({}, world::generate(2, 1), t0);
    core_client owner{c, t0};
    owner.user = generated_org_public_key(1);
    owner.password = generated_org_private_key(1);
    BOOST_TEST(owner.send("GET", base).status == 200);
    auto r = c.handle(admin("POST", "/__sim/keys/" + generated_org_public_key(1) + "/revoke"), t0);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(c.state().api_keys.at(1).revoked);
    // From now on the key is answered as a wrong key: 401, a fresh challenge, stale=false.
    auto refused = owner.send("GET", base);
    BOOST_TEST(refused.status == 401);
    BOOST_TEST(refused.header("WWW-Authenticate").find("stale=false") != std::string::npos);
    // The other keys are untouched; an unknown id is 404; reset restores the key.
    core_client global{c, t0};
    BOOST_TEST(global.send("GET", base).status == 200);
    BOOST_TEST(c.handle(admin("POST", "/__sim/keys/nobody/revoke"), t0).status == 404);
    BOOST_TEST(c.handle(admin("POST", "/__sim/reset"), t0).status == 200);
    core_client restored{c, t0};
    restored.user = owner.user;
    restored.password = owner.password;
    BOOST_TEST(restored.send("GET", base).status == 200);
}

BOOST_AUTO_TEST_CASE(access_list_blocks_and_base64) {
    auto list = access_list::parse("10.0.0.0/8,192.168.1.7,2001:db8::/32");
    BOOST_TEST(list.allows("10.255.0.1"));
    BOOST_TEST(!list.allows("11.0.0.1"));
    BOOST_TEST(list.allows("192.168.1.7"));
    BOOST_TEST(!list.allows("192.168.1.8"));
    BOOST_TEST(list.allows("::ffff:10.1.2.3"));  // an IPv4-mapped address is its IPv4 self
    BOOST_TEST(list.allows("2001:db8:1::5"));
    BOOST_TEST(!list.allows("2001:db9::1"));
    BOOST_TEST(!list.allows("not-an-address"));
    BOOST_TEST(access_list::parse("").allows("1.2.3.4"));
    BOOST_CHECK_THROW(access_list::parse("10.0.0.0/40"), std::invalid_argument);
    BOOST_CHECK_THROW(access_list::parse("example.com"), std::invalid_argument);

    BOOST_TEST(base64_encode("Mufasa:Circle Of Life") == "TXVmYXNhOkNpcmNsZSBPZiBMaWZl");
    BOOST_TEST(base64_decode("TXVmYXNhOkNpcmNsZSBPZiBMaWZl").value() == "Mufasa:Circle Of Life");
    BOOST_TEST(base64_decode("YQ==").value() == "a");
    BOOST_TEST(base64_decode("YWI=").value() == "ab");
    BOOST_TEST(!base64_decode("YQ=").has_value());
    BOOST_TEST(!base64_decode("Y*==").has_value());
}

BOOST_AUTO_TEST_CASE(seed_rules_per_service) {
    auto seed = [](std::string kind, std::string integ, std::string extra = {}) {
        return json::parse(R"({"orgs":[{"id":"5f0000000000000000000001","name":"o",)" + kind +
                           R"("projects":[{"id":"6f0000000000000000000001","name":"p",)"
                           R"("integrations":[)" +
                           integ + "]}]}]" + extra + "}");
    };
    // Cloud Manager has no DATADOG; an Atlas org may hold a legacy HIP_CHAT (list and delete).
    BOOST_CHECK_THROW(world::from_json(seed("", R"({"type":"DATADOG","apiKey":"ab"})")),
                      std::runtime_error);
    auto w = world::from_json(seed(R"("kind":"atlas",)", R"({"type":"HIP_CHAT"})"));
    BOOST_TEST((w.orgs[0].kind == flavor::atlas));
    BOOST_TEST(
        is_object_id(w.projects.begin()->second.integrations.at("HIP_CHAT").at("id").as_string()));
    BOOST_CHECK_THROW(world::from_json(seed(R"("kind":"ops-manager",)", "")), std::runtime_error);
    BOOST_CHECK_THROW(world::from_json(seed(R"("kind":"atlas",)", ""), service_kind::ops_manager),
                      std::runtime_error);
    // Ops Manager: PROMETHEUS is not in its type list; no service accounts; global roles.
    BOOST_CHECK_THROW(
        world::from_json(seed("", R"({"type":"PROMETHEUS"})"), service_kind::ops_manager),
        std::runtime_error);
    BOOST_CHECK_THROW(
        world::from_json(seed("", "",
                              R"(,"serviceAccounts":[{"clientId":"c","clientSecret":"s",)"
                              R"("orgIds":[]}])"),
                         service_kind::ops_manager),
        std::runtime_error);
    auto keys = R"(,"apiKeys":[{"publicKey":"g","privateKey":"s","orgIds":[],)"
                R"("roles":["GLOBAL_READ_ONLY"]}])";
    BOOST_TEST(world::from_json(seed("", "", keys), service_kind::ops_manager)
                   .api_keys.at(0)
                   .roles.at(0) == "GLOBAL_READ_ONLY");
    BOOST_CHECK_THROW(world::from_json(seed("", "", keys)), std::runtime_error);
    BOOST_CHECK_THROW(
        world::from_json(seed("", "",
                              R"(,"apiKeys":[{"publicKey":"g","privateKey":"s","orgIds":[],)"
                              R"("roles":["ADMIN"]}])")),
        std::runtime_error);
}

BOOST_AUTO_TEST_CASE(generated_world_with_integrations) {
    auto w = world::generate(2, 3, {"PAGER_DUTY", "SLACK", "WEBHOOK"});
    BOOST_TEST(w.projects.size() == 6u);
    std::set<std::string> keys;
    for (auto& [id, p] : w.projects) {
        BOOST_TEST_CONTEXT(id) {
            BOOST_TEST(p.integrations.size() == 3u);
            auto& pd = p.integrations.at("PAGER_DUTY");
            auto key = std::string(pd.at("serviceKey").as_string());
            BOOST_TEST(key.size() == 32u);
            BOOST_TEST(key.find_first_not_of("0123456789abcdef") == std::string::npos);
            BOOST_TEST(is_object_id(pd.at("id").as_string()));
            keys.insert(key);
            // Cloud Manager's required fields (teamName), not Atlas's (channelName).
            BOOST_TEST(p.integrations.at("SLACK").contains("teamName"));
            BOOST_TEST(!p.integrations.at("SLACK").contains("channelName"));
        }
    }
    BOOST_TEST(keys.size() == 6u);  // distinct per project
    // Deterministic: the same call gives the same world.
    auto again = world::generate(2, 3, {"PAGER_DUTY", "SLACK", "WEBHOOK"});
    BOOST_TEST(json::serialize(again.to_json(false)) == json::serialize(w.to_json(false)));
    BOOST_TEST(world::generate(1, 2).projects.begin()->second.integrations.empty());
    BOOST_CHECK_THROW(world::generate(1, 1, {"SLAKC"}), std::runtime_error);
    // Cloud Manager takes no DATADOG; Atlas orgs do, with Atlas's required fields.
    BOOST_CHECK_THROW(world::generate(1, 1, {"DATADOG"}), std::runtime_error);
    generate_params g;
    g.orgs = 1;
    g.projects = 1;
    g.with_types = {"DATADOG", "SLACK", "MICROSOFT_TEAMS"};
    g.org_kind = flavor::atlas;
    auto atlas = world::generate(g);
    auto& p = atlas.projects.begin()->second;
    BOOST_TEST((p.kind == flavor::atlas));
    BOOST_TEST(p.integrations.at("SLACK").contains("channelName"));
    BOOST_TEST(p.integrations.contains("MICROSOFT_TEAMS"));
}

BOOST_AUTO_TEST_CASE(generated_keys_one_per_org_and_one_spanning) {
    auto w = world::generate(3, 2);
    BOOST_REQUIRE_EQUAL(w.api_keys.size(), 4u);
    BOOST_TEST(w.api_keys[0].id == generated_public_key);
    BOOST_TEST(w.api_keys[0].org_ids.size() == 3u);
    for (int o = 1; o <= 3; ++o) {
        auto& k = w.api_keys[static_cast<std::size_t>(o)];
        BOOST_TEST(k.id == "simpublic-000" + std::to_string(o));
        BOOST_TEST(k.secret == generated_org_private_key(o));
        BOOST_TEST(
            k.org_ids == std::vector<std::string>{w.orgs[static_cast<std::size_t>(o - 1)].id},
            boost::test_tools::per_element());
    }
    BOOST_TEST(w.service_accounts.size() == 4u);
    BOOST_TEST(w.service_accounts[1].id == "mdb_sa_id_simulator_0001");
    BOOST_TEST(
        w.spanning_principals() == (std::vector<std::string>{"simpublic", "mdb_sa_id_simulator"}),
        boost::test_tools::per_element());
    // An Ops Manager world has keys but no service accounts.
    generate_params g;
    g.service = service_kind::ops_manager;
    auto om = world::generate(g);
    BOOST_TEST(om.service_accounts.empty());
    BOOST_TEST((om.orgs[0].kind == flavor::ops_manager));
}

BOOST_AUTO_TEST_SUITE_END()
