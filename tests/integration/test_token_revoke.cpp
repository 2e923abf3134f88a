// Integration tests of the OAuth token's lifetime (issue 16, api-facts.md "Authentication"):
// cmbulk apply with a service account against cmbulk-sim gets one token per credential for the
// run and revokes it at the end (POST /api/oauth/revoke), once; a run stopped by one SIGINT
// still revokes it. The simulator's request log is the witness.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <thread>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;
using namespace std::chrono_literals;

namespace {

struct token_counts {
    int granted = 0, revoked = 0, api_after_revoke = 0;
};

/// Token grants and revocations in the simulator's log, and API requests sent after the first
/// revocation (a run must not use a token it revoked).
token_counts count_tokens(sim_process& sim) {
    auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array();
    token_counts c;
    for (auto& v : log) {
        auto& e = v.as_object();
        std::string_view path = e.at("path").as_string();
        bool ok = e.at("status").as_int64() == 200;
        if (path == "/api/oauth/token" && ok) ++c.granted;
        if (path == "/api/oauth/revoke" && ok) ++c.revoked;
        if (path.starts_with("/api/public") && c.revoked > 0) ++c.api_after_revoke;
    }
    return c;
}

std::filesystem::path write_manifest(const temp_dir& dir, const std::vector<std::string>& ids) {
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (std::size_t i = 0; i < ids.size(); ++i)
        csv += ids[i] + ",SLACK,xoxb-REVOKE-" + std::to_string(i) + ",team,#a\n";
    write_file(dir / "m.csv", csv);
    return dir / "m.csv";
}

run_options service_account(const temp_dir& dir) {
    run_options o;
    o.env["CMBULK_CLIENT_ID"] = std::string(cmbulk::sim::generated_client_id);
    o.env["CMBULK_CLIENT_SECRET"] = std::string(cmbulk::sim::generated_client_secret);
    o.unset_env = {"CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY", "MONGODB_ATLAS_PUBLIC_API_KEY",
                   "MONGODB_ATLAS_PRIVATE_API_KEY", "CMBULK_CONFIG"};
    o.cwd = dir.path();
    o.timeout = 120s;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_revoke)

BOOST_AUTO_TEST_CASE(a_runs_token_is_fetched_once_and_revoked_once) {
    sim_process sim({"--generate", "1:12"});
    temp_dir dir;
    auto m = write_manifest(dir, project_ids(sim));
    auto r = run_process({cmbulk_bin(), "apply", m.string(), "--base-url", sim.base_url(),
                          "--concurrency", "4", "--no-checkpoint", "--quiet"},
                         service_account(dir));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    auto c = count_tokens(sim);
    BOOST_TEST(c.granted == 1);  // one token for the run's 4 workers and 12 rows
    BOOST_TEST(c.revoked == 1);
    BOOST_TEST(c.api_after_revoke == 0);
}

BOOST_AUTO_TEST_CASE(a_run_stopped_by_sigint_still_revokes_its_token) {
    // Every request answered after 300 ms: the run is still going when the signal comes.
    sim_process sim({"--generate", "1:40", "--latency", "300"});
    temp_dir dir;
    auto m = write_manifest(dir, project_ids(sim));
    child_process child(
        {cmbulk_bin(), "apply", m.string(), "--base-url", sim.base_url(), "--concurrency", "2",
         "--checkpoint", (dir / "c.jsonl").string(), "--progress", "plain", "--grace", "5"},
        service_account(dir));
    // Wait until the token was granted and the rows started, then interrupt once.
    for (int i = 0; i < 200 && count_tokens(sim).granted == 0; ++i)
        std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(700ms);
    child.signal(SIGINT);
    auto r = child.wait(60s);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130);
    auto c = count_tokens(sim);
    BOOST_TEST(c.granted == 1);
    BOOST_TEST(c.revoked == 1);
    BOOST_TEST(c.api_after_revoke == 0);
}

BOOST_AUTO_TEST_SUITE_END()
