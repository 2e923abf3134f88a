// The progress line end to end: `cmbulk apply --progress live` against a cmbulk-sim that
// answers some requests with 429 and Retry-After (the --fault 429 injection): every rewritten
// line fits the width COLUMNS gives, none is wrapped, and during a Retry-After pause the line
// says "waiting for the server: Retry-After N s" instead of a rate of zero; `audit` counts
// projects on the same line.
#include <boost/test/unit_test.hpp>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

using namespace cmbulk::test;

namespace {

run_options with_keys() {
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = cmbulk::sim::generated_public_key;
    o.env["CMBULK_PRIVATE_KEY"] = cmbulk::sim::generated_private_key;
    o.unset_env = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"};
    o.timeout = std::chrono::seconds(180);
    return o;
}

/// The live lines in `err`: the text after each "\r" up to its clear-to-end "\033[K".
std::vector<std::string> live_lines(const std::string& err) {
    std::vector<std::string> lines;
    for (auto p = err.find('\r'); p != std::string::npos; p = err.find('\r', p + 1)) {
        auto end = err.find("\033[K", p);
        if (end == std::string::npos) break;
        lines.push_back(err.substr(p + 1, end - p - 1));
    }
    return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(progress_integration)

BOOST_AUTO_TEST_CASE(live_line_fits_columns_and_says_when_the_server_pauses) {
    temp_dir dir;
    sim_process sim{{"--generate", "1:40", "--fault", "429=0.15", "--fault-seed", "3"}};
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (auto& id : project_ids(sim)) csv += id + ",SLACK,xoxb-progress-1234,team,#ops\n";
    write_file(dir / "slack.csv", csv);
    auto o = with_keys();
    o.env["COLUMNS"] = "64";
    auto r = run_process(
        {cmbulk_bin(), "apply", (dir / "slack.csv").string(), "--base-url", sim.base_url(),
         "--report", (dir / "r.csv").string(), "--progress", "live", "--concurrency", "2"},
        o);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    auto lines = live_lines(r.err);
    BOOST_TEST_REQUIRE(lines.size() >= 2u, r.err);
    bool paused = false, counted = false;
    for (auto& l : lines) {
        BOOST_TEST_CONTEXT("line '" << l << "'") {
            BOOST_TEST(l.size() <= 63u);  // COLUMNS 64, the last column kept free
            BOOST_TEST(l.find('\n') == std::string::npos);
            BOOST_TEST(l.find("pace 0/s") == std::string::npos);
        }
        paused = paused || l.find("waiting for the server: Retry-After ") != std::string::npos;
        counted = counted || l.find("/40 rows") != std::string::npos;
    }
    BOOST_TEST(paused, r.err);
    BOOST_TEST(counted, r.err);
    // The summary after the line was cleared starts on a line of its own.
    BOOST_TEST(r.err.find("\r\033[Krows 40:") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(audit_counts_projects_on_the_line) {
    temp_dir dir;
    sim_process sim{{"--generate", "1:30", "--latency", "60"}};
    auto o = with_keys();
    o.env["COLUMNS"] = "100";
    auto r = run_process({cmbulk_bin(), "audit", "--all", "--base-url", sim.base_url(), "--report",
                          (dir / "a.csv").string(), "--progress", "live", "--concurrency", "1"},
                         o);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    bool projects = false;
    for (auto& l : live_lines(r.err)) {
        BOOST_TEST(l.size() <= 99u);
        projects = projects || l.find("/30 projects") != std::string::npos;
    }
    BOOST_TEST(projects, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
