// Integration tests of cmbulk-sim with clients we did not write and with its request log:
// Python requests' HTTPDigestAuth reusing nonces (100 calls, at most 101 requests) and recovering
// from a stale nonce; a burst of 100 against a 10-capacity 10/s bucket (429s exactly where the
// bucket was empty, replayed from the log's timestamps); OAuth bearer tokens; and reproducible
// faults (two runs at the same seed inject the same faults at the same request numbers).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <thread>

#include "integration/test_sim_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

std::string script() {
    return (source_dir() / "tests" / "integration" / "sim_digest_client.py").string();
}

json::value run_script(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/python3", script()};
    argv.insert(argv.end(), args.begin(), args.end());
    run_options opts;
    opts.timeout = std::chrono::seconds(120);
    auto r = run_process(argv, opts);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_REQUIRE_EQUAL(r.exit_code, 0);
    return json::parse(r.out);
}

json::array request_log(unsigned short port) {
    return json::parse(http_request(port, "GET", "/__sim/requests").body).as_array();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_python)

BOOST_AUTO_TEST_CASE(requests_digest_reuses_nonces) {
    sim_process sim({"--seed", sample_seed()});
    auto out = run_script({"reuse", sim.base_url(), demo_public, demo_private, "100"});
    auto& statuses = out.at("statuses").as_array();
    BOOST_TEST(statuses.size() == 100u);
    BOOST_TEST(
        std::all_of(statuses.begin(), statuses.end(), [](auto& s) { return s.as_int64() == 200; }));
    auto log = request_log(sim.port());
    BOOST_TEST(log.size() <= 101u);
    BOOST_TEST(log.size() >= 100u);
    std::size_t challenges = std::count_if(
        log.begin(), log.end(), [](auto& e) { return e.at("status").as_int64() == 401; });
    BOOST_TEST(challenges <= 1u);
}

// With --nonce-reuse refuse, each nonce serves one request: requests' HTTPDigestAuth, which
// reuses nonces, answers the refusal's fresh challenge and loses nothing (2 requests a call).
BOOST_AUTO_TEST_CASE(requests_digest_copes_with_refused_reuse) {
    sim_process sim({"--seed", sample_seed(), "--nonce-reuse", "refuse"});
    auto out = run_script({"reuse", sim.base_url(), demo_public, demo_private, "50"});
    auto& statuses = out.at("statuses").as_array();
    BOOST_TEST(statuses.size() == 50u);
    BOOST_TEST(
        std::all_of(statuses.begin(), statuses.end(), [](auto& s) { return s.as_int64() == 200; }));
    auto log = request_log(sim.port());
    BOOST_TEST(log.size() == 100u);
    std::size_t challenges = std::count_if(
        log.begin(), log.end(), [](auto& e) { return e.at("status").as_int64() == 401; });
    BOOST_TEST(challenges == 50u);
}

BOOST_AUTO_TEST_CASE(stale_nonce_is_recovered_from) {
    sim_process sim({"--seed", sample_seed(), "--nonce-lifetime", "1"});
    auto out = run_script({"stale", sim.base_url(), demo_public, demo_private, "1.6"});
    auto& statuses = out.at("statuses").as_array();
    BOOST_TEST(statuses.at(0).as_int64() == 200);
    BOOST_TEST(statuses.at(1).as_int64() == 200);
    auto& challenges = out.at("challenges").as_array();
    BOOST_REQUIRE_EQUAL(challenges.size(), 2u);
    BOOST_TEST(std::string(challenges.at(0).as_string()).find("stale=false") != std::string::npos);
    BOOST_TEST(std::string(challenges.at(1).as_string()).find("stale=true") != std::string::npos);
    auto log = request_log(sim.port());
    BOOST_TEST(log.size() == 4u);  // 401, 200, 401 (stale), 200
}

