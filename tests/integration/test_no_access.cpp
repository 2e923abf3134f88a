// Issue 13's access rules with the real binaries: a manifest holding projects of another org
// fails those rows `no-access` and the run goes on (exit 1), costing at most `concurrency` extra
// requests; a key revoked mid-run (the simulator's admin endpoint) stops the run (exit 3) after
// --max-no-access rows in a row, naming the credential's source, every finished row reported.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <map>
#include <thread>

#include "cmbulk/report.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

// --generate's per-org key of org 1 (docs/simulator.md, "Generated world").
const std::string org1_key = "simpublic-0001", org1_secret = "simprivate-0001-0123456789abcdef";

std::string project_id(int org, int project) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "6f%06x%016x", org, project);
    return buf;
}

/// One create row of `type` on `project`, with values the simulator's checks accept.
std::string row(const std::string& project, const std::string& type, int i) {
    char hex[40];
    std::snprintf(hex, sizeof hex, "%032x", 0xabc000 + i);
    json::object o{{"projectId", project}, {"type", type}};
    if (type == "SLACK") {
        o["apiToken"] = "xoxb-no-access-" + std::to_string(i);
        o["channelName"] = "#alerts";
        o["teamName"] = "team";
    } else if (type == "PAGER_DUTY") {
        o["serviceKey"] = hex;
    } else if (type == "OPS_GENIE" || type == "VICTOR_OPS") {
        o["apiKey"] = std::string(hex);
    } else {
        o["url"] = "https://hooks.example.com/no-access/" + std::to_string(i);
    }
    return json::serialize(o) + "\n";
}

struct apply_result {
    process_result proc;
    std::vector<cmbulk::report_row> rows;
};

