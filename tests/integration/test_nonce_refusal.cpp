// Issue 13: against a server that refuses every reused Digest nonce (cmbulk-sim --nonce-reuse
// refuse), a run loses no row and sends at most two requests per change (the client notices the
// refusals and stops reusing). bench/run.sh's scenario 5 measures the same with 1,000 rows.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/report.hpp"
#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

BOOST_AUTO_TEST_SUITE(nonce_refusal)

BOOST_AUTO_TEST_CASE(two_hundred_creates_none_lost_at_most_two_requests_each) {
    temp_dir dir;
    sim_process sim({"--generate", "1:200", "--nonce-reuse", "refuse"});
    auto ids = project_ids(sim);
    BOOST_REQUIRE(ids.size() == 200u);
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (std::size_t i = 0; i < ids.size(); ++i)
        csv += ids[i] + ",SLACK,xoxb-nonce-" + std::to_string(1000 + i) + ",team,#alerts\n";
    write_file(dir / "m.csv", csv);
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
    o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
    o.timeout = std::chrono::seconds(300);
    auto r = run_process({cmbulk_bin(), "apply", (dir / "m.csv").string(), "--base-url",
                          sim.base_url(), "--report", (dir / "report.csv").string(), "--checkpoint",
                          (dir / "ck.jsonl").string(), "--progress", "plain", "--concurrency", "8"},
                         o);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code == 0);
    std::string msg;
    auto rows = cmbulk::read_report(dir / "report.csv", std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    BOOST_TEST(rows->size() == 200u);
    for (auto& row : *rows) BOOST_TEST(to_string(row.result) == "created");
    auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array();
    BOOST_TEST_MESSAGE("requests per change: " << double(log.size()) / 200.0);
    BOOST_TEST(log.size() <= 400u);
}

BOOST_AUTO_TEST_SUITE_END()
