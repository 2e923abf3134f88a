// Integration tests of `cmbulk revert` for the alert configurations a rotation rewrote (issue
// 17): the real binaries against a cmbulk-sim on 127.0.0.1:0 with generated alerts. An update
// with new secrets (integrations and their alert copies) reverted with the old secrets gives the
// seed back; a config someone changed in between is `changed-since` and keeps its bytes; a revert
// killed with SIGKILL resumes to the same end state; no secret in checkpoints, report or output.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"
#include "revert_support.hpp"
#include "test_sim_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;
using namespace std::chrono_literals;

namespace {

/// The alert configuration `id` of project `project` as the simulator holds it (serialized).
std::string config_bytes(sim_process& sim, const std::string& project, const std::string& id) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            if (p.at("id").as_string() == project)
                for (auto& c : p.at("alertConfigs").as_array())
                    if (c.at("id").as_string() == id) return json::serialize(c);
    return {};
}

std::string first_config_id(sim_process& sim, const std::string& project) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            if (p.at("id").as_string() == project)
                return std::string(p.at("alertConfigs").as_array()[0].at("id").as_string());
    return {};
}

std::string token_for(std::size_t i) { return "xoxb-rot-" + std::to_string(100000 + i) + "-tok"; }

/// A world of `n` projects with a Slack integration and two alert configurations each, updated
/// to new tokens by `apply` (its rotation rewrites the alert copies); the seed's tokens kept as
/// an --old-secrets file.
struct rotated_world {
    sim_process sim;
    temp_dir dir;
    json::value seed;
    std::vector<std::string> old_tokens, ids;

    rotated_world(int n, std::vector<std::string> sim_extra = {})
        : sim([&] {
              std::vector<std::string> a{"--generate", "1:" + std::to_string(n), "--with",
                                         "SLACK",      "--with-alerts",          "2"};
              a.insert(a.end(), sim_extra.begin(), sim_extra.end());
              return a;
          }()) {
        seed = comparable_state(sim, alert_counters::left_out);
        auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
        std::string old_csv = "projectId,type,apiToken\n";
        std::string csv = "projectId,type,apiToken,teamName,channelName\n";
        for (auto& p : state.at("orgs").as_array()[0].at("projects").as_array()) {
            std::string id(p.at("id").as_string());
            for (auto& i : p.at("integrations").as_array())
                if (i.at("type") == "SLACK") {
                    old_tokens.emplace_back(i.at("apiToken").as_string());
                    old_csv += id + ",SLACK," + old_tokens.back() + "\n";
                }
            csv += id + ",SLACK," + token_for(ids.size()) + ",team-rot,#rot\n";
            ids.push_back(id);
        }
        write_file(dir / "old-secrets.csv", old_csv);
        write_file(dir / "rot.csv", csv);
        auto applied =
            run_process({cmbulk_bin(), "apply", (dir / "rot.csv").string(), "--action", "update",
                         "--base-url", sim.base_url(), "--report", (dir / "run.csv").string(),
                         "--progress", "plain", "--concurrency", "8"},
                        sim_creds());
        BOOST_TEST_INFO("apply: " << applied.err << applied.out);
        BOOST_REQUIRE_EQUAL(applied.exit_code, 0);
    }