apply_result run_apply(const temp_dir& dir, sim_process& sim, const std::string& manifest,
                       std::vector<std::string> extra) {
    std::vector<std::string> argv{cmbulk_bin(),
                                  "apply",
                                  manifest,
                                  "--base-url",
                                  sim.base_url() + "/api/public/v1.0",
                                  "--report",
                                  (dir / "report.csv").string(),
                                  "--checkpoint",
                                  (dir / "checkpoint.jsonl").string(),
                                  "--progress",
                                  "plain"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = org1_key;
    o.env["CMBULK_PRIVATE_KEY"] = org1_secret;
    o.timeout = std::chrono::seconds(300);
    apply_result r;
    r.proc = run_process(argv, o);
    if (std::filesystem::exists(dir / "report.csv")) {
        std::string msg;
        auto rows = cmbulk::read_report(dir / "report.csv", std::nullopt, msg);
        BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
        r.rows = *rows;
    }
    return r;
}

std::map<std::string, int> count_results(const std::vector<cmbulk::report_row>& rows) {
    std::map<std::string, int> n;
    for (auto& r : rows) ++n[std::string(to_string(r.result))];
    return n;
}

json::array sim_requests(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(no_access)

/// 500 create rows: five types on 99 of org 1's projects, and five more rows on five `extra`
/// projects (`foreign`: org 2's, else org 1's project 100).
std::string manifest_500(bool foreign, std::vector<std::string>& extra) {
    const char* types[] = {"SLACK", "PAGER_DUTY", "OPS_GENIE", "VICTOR_OPS", "WEBHOOK"};
    std::string text;
    int i = 0, k = 0;
    for (int p = 1; p <= 99; ++p) {
        for (auto* t : types) text += row(project_id(1, p), t, i++);
        // Among org 1's rows, after the key has authenticated.
        if (p % 20 == 10) {
            extra.push_back(foreign ? project_id(2, p) : project_id(1, 100));
            text += row(extra.back(), foreign ? "SLACK" : types[k++], i++);
        }
    }
    return text;
}

BOOST_AUTO_TEST_CASE(five_projects_of_another_org_in_500_rows) {
    const int concurrency = 8;
    // The same run with five rows of org 1 instead: what the 495 others cost.
    std::size_t baseline = 0;
    {
        temp_dir dir;
        sim_process sim({"--generate", "2:100"});
        std::vector<std::string> extra;
        write_file(dir / "m.jsonl", manifest_500(false, extra));
        auto r = run_apply(dir, sim, (dir / "m.jsonl").string(),
                           {"--concurrency", std::to_string(concurrency)});
        BOOST_TEST_REQUIRE(r.proc.exit_code == 0, r.proc.err);
        baseline = sim_requests(sim).size();
    }
    temp_dir dir;
    sim_process sim({"--generate", "2:100"});
    std::vector<std::string> foreign;
    write_file(dir / "m.jsonl", manifest_500(true, foreign));
    BOOST_REQUIRE(foreign.size() == 5u);
    auto r = run_apply(dir, sim, (dir / "m.jsonl").string(),
                       {"--concurrency", std::to_string(concurrency)});
    BOOST_TEST_INFO("stderr: " << r.proc.err);
    BOOST_TEST(r.proc.exit_code == 1);
    BOOST_TEST(r.rows.size() == 500u);
    auto n = count_results(r.rows);
    BOOST_TEST(n["created"] == 495);
    BOOST_TEST(n["no-access"] == 5);
    for (auto& rr : r.rows) {
        if (to_string(rr.result) != "no-access") continue;
        BOOST_TEST(rr.detail.find("the key cannot reach project " + rr.project_id +
                                  ": check its organization and role") != std::string::npos,
                   rr.detail);
    }
    // What they cost beyond what five rows that succeed cost: at most `concurrency` requests
    // (the fresh challenge's retry of each refusal; no probe, the key had authenticated).
    auto log = sim_requests(sim);
    BOOST_TEST_MESSAGE("requests: " << log.size() << ", baseline " << baseline);
    BOOST_TEST(log.size() <= baseline + concurrency);
    int probes = 0;
    for (auto& e : log) probes += std::string(e.at("path").as_string()).ends_with("/groups");
    BOOST_TEST(probes == 0);
    BOOST_TEST(r.proc.err.find("likely been revoked") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_key_revoked_mid_run_stops_after_max_no_access_rows) {
    temp_dir dir;
    // Slow enough (every request waits 20 ms, one worker) that the revocation lands mid-run.
    sim_process sim({"--generate", "1:200", "--latency", "20"});
    std::string text;
    for (int p = 1; p <= 200; ++p) text += row(project_id(1, p), "SLACK", p);
    write_file(dir / "m.jsonl", text);
    std::vector<std::string> argv{cmbulk_bin(),
                                  "apply",
                                  (dir / "m.jsonl").string(),
                                  "--base-url",
                                  sim.base_url(),
                                  "--report",
                                  (dir / "report.csv").string(),
                                  "--checkpoint",
                                  (dir / "checkpoint.jsonl").string(),
                                  "--progress",
                                  "plain",
                                  "--concurrency",
                                  "1",
                                  "--max-no-access",
                                  "6"};
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = org1_key;
    o.env["CMBULK_PRIVATE_KEY"] = org1_secret;
    o.timeout = std::chrono::seconds(300);
    child_process run(argv, o);
    // Revoke once a few rows are in (whenever that is: the rows before are created, after it
    // every row is refused).
    for (int tries = 0; tries < 6000; ++tries) {
        if (sim_requests(sim).size() >= 10) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    BOOST_TEST(http_request(sim.port(), "POST", "/__sim/keys/" + org1_key + "/revoke").status ==
               200);
    auto proc = run.wait(std::chrono::seconds(300));
    BOOST_TEST_INFO("stderr: " << proc.err);
    BOOST_TEST(proc.exit_code == 3);
    BOOST_TEST(
        proc.err.find("the key has likely been revoked: 6 rows in a row") != std::string::npos,
        proc.err);
    BOOST_TEST(proc.err.find("CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY from the environment") !=
               std::string::npos);
    BOOST_TEST(proc.err.find(org1_secret) == std::string::npos);
    std::string msg;
    auto rows = cmbulk::read_report(dir / "report.csv", std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    BOOST_TEST(rows->size() == 200u);  // every row: finished ones with their outcome
    auto n = count_results(*rows);
    BOOST_TEST(n["no-access"] == 6);  // one worker: the sixth stops it
    BOOST_TEST(n["created"] >= 1);
    BOOST_TEST(n["created"] + n["no-access"] + n["not-run"] == 200);
    // What the report says was created is what the simulator holds.
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    int stored = 0;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            stored += static_cast<int>(p.at("integrations").as_array().size());
    BOOST_TEST(stored == n["created"]);
}

BOOST_AUTO_TEST_CASE(a_wrong_key_stops_the_run_naming_the_credentials_source) {
    temp_dir dir;
    sim_process sim({"--generate", "1:3"});
    std::string text;
    for (int p = 1; p <= 3; ++p) text += row(project_id(1, p), "SLACK", p);
    write_file(dir / "m.jsonl", text);
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = org1_key;
    o.env["CMBULK_PRIVATE_KEY"] = "not-the-secret-0000";
    auto r =
        run_process({cmbulk_bin(), "apply", (dir / "m.jsonl").string(), "--base-url",
                     sim.base_url(), "--report", (dir / "r.csv").string(), "--progress", "plain"},
                    o);
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(r.err.find("authentication failed") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("(CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY from the environment)") !=
                   std::string::npos,
               r.err);
    BOOST_TEST(r.err.find("not-the-secret-0000") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
