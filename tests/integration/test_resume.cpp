// Integration tests of checkpoints and --resume: the real cmbulk killed with SIGKILL at random
// moments (with and without reset-after-apply faults) and resumed until done, SIGINT's graceful
// stop, torn and corrupt journals, refusals of a changed run, and `cmbulk report` mid-run.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <map>
#include <random>
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

std::string token_for(std::size_t i) { return "xoxb-RESUME-SECRET-" + std::to_string(500000 + i); }

std::filesystem::path write_manifest(const temp_dir& dir, const std::vector<std::string>& ids,
                                     std::string name = "m.csv") {
    std::string csv = "projectId,type,apiToken,teamName\n";
    for (std::size_t i = 0; i < ids.size(); ++i)
        csv += ids[i] + ",SLACK," + token_for(i) + ",team\n";
    auto p = dir / name;
    write_file(p, csv);
    return p;
}

struct run_paths {
    std::filesystem::path manifest, report, checkpoint;
};

std::vector<std::string> apply_argv(sim_process& sim, const run_paths& p, bool resume,
                                    std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{cmbulk_bin(),
                                  "apply",
                                  p.manifest.string(),
                                  "--base-url",
                                  sim.base_url(),
                                  "--report",
                                  p.report.string(),
                                  "--checkpoint",
                                  p.checkpoint.string(),
                                  "--progress",
                                  "plain",
                                  "--grace",
                                  "5"};
    if (resume) argv.push_back("--resume");
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

run_options creds() {
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.timeout = 180s;
    return o;
}

std::vector<cmbulk::report_row> read_rows(const std::filesystem::path& p) {
    std::string msg;
    auto rows = cmbulk::read_report(p, std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    return *rows;
}

std::map<std::string, int> count_outcomes(const std::vector<cmbulk::report_row>& rows) {
    std::map<std::string, int> m;
    for (auto& r : rows) m[std::string(cmbulk::to_string(r.result))]++;
    return m;
}

/// Every project of the simulator was created exactly once, holding its own token.
void check_exactly_once(sim_process& sim, const std::vector<std::string>& ids) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
    int checked = 0, not_once = 0, wrong_token = 0;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array()) {
            auto id = std::string(p.at("id").as_string());
            if (p.at("creates").to_number<int>() != 1) ++not_once;
            auto& integrations = p.at("integrations").as_array();
            if (integrations.size() != 1 ||
                integrations[0].at("apiToken") != token_for(index[id]).c_str())
                ++wrong_token;
            ++checked;
        }
    BOOST_TEST(checked == static_cast<int>(ids.size()));
    BOOST_TEST(not_once == 0);
    BOOST_TEST(wrong_token == 0);
}

/// The paths of a new run over `ids` in `dir` (the manifest is written now).
run_paths fresh_run(const temp_dir& dir, const std::vector<std::string>& ids) {
    return run_paths{write_manifest(dir, ids), dir / "r.csv", dir / "r.ckpt.jsonl"};
}

/// Starts a new (not resumed) run and kills it with SIGKILL after `after`.
void start_and_kill(sim_process& sim, const run_paths& p, std::chrono::milliseconds after) {
    child_process child(apply_argv(sim, p, false), creds());
    std::this_thread::sleep_for(after);
    child.signal(SIGKILL);
    child.wait(10s);
}

/// Starts the run, kills it with SIGKILL at `kills` random moments (resuming each time), then
/// resumes until it finishes. Returns the final exit code.
int kill_and_resume(sim_process& sim, const run_paths& paths, int kills, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> delay_ms(100, 700);
    for (int k = 0; k < kills; ++k) {
        child_process child(apply_argv(sim, paths, k > 0), creds());
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        child.signal(SIGKILL);
        auto r = child.wait(10s);
        BOOST_TEST_REQUIRE(!r.timed_out);
        if (r.exit_code == 0) return 0;  // finished before the kill landed
    }
    auto last = run_process(apply_argv(sim, paths, true), creds());
    BOOST_TEST_INFO("last resume stderr: " << last.err);
    return last.exit_code;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resume_suite)