    std::vector<std::string> revert_argv(std::vector<std::string> extra) {
        std::vector<std::string> argv{
            cmbulk_bin(), "revert",        (dir / "run.checkpoint.jsonl").string(),
            "--base-url", sim.base_url(),  "--progress",
            "plain",      "--old-secrets", (dir / "old-secrets.csv").string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }

    /// No old or new token in `text`.
    void check_no_secret(const std::string& what, const std::string& text) {
        std::vector<std::string> all = old_tokens;
        all.push_back(token_for(0));
        all.push_back(token_for(ids.size() - 1));
        for (auto& s : all) BOOST_TEST(text.find(s) == std::string::npos, what << " holds a token");
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(revert_alerts_suite)

BOOST_AUTO_TEST_CASE(update_with_alerts_then_revert_with_the_old_secrets_equals_the_seed) {
    // The issue's 1,000 rows (about 6 s by hand); CMBULK_REVERT_ROWS=N runs another count.
    const char* rows = std::getenv("CMBULK_REVERT_ROWS");
    int n = rows ? std::atoi(rows) : 1000;
    rotated_world w(n);
    auto changed = comparable_state(w.sim, alert_counters::left_out);
    BOOST_TEST(changed != w.seed);
    auto plan = run_process(w.revert_argv({"--plan"}), sim_creds());
    BOOST_TEST_INFO("plan: " << plan.err);
    BOOST_TEST(plan.exit_code == 0);
    auto configs = std::to_string(2 * n);
    BOOST_TEST(plan.out.find("revert alert configs: " + configs + " put-back") !=
               std::string::npos);
    BOOST_TEST(plan.out.find("alertConfig:") != std::string::npos);
    BOOST_TEST(comparable_state(w.sim, alert_counters::left_out) == changed);
    auto r = run_process(w.revert_argv({"--concurrency", "8"}), sim_creds());
    BOOST_TEST_INFO("revert: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.find(std::to_string(n) + " put-back") != std::string::npos);
    BOOST_TEST(r.out.find("revert alert configs: " + configs + " put-back") != std::string::npos);
    BOOST_TEST(comparable_state(w.sim, alert_counters::left_out) == w.seed);
    auto report = read_file(w.dir / "run.revert.csv");
    BOOST_TEST(std::count(report.begin(), report.end(), '\n') >= 3 * n);
    BOOST_TEST(report.find("alertConfig:") != std::string::npos);
    auto ckpt = read_file(w.dir / "run.checkpoint.jsonl");
    BOOST_TEST(ckpt.find("\"st\":\"alert:") != std::string::npos);
    w.check_no_secret("the run's checkpoint", ckpt);
    w.check_no_secret("the revert's checkpoint", read_file(w.dir / "run.revert.checkpoint.jsonl"));
    w.check_no_secret("the revert's report", report);
    w.check_no_secret("the output", r.out + r.err + plan.out + plan.err);
}

BOOST_AUTO_TEST_CASE(an_alert_config_changed_since_the_run_is_left_alone) {
    rotated_world w(6);
    // Someone else disables one rewritten configuration after the run.
    auto id = first_config_id(w.sim, w.ids[2]);
    curl_client cl(w.sim.port(), std::string(cmbulk::sim::generated_public_key),
                   std::string(cmbulk::sim::generated_private_key));
    auto patched = cl.call("PATCH", "/api/public/v1.0/groups/" + w.ids[2] + "/alertConfigs/" + id,
                           R"({"enabled":false})");
    BOOST_TEST_REQUIRE(patched.status == 200, patched.body);
    auto theirs = config_bytes(w.sim, w.ids[2], id);
    auto r = run_process(w.revert_argv({}), sim_creds());
    BOOST_TEST_INFO("revert: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(r.out.find("revert alert configs: 11 put-back, 0 nothing, 1 changed-since") !=
               std::string::npos);
    BOOST_TEST(config_bytes(w.sim, w.ids[2], id) == theirs);
    auto report = read_file(w.dir / "run.revert.csv");
    BOOST_TEST(report.find("CHANGED_SINCE") != std::string::npos);
    w.check_no_secret("the revert's report", report);
}

BOOST_AUTO_TEST_CASE(sigkill_during_a_revert_with_alerts_then_resume) {
    rotated_world w(100, {"--rate-limit", "200", "--rate-burst", "20"});
    auto ckpt = w.dir / "run.revert.checkpoint.jsonl";
    {
        child_process child(w.revert_argv({"--concurrency", "4"}), sim_creds());
        // Killed once its checkpoint holds some alert outcomes (not after a fixed time).
        for (int i = 0; i < 3000 && child.running(); ++i) {
            std::error_code ec;
            if (std::filesystem::exists(ckpt, ec)) {
                auto text = read_file(ckpt);
                std::size_t alerts = 0;
                for (auto at = text.find("\"st\":\"alert:"); at != std::string::npos;
                     at = text.find("\"st\":\"alert:", at + 1))
                    ++alerts;
                if (alerts > 30) break;
            }
            std::this_thread::sleep_for(10ms);
        }
        child.signal(SIGKILL);
        child.wait(10s);
    }
    BOOST_TEST(comparable_state(w.sim, alert_counters::left_out) != w.seed);
    auto r = run_process(w.revert_argv({"--resume"}), sim_creds());
    BOOST_TEST_INFO("resume: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.err.find("rows finished before") != std::string::npos);
    BOOST_TEST(comparable_state(w.sim, alert_counters::left_out) == w.seed);
    w.check_no_secret("the revert's checkpoint", read_file(ckpt));
    w.check_no_secret("the output", r.out + r.err);
}

BOOST_AUTO_TEST_SUITE_END()
