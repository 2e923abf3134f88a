// Integration tests of the stop controller: the real cmbulk (apply, plan, audit) against
// cmbulk-sim, interrupted with SIGINT. A first signal stops dispatch and gives requests in flight
// --grace (audit's project discovery included); a second one stops at once even while every
// worker waits out a 60 s Retry-After pause, and leaves journal and report consistent, so that
// --resume completes every row exactly once (simulator state and request log).
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <map>
#include <thread>

#include "cmbulk/report.hpp"
#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;
using namespace std::chrono_literals;

namespace {

const std::string pub(cmbulk::sim::generated_public_key);
const std::string priv(cmbulk::sim::generated_private_key);

/// A simulator whose bucket holds 3 requests and refills one a minute: the 4th answer is a 429
/// with Retry-After: 60, and every worker then waits in the gate's run-wide pause.
std::vector<std::string> slow_bucket(int projects) {
    return {"--generate", "1:" + std::to_string(projects), "--rate-limit", "0.0167", "--rate-burst",
            "3"};
}

std::string token_for(std::size_t i) { return "xoxb-SIGNAL-SECRET-" + std::to_string(7000 + i); }

std::filesystem::path write_manifest(const temp_dir& dir, const std::vector<std::string>& ids) {
    std::string csv = "projectId,type,apiToken,teamName\n";
    for (std::size_t i = 0; i < ids.size(); ++i)
        csv += ids[i] + ",SLACK," + token_for(i) + ",team\n";
    auto p = dir / "m.csv";
    write_file(p, csv);
    return p;
}

run_options creds() {
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.timeout = 120s;
    return o;
}

/// Waits until the simulator has answered at least one 429 (the run is in its Retry-After
/// pause), at most `limit`.
bool wait_for_429(sim_process& sim, std::chrono::milliseconds limit = 15s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body);
        for (auto& r : log.as_array())
            if (r.at("status").to_number<int>() == 429) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

/// Sends SIGINT twice (`gap` apart) and returns how long the process took to exit after the
/// second one.
std::chrono::milliseconds interrupt_twice(child_process& child, process_result& result,
                                          std::chrono::milliseconds gap = 300ms) {
    child.signal(SIGINT);
    std::this_thread::sleep_for(gap);
    auto t0 = std::chrono::steady_clock::now();
    child.signal(SIGINT);
    result = child.wait(30s);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0);
}

/// The simulator accepts requests at full speed again.
void open_bucket(sim_process& sim) {
    auto r = http_request(sim.port(), "POST", "/__sim/config", R"({"rateLimit":0})",
                          {{"Content-Type", "application/json"}});
    BOOST_REQUIRE(r.status == 200);
}

std::vector<cmbulk::report_row> read_rows(const std::filesystem::path& p) {
    std::string msg;
    auto rows = cmbulk::read_report(p, std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    return *rows;
}

/// Every project was created exactly once with its own token (state), and the request log shows
/// one successful POST per project and no POST after it.
void check_exactly_once(sim_process& sim, const std::vector<std::string>& ids) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
    int not_once = 0, wrong = 0;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array()) {
            auto id = std::string(p.at("id").as_string());
            if (p.at("creates").to_number<int>() != 1) ++not_once;
            auto& ints = p.at("integrations").as_array();
            if (ints.size() != 1 || ints[0].at("apiToken") != token_for(index[id]).c_str()) ++wrong;
        }
    BOOST_TEST(not_once == 0);
    BOOST_TEST(wrong == 0);
    std::map<std::string, int> created, posts_after;
    auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body);
    for (auto& r : log.as_array()) {
        if (r.at("method") != "POST") continue;
        auto path = std::string(r.at("path").as_string());
        auto status = r.at("status").to_number<int>();
        if (created[path] > 0) ++posts_after[path];
        if (status >= 200 && status < 300) ++created[path];
    }
    BOOST_TEST(created.size() == ids.size());
    for (auto& [path, n] : created) BOOST_TEST(n == 1, path << " created " << n << " times");
    BOOST_TEST(posts_after.empty(), posts_after.size() << " POSTs after a project's create");
}

std::vector<std::string> apply_argv(sim_process& sim, const temp_dir& dir,
                                    const std::filesystem::path& manifest, bool resume,
                                    std::string grace = "10") {
    std::vector<std::string> a{cmbulk_bin(),
                               "apply",
                               manifest.string(),
                               "--base-url",
                               sim.base_url(),
                               "--report",
                               (dir / "r.csv").string(),
                               "--checkpoint",
                               (dir / "r.ckpt.jsonl").string(),
                               "--progress",
                               "plain",
                               "--concurrency",
                               "4",
                               "--grace",
                               grace};
    if (resume) a.push_back("--resume");
    return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signals_suite)