BOOST_AUTO_TEST_CASE(token_bucket_burst_of_100) {
    sim_process sim({"--seed", sample_seed(), "--rate-limit", "10", "--rate-burst", "10"});
    auto out = run_script({"burst", sim.base_url(), demo_public, demo_private, "100"});
    auto& results = out.at("results").as_array();
    BOOST_REQUIRE_EQUAL(results.size(), 100u);
    int ok = 0, limited = 0;
    for (auto& r : results) {
        BOOST_REQUIRE(r.is_object());
        auto status = r.at("status").as_int64();
        if (status == 200) ++ok;
        if (status == 429) {
            ++limited;
            BOOST_TEST(r.at("retryAfter").is_string());
            BOOST_TEST(std::atoi(r.at("retryAfter").as_string().c_str()) >= 1);
            BOOST_TEST(r.at("errorCode").as_string() == "RATE_LIMITED_TOKEN_BUCKET");
            BOOST_TEST(r.at("error").as_int64() == 429);
            BOOST_TEST(std::string(r.at("detail").as_string()).find("Request capacity: 10.") !=
                       std::string::npos);
        }
    }
    BOOST_TEST(ok + limited == 100);
    BOOST_TEST(limited > 0);

    // Replay the bucket over the log's timestamps: each authenticated request is 200 exactly when
    // a token was there (requests within a hair of the boundary are not judged).
    auto log = request_log(sim.port());
    double tokens = 10, last = -1;
    int log_ok = 0, judged = 0;
    double first_t = -1, last_t = 0;
    for (auto& e : log) {
        if (e.at("key").as_string().empty()) continue;  // 401 challenges do not count
        double t = static_cast<double>(e.at("tUs").as_int64()) / 1e6;
        if (last < 0) last = t, first_t = t;
        tokens = std::min(10.0, tokens + (t - last) * 10.0);
        last = last_t = t;
        auto status = e.at("status").as_int64();
        bool available = tokens >= 1.0;
        if (std::abs(tokens - 1.0) > 1e-3) {
            ++judged;
            BOOST_TEST((status == (available ? 200 : 429)), "at t=" << t << " tokens=" << tokens);
        }
        if (available) tokens -= 1.0;
        if (status == 200) ++log_ok;
    }
    BOOST_TEST(log_ok == ok);
    BOOST_TEST(judged >= 95);
    BOOST_TEST(log_ok <= 10 + 10 * (last_t - first_t) + 1);
}

BOOST_AUTO_TEST_CASE(oauth_bearer_tokens) {
    sim_process sim({"--seed", sample_seed(), "--token-lifetime", "1", "--token-rate", "3"});
    // "mdb_sa_id_5e2211c17a3e5a48f5497de3:mdb_sa_sk_demo-0123456789abcdef" in base64.
    const std::string basic =
        "Basic "
        "bWRiX3NhX2lkXzVlMjIxMWMxN2EzZTVhNDhmNTQ5N2RlMzptZGJfc2Ffc2tfZGVtby0wMTIzNDU2Nzg5YWJjZGVm";
    auto form = std::map<std::string, std::string>{
        {"Authorization", basic}, {"Content-Type", "application/x-www-form-urlencoded"}};
    auto tok =
        http_request(sim.port(), "POST", "/api/oauth/token", "grant_type=client_credentials", form);
    BOOST_TEST_REQUIRE(tok.status == 200, tok.body);
    auto v = json::parse(tok.body);
    BOOST_TEST(v.at("token_type").as_string() == "Bearer");
    BOOST_TEST(v.at("expires_in").as_int64() == 1);
    std::string bearer = "Bearer " + std::string(v.at("access_token").as_string());
    auto groups =
        http_request(sim.port(), "GET", "/api/public/v1.0/groups", {}, {{"Authorization", bearer}});
    BOOST_TEST(groups.status == 200);
    BOOST_TEST(json::parse(groups.body).at("totalCount").as_int64() == 4);  // one org only
    BOOST_TEST(http_request(sim.port(), "GET", "/api/public/v1.0/groups", {},
                            {{"Authorization", "Bearer nope"}})
                   .status == 401);
    auto bad = form;
    bad["Authorization"] = "Basic bm9ib2R5Om5vdGhpbmc=";  // nobody:nothing
    BOOST_TEST(
        http_request(sim.port(), "POST", "/api/oauth/token", "grant_type=client_credentials", bad)
            .status == 401);
    BOOST_TEST(
        http_request(sim.port(), "POST", "/api/oauth/token", "grant_type=password", form).status ==
        400);
    // The limit is per IP and client (api-facts.md): the client's third request is still
    // answered, its fourth is limited with the documented body; another client has its own.
    BOOST_TEST(
        http_request(sim.port(), "POST", "/api/oauth/token", "grant_type=client_credentials", form)
            .status == 200);
    auto limited =
        http_request(sim.port(), "POST", "/api/oauth/token", "grant_type=client_credentials", form);
    BOOST_TEST(limited.status == 429);
    BOOST_TEST(!limited.headers["retry-after"].empty());
    BOOST_TEST(limited.body ==
               R"({"error":429,"errorCode":"RATE_LIMITED","reason":"Too Many Requests","detail":)"
               R"("Resource /api/oauth/token is limited to 3 requests every 1 minutes.",)"
               R"("parameters":["/api/oauth/token",3,1]})");
    BOOST_TEST(
        http_request(sim.port(), "POST", "/api/oauth/token", "grant_type=client_credentials", bad)
            .status == 401);
    // Revoking the token (RFC 7009): 200, and the token no longer works.
    auto revoke = http_request(sim.port(), "POST", "/api/oauth/revoke",
                               "token=" + bearer.substr(7) + "&token_type_hint=access_token", form);
    BOOST_TEST(revoke.status == 200);
    BOOST_TEST(
        http_request(sim.port(), "GET", "/api/public/v1.0/groups", {}, {{"Authorization", bearer}})
            .status == 401);

    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    BOOST_TEST(
        http_request(sim.port(), "GET", "/api/public/v1.0/groups", {}, {{"Authorization", bearer}})
            .status == 401);  // expired
}