BOOST_AUTO_TEST_CASE(sigkill_at_ten_moments_then_resume) {
    sim_process sim({"--generate", "1:2000", "--latency", "20"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto p = fresh_run(dir, ids);
    int code = kill_and_resume(sim, p, 10, 1234);
    BOOST_TEST(code == 0);
    auto rows = read_rows(p.report);
    BOOST_TEST(rows.size() == 2000u);
    auto counts = count_outcomes(rows);
    BOOST_TEST(counts["created"] == 2000);
    BOOST_TEST(counts["exists"] == 0);
    BOOST_TEST(counts["failed"] == 0);
    check_exactly_once(sim, ids);
    // The checkpoint never holds a secret (at most the last four characters).
    auto ckpt = read_file(p.checkpoint);
    BOOST_TEST(ckpt.find("RESUME-SECRET") == std::string::npos);
    BOOST_TEST(ckpt.find(priv) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigkill_with_reset_after_apply_faults) {
    sim_process sim({"--generate", "1:2000", "--latency", "20", "--fault", "reset-after=0.10",
                     "--fault-seed", "5"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto p = fresh_run(dir, ids);
    int code = kill_and_resume(sim, p, 10, 99);
    BOOST_TEST(code == 0);
    auto rows = read_rows(p.report);
    BOOST_TEST(rows.size() == 2000u);
    auto counts = count_outcomes(rows);
    BOOST_TEST(counts["created"] == 2000);
    BOOST_TEST(counts["failed"] == 0);
    check_exactly_once(sim, ids);
}

BOOST_AUTO_TEST_CASE(sigint_stops_gracefully_and_resume_completes) {
    sim_process sim({"--generate", "1:1500", "--latency", "20"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto p = fresh_run(dir, ids);
    child_process child(apply_argv(sim, p, false), creds());
    std::this_thread::sleep_for(800ms);
    auto t0 = std::chrono::steady_clock::now();
    child.signal(SIGINT);
    auto r = child.wait(30s);
    auto stop_time = std::chrono::steady_clock::now() - t0;
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130);
    BOOST_TEST(stop_time < 5s);  // within --grace 5
    BOOST_TEST(r.err.find("--resume") != std::string::npos);
    auto partial = read_rows(p.report);
    BOOST_TEST(partial.size() == 1500u);  // every row is in the report, most not-run
    auto pc = count_outcomes(partial);
    BOOST_TEST(pc["created"] > 0);
    BOOST_TEST(pc["not-run"] > 0);
    auto done = run_process(apply_argv(sim, p, true), creds());
    BOOST_TEST(done.exit_code == 0, done.err);
    auto rows = read_rows(p.report);
    BOOST_TEST(count_outcomes(rows)["created"] == 1500);
    check_exactly_once(sim, ids);
}

BOOST_AUTO_TEST_CASE(new_run_refuses_an_unfinished_checkpoint) {
    sim_process sim({"--generate", "1:600", "--latency", "20"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto p = fresh_run(dir, ids);
    start_and_kill(sim, p, 500ms);
    auto again = run_process(apply_argv(sim, p, false), creds());
    BOOST_TEST(again.exit_code == 2);
    BOOST_TEST(again.err.find("--resume") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(changed_run_is_refused_unless_forced) {
    sim_process sim({"--generate", "1:400", "--latency", "20"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto p = fresh_run(dir, ids);
    start_and_kill(sim, p, 500ms);
    // Another action.
    auto other_action = run_process(apply_argv(sim, p, true, {"--action", "upsert"}), creds());
    BOOST_TEST(other_action.exit_code == 2);
    BOOST_TEST(other_action.err.find("action") != std::string::npos, other_action.err);
    // Another server.
    auto argv = apply_argv(sim, p, true);
    argv[4] = "http://localhost:" + std::to_string(sim.port());
    auto other_server = run_process(argv, creds());
    BOOST_TEST(other_server.exit_code == 2);
    BOOST_TEST(other_server.err.find("base URL") != std::string::npos, other_server.err);
    // A changed manifest (rows reordered): refused, then --force matches by (project, type).
    std::vector<std::string> reversed(ids.rbegin(), ids.rend());
    std::string csv = "projectId,type,apiToken,teamName\n";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        std::size_t orig = ids.size() - 1 - i;
        csv += reversed[i] + ",SLACK," + token_for(orig) + ",team\n";
    }
    write_file(p.manifest, csv);
    auto changed = run_process(apply_argv(sim, p, true), creds());
    BOOST_TEST(changed.exit_code == 2);
    BOOST_TEST(changed.err.find("manifest") != std::string::npos, changed.err);
    BOOST_TEST(changed.err.find("--force") != std::string::npos);
    auto forced = run_process(apply_argv(sim, p, true, {"--force"}), creds());
    BOOST_TEST(forced.exit_code == 0, forced.err);
    BOOST_TEST(forced.err.find("(projectId, type)") != std::string::npos);
    auto rows = read_rows(p.report);
    BOOST_TEST(rows.size() == 400u);
    BOOST_TEST(count_outcomes(rows)["created"] == 400);
    check_exactly_once(sim, ids);
}

BOOST_AUTO_TEST_CASE(torn_tail_is_repaired_and_garbage_is_refused) {
    sim_process sim({"--generate", "1:300", "--latency", "10"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto p = fresh_run(dir, ids);
    start_and_kill(sim, p, 400ms);
    auto good = read_file(p.checkpoint);
    // 1. A torn last line (a kill mid-write): repaired, the run completes.
    write_file(p.checkpoint, good + R"({"k":"outcome","row":12,"li)");
    auto torn = run_process(apply_argv(sim, p, true), creds());
    BOOST_TEST(torn.exit_code == 0, torn.err);
    BOOST_TEST(torn.err.find("torn") != std::string::npos);
    check_exactly_once(sim, ids);
    // 2. Garbage in the middle: refused, naming the line; nothing is skipped silently.
    auto first_nl = good.find('\n');
    auto second_nl = good.find('\n', first_nl + 1);
    BOOST_REQUIRE(second_nl != std::string::npos);
    std::string corrupt =
        good.substr(0, second_nl + 1) + "this is not json\n" + good.substr(second_nl + 1);
    write_file(p.checkpoint, corrupt);
    auto before =
        json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array().size();
    auto bad = run_process(apply_argv(sim, p, true), creds());
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(bad.err.find(":3") != std::string::npos, bad.err);
    // 3. A truncated header: refused, naming line 1.
    write_file(p.checkpoint, good.substr(0, first_nl / 2));
    auto header = run_process(apply_argv(sim, p, true), creds());
    BOOST_TEST(header.exit_code == 2);
    BOOST_TEST(header.err.find(":1") != std::string::npos, header.err);
    auto after =
        json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array().size();
    BOOST_TEST(after == before);  // refusals send nothing
}

BOOST_AUTO_TEST_CASE(resume_failed_false_keeps_failed_rows) {
    sim_process sim({"--generate", "1:50"});
    temp_dir dir;
    auto ids = project_ids(sim);
    // Rows 0-9 name a project that does not exist: they fail with 404.
    std::string csv = "projectId,type,apiToken,teamName\n";
    for (std::size_t i = 0; i < 50; ++i) {
        std::string id = i < 10 ? "aaaaaaaaaaaaaaaaaaaaaa" + std::to_string(10 + i) : ids[i];
        csv += id + ",SLACK," + token_for(i) + ",team\n";
    }
    run_paths p{dir / "m.csv", dir / "r.csv", dir / "r.ckpt.jsonl"};
    write_file(p.manifest, csv);
    auto first = run_process(apply_argv(sim, p, false), creds());
    BOOST_TEST(first.exit_code == 1);
    BOOST_TEST(count_outcomes(read_rows(p.report))["failed"] == 10);
    auto requests_before =
        json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array().size();
    auto keep = run_process(apply_argv(sim, p, true, {"--resume-failed=false"}), creds());
    BOOST_TEST(keep.exit_code == 1);
    auto requests_after =
        json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array().size();
    BOOST_TEST(requests_after == requests_before);  // nothing re-sent
    auto counts = count_outcomes(read_rows(p.report));
    BOOST_TEST(counts["failed"] == 10);
    BOOST_TEST(counts["created"] == 40);
    // By default failed rows run again (and fail again here: the projects do not exist).
    auto again = run_process(apply_argv(sim, p, true), creds());
    BOOST_TEST(again.exit_code == 1);
    auto requests_again =
        json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array().size();
    BOOST_TEST(requests_again > requests_after);
}

BOOST_AUTO_TEST_CASE(report_from_checkpoint_mid_run) {
    sim_process sim({"--generate", "1:1000", "--latency", "20"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto p = fresh_run(dir, ids);
    child_process child(apply_argv(sim, p, false), creds());
    std::this_thread::sleep_for(700ms);
    auto mid = run_process({cmbulk_bin(), "report", p.checkpoint.string(), "--report",
                            (dir / "mid.csv").string(), "--manifest", p.manifest.string()});
    BOOST_TEST((mid.exit_code == 0 || mid.exit_code == 1), mid.err);
    auto mid_rows = read_rows(dir / "mid.csv");
    BOOST_TEST(mid_rows.size() == 1000u);
    auto mc = count_outcomes(mid_rows);
    BOOST_TEST(mc["created"] > 0);
    BOOST_TEST(mc["created"] < 1000);
    auto r = child.wait(120s);
    BOOST_TEST(r.exit_code == 0);
    auto fin = run_process(
        {cmbulk_bin(), "report", p.checkpoint.string(), "--report", (dir / "final.json").string()});
    BOOST_TEST(fin.exit_code == 0, fin.err);
    auto final_rows = read_rows(dir / "final.json");
    BOOST_TEST(count_outcomes(final_rows)["created"] == 1000);
}

BOOST_AUTO_TEST_SUITE_END()