BOOST_AUTO_TEST_CASE(ctrl_c_during_audit_discovery_exits_130_within_grace) {
    // Discovery of 60 projects a page at a time, each page answered after a second: a minute.
    sim_process sim({"--generate", "1:60", "--latency", "1000"});
    temp_dir dir;
    child_process child(
        {cmbulk_bin(), "audit", "--all", "--base-url", sim.base_url(), "--page-size", "1",
         "--report", (dir / "a.jsonl").string(), "--progress", "plain", "--grace", "2"},
        creds());
    std::this_thread::sleep_for(2500ms);
    auto t0 = std::chrono::steady_clock::now();
    child.signal(SIGINT);
    auto r = child.wait(30s);
    auto took = std::chrono::steady_clock::now() - t0;
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130);
    BOOST_TEST((took < 3s));  // --grace 2, plus one second
    BOOST_TEST(r.err.find("interrupted (SIGINT)") != std::string::npos);
    BOOST_TEST(r.err.find("signal 2") == std::string::npos);
    BOOST_TEST(r.err.find("--resume") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(second_ctrl_c_ends_a_retry_after_pause_then_resume_completes) {
    sim_process sim(slow_bucket(20));
    temp_dir dir;
    auto ids = project_ids(sim);
    auto m = write_manifest(dir, ids);
    child_process child(apply_argv(sim, dir, m, false), creds());
    BOOST_TEST_REQUIRE(wait_for_429(sim));
    std::this_thread::sleep_for(300ms);
    process_result r;
    auto took = interrupt_twice(child, r);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130);
    BOOST_TEST(took.count() < 1000);
    BOOST_TEST(r.err.find("interrupted (SIGINT)") != std::string::npos);
    // The command to finish, as typed, with --resume.
    BOOST_TEST(r.err.find("to finish the run: cmbulk apply " + m.string()) != std::string::npos);
    // Every row is in the report: the finished ones with their outcome, the rest not-run.
    auto rows = read_rows(dir / "r.csv");
    BOOST_TEST(rows.size() == ids.size());
    std::size_t created = 0;
    for (auto& row : rows) created += row.result == cmbulk::outcome::created;
    BOOST_TEST(created >= 1u);
    BOOST_TEST(created < ids.size());

    open_bucket(sim);
    auto done = run_process(apply_argv(sim, dir, m, true), creds());
    BOOST_TEST(done.exit_code == 0, done.err);
    auto after = read_rows(dir / "r.csv");
    BOOST_TEST(after.size() == ids.size());
    for (auto& row : after) BOOST_TEST(cmbulk::to_string(row.result) == "created");
    check_exactly_once(sim, ids);
}

BOOST_AUTO_TEST_CASE(the_end_of_grace_ends_a_retry_after_pause) {
    sim_process sim(slow_bucket(12));
    temp_dir dir;
    auto m = write_manifest(dir, project_ids(sim));
    child_process child(apply_argv(sim, dir, m, false, "1"), creds());
    BOOST_TEST_REQUIRE(wait_for_429(sim));
    auto t0 = std::chrono::steady_clock::now();
    child.signal(SIGINT);
    auto r = child.wait(30s);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 2500ms));  // --grace 1, and a margin
    BOOST_TEST(read_rows(dir / "r.csv").size() == 12u);
}

BOOST_AUTO_TEST_CASE(second_ctrl_c_stops_plan_during_a_retry_after_pause) {
    sim_process sim(slow_bucket(20));
    temp_dir dir;
    auto m = write_manifest(dir, project_ids(sim));
    child_process child({cmbulk_bin(), "plan", m.string(), "--base-url", sim.base_url(),
                         "--concurrency", "4", "--progress", "plain"},
                        creds());
    BOOST_TEST_REQUIRE(wait_for_429(sim));
    std::this_thread::sleep_for(300ms);
    process_result r;
    auto took = interrupt_twice(child, r);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130);
    BOOST_TEST(took.count() < 1000);
    BOOST_TEST(r.err.find("interrupted (SIGINT)") != std::string::npos);
    BOOST_TEST(r.out.find("not read") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(second_ctrl_c_stops_audit_during_a_retry_after_pause) {
    sim_process sim(slow_bucket(20));
    temp_dir dir;
    child_process child({cmbulk_bin(), "audit", "--all", "--base-url", sim.base_url(), "--report",
                         (dir / "a.jsonl").string(), "--concurrency", "4", "--progress", "plain"},
                        creds());
    BOOST_TEST_REQUIRE(wait_for_429(sim));
    std::this_thread::sleep_for(300ms);
    process_result r;
    auto took = interrupt_twice(child, r);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130);
    BOOST_TEST(took.count() < 1000);
    BOOST_TEST(r.err.find("interrupted (SIGINT)") != std::string::npos);
    // What was read is kept for --resume (an audit's checkpoint, which `report` does not take).
    BOOST_TEST_REQUIRE(std::filesystem::exists(dir / "a.checkpoint.jsonl"));
    auto rep = run_process({cmbulk_bin(), "report", (dir / "a.checkpoint.jsonl").string(),
                            "--report", (dir / "x.csv").string()});
    BOOST_TEST(rep.exit_code == 2, rep.err);
    open_bucket(sim);
    auto done = run_process({cmbulk_bin(), "audit", "--all", "--base-url", sim.base_url(),
                             "--report", (dir / "a.jsonl").string(), "--resume"},
                            creds());
    BOOST_TEST(done.exit_code == 0, done.err);
    BOOST_TEST(done.err.find("20 of 20 projects read") != std::string::npos, done.err);
    BOOST_TEST(!std::filesystem::exists(dir / "a.checkpoint.jsonl"));  // finished: removed
}

BOOST_AUTO_TEST_SUITE_END()