BOOST_AUTO_TEST_CASE(faults_are_reproducible_from_the_seed) {
    auto run = [](const std::string& seed) {
        sim_process sim({"--generate", "1:3", "--fault-seed", seed, "--fault", "500=0.15",
                         "--fault", "503-html=0.1", "--fault", "429=0.1", "--fault",
                         "reset-before=0.05", "--fault", "reset-after=0.05", "--fault",
                         "truncate=0.05", "--token-rate", "0"});
        // "mdb_sa_id_simulator:mdb_sa_sk_simulator-0123456789"
        auto tok = http_request(
            sim.port(), "POST", "/api/oauth/token", "grant_type=client_credentials",
            {{"Authorization",
              "Basic bWRiX3NhX2lkX3NpbXVsYXRvcjptZGJfc2Ffc2tfc2ltdWxhdG9yLTAxMjM0NTY3ODk="}});
        BOOST_REQUIRE_EQUAL(tok.status, 200);
        std::string bearer =
            "Bearer " + std::string(json::parse(tok.body).at("access_token").as_string());
        std::vector<std::string> seen;
        for (int i = 0; i < 80; ++i) {
            std::string target = "/api/public/v1.0/groups/6f000001000000000000000" +
                                 std::to_string(1 + i % 3) + "/integrations/PAGER_DUTY";
            std::string method = i % 2 ? "PUT" : "GET";
            char key[40];
            std::snprintf(key, sizeof key, "%032d", i);  // 32 hex digits, as the server checks
            std::string body =
                i % 2 ? R"({"type":"PAGER_DUTY","serviceKey":")" + std::string(key) + "\"}" : "";
            try {
                auto r =
                    http_request(sim.port(), method, target, body, {{"Authorization", bearer}});
                seen.push_back(std::to_string(r.status));
            } catch (const std::exception&) {
                seen.push_back("error");
            }
        }
        std::vector<std::string> faults;
        for (auto& e : request_log(sim.port())) {
            if (e.at("path").as_string() == "/api/oauth/token") continue;
            faults.push_back(std::string(e.at("method").as_string()) + " " +
                             std::string(e.at("path").as_string()) + " " +
                             std::to_string(e.at("status").as_int64()) + " " +
                             std::string(e.at("fault").as_string()));
        }
        auto state =
            json::serialize(json::parse(http_request(sim.port(), "GET", "/__sim/state").body));
        return std::make_tuple(faults, seen, state);
    };
    auto [log_a, seen_a, state_a] = run("42");
    auto [log_b, seen_b, state_b] = run("42");
    auto [log_c, seen_c, state_c] = run("7");
    BOOST_REQUIRE_EQUAL(log_a.size(), 80u);
    BOOST_TEST(log_a == log_b, boost::test_tools::per_element());
    BOOST_TEST(seen_a == seen_b, boost::test_tools::per_element());
    BOOST_TEST(state_a == state_b);
    BOOST_TEST(log_a != log_c);
    auto count = [&](const std::string& kind) {
        return std::count_if(log_a.begin(), log_a.end(),
                             [&](auto& l) { return l.ends_with(" " + kind); });
    };
    BOOST_TEST(count("500") > 0);
    BOOST_TEST(count("reset-before") + count("reset-after") + count("truncate") > 0);
    // Faults that answered with an error or no answer at all show up to the client as such.
    BOOST_TEST(std::count(seen_a.begin(), seen_a.end(), "error") ==
               count("reset-before") + count("reset-after") + count("truncate"));
}

BOOST_AUTO_TEST_SUITE_END()
