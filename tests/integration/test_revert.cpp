// Integration tests of `cmbulk revert` (issue 17): the real binaries against a cmbulk-sim on
// 127.0.0.1:0. An apply run (creates, updates with new secrets, deletes) is reverted and the
// simulator's state compared with the seed; rows changed by someone else in between are
// `changed-since` and untouched; a revert killed with SIGKILL resumes to the same end state; no
// secret, old or new, is in either checkpoint.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <thread>

#include "cmbulk/report.hpp"
#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"
#include "revert_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> apply_argv(sim_process& sim, const temp_dir& dir,
                                    const std::filesystem::path& manifest,
                                    std::vector<std::string> extra) {
    std::vector<std::string> argv{
        cmbulk_bin(),   "apply",    manifest.string(),          "--base-url",
        sim.base_url(), "--report", (dir / "run.csv").string(), "--progress",
        "plain"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

std::vector<std::string> revert_argv(sim_process& sim, const temp_dir& dir,
                                     std::vector<std::string> extra) {
    std::vector<std::string> argv{
        cmbulk_bin(), "revert",       (dir / "run.checkpoint.jsonl").string(),
        "--base-url", sim.base_url(), "--progress",
        "plain"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

std::string token_for(std::size_t i, const std::string& tag) {
    return "xoxb-" + tag + "-" + std::to_string(100000 + i) + "-tok";
}

/// A Slack manifest over `ids` with a token per row.
std::filesystem::path slack_manifest(const temp_dir& dir, const std::vector<std::string>& ids,
                                     const std::string& tag) {
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (std::size_t i = 0; i < ids.size(); ++i)
        csv += ids[i] + ",SLACK," + token_for(i, tag) + ",team-" + tag + ",#" + tag + "\n";
    auto path = dir / (tag + ".csv");
    write_file(path, csv);
    return path;
}

/// The seed's Slack tokens as an --old-secrets file (projectId,type,apiToken).
std::filesystem::path old_secrets_file(sim_process& sim, const temp_dir& dir,
                                       std::vector<std::string>& tokens) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::string csv = "projectId,type,apiToken\n";
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            for (auto& i : p.at("integrations").as_array())
                if (i.at("type") == "SLACK") {
                    auto tok = std::string(i.at("apiToken").as_string());
                    tokens.push_back(tok);
                    csv += std::string(p.at("id").as_string()) + ",SLACK," + tok + "\n";
                }
    auto path = dir / "old-secrets.csv";
    write_file(path, csv);
    return path;
}

std::map<std::string, int> count_errors(const std::filesystem::path& report) {
    std::string msg;
    auto rows = cmbulk::read_report(report, std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    std::map<std::string, int> m;
    for (auto& r : *rows)
        m[r.error_code.empty() ? std::string(to_string(r.result)) : r.error_code]++;
    return m;
}

void check_absent(const std::filesystem::path& file, const std::vector<std::string>& secrets) {
    auto text = read_file(file);
    for (auto& s : secrets)
        BOOST_TEST(text.find(s) == std::string::npos, file << " holds " << s.substr(0, 10));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(revert_suite)

BOOST_AUTO_TEST_CASE(create_1000_then_revert_equals_the_seed) {
    sim_process sim({"--generate", "1:1000", "--with", "PAGER_DUTY", "--with-alerts", "1"});
    temp_dir dir;
    auto seed = comparable_state(sim);
    auto ids = project_ids(sim);
    auto manifest = slack_manifest(dir, ids, "new");
    auto applied = run_process(apply_argv(sim, dir, manifest, {"--concurrency", "8"}), sim_creds());
    BOOST_TEST_INFO("apply: " << applied.err);
    BOOST_REQUIRE_EQUAL(applied.exit_code, 0);
    BOOST_TEST(comparable_state(sim) != seed);
    // --plan first: it says what it would do and sends nothing.
    auto plan = run_process(revert_argv(sim, dir, {"--plan"}), sim_creds());
    BOOST_TEST_INFO("plan: " << plan.err);
    BOOST_TEST(plan.exit_code == 0);
    BOOST_TEST(plan.out.find("revert: 1000 delete, 0 put-back") != std::string::npos);
    auto r = run_process(revert_argv(sim, dir, {"--concurrency", "8"}), sim_creds());
    BOOST_TEST_INFO("revert: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.find("revert: 1000 delete") != std::string::npos);
    BOOST_TEST(comparable_state(sim) == seed);
    check_absent(dir / "run.checkpoint.jsonl", {token_for(0, "new"), token_for(999, "new")});
}

BOOST_AUTO_TEST_CASE(update_then_revert_with_the_old_secrets_equals_the_seed) {
    sim_process sim({"--generate", "1:300", "--with", "SLACK"});
    temp_dir dir;
    auto seed = comparable_state(sim);
    std::vector<std::string> old_tokens;
    auto old_file = old_secrets_file(sim, dir, old_tokens);
    BOOST_REQUIRE_EQUAL(old_tokens.size(), 300u);
    auto manifest = slack_manifest(dir, project_ids(sim), "rot");
    auto applied = run_process(
        apply_argv(sim, dir, manifest, {"--action", "update", "--integrations-only"}), sim_creds());
    BOOST_TEST_INFO("apply: " << applied.err);
    BOOST_REQUIRE_EQUAL(applied.exit_code, 0);
    auto changed = comparable_state(sim);
    // Without the old secrets: needs-secret, nothing sent.
    auto bare =
        run_process(revert_argv(sim, dir, {"--report", (dir / "bare.csv").string()}), sim_creds());
    BOOST_TEST(bare.exit_code == 1);
    BOOST_TEST(count_errors(dir / "bare.csv")["NEEDS_SECRET"] == 300);
    BOOST_TEST(comparable_state(sim) == changed);
    auto r = run_process(revert_argv(sim, dir, {"--old-secrets", old_file.string()}), sim_creds());
    BOOST_TEST_INFO("revert: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.find("300 put-back") != std::string::npos);
    BOOST_TEST(comparable_state(sim) == seed);
    std::vector<std::string> all = old_tokens;
    all.push_back(token_for(0, "rot"));
    all.push_back(token_for(299, "rot"));
    check_absent(dir / "run.checkpoint.jsonl", all);
    check_absent(dir / "run.revert.checkpoint.jsonl", all);
    check_absent(dir / "run.revert.csv", all);
    BOOST_TEST(r.out.find(old_tokens[0]) == std::string::npos);
    BOOST_TEST(r.err.find(old_tokens[0]) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(rows_changed_since_the_run_are_left_alone) {
    sim_process sim({"--generate", "1:20", "--with", "PAGER_DUTY"});
    temp_dir dir;
    auto seed = comparable_state(sim);
    auto ids = project_ids(sim);
    auto applied =
        run_process(apply_argv(sim, dir, slack_manifest(dir, ids, "new"), {}), sim_creds());
    BOOST_REQUIRE_EQUAL(applied.exit_code, 0);
    // Someone else puts another token on two of them (with the same tool, another run).
    temp_dir other;
    auto theirs = dir / "theirs.csv";
    write_file(theirs, "projectId,type,apiToken,teamName,channelName\n" + ids[3] +
                           ",SLACK,xoxb-theirs-0003-abcd,t,#c\n" + ids[7] +
                           ",SLACK,xoxb-theirs-0007-wxyz,t,#c\n");
    auto o = run_process(apply_argv(sim, other, theirs, {"--action", "update"}), sim_creds());
    BOOST_REQUIRE_EQUAL(o.exit_code, 0);
    auto r = run_process(revert_argv(sim, dir, {}), sim_creds());
    BOOST_TEST_INFO("revert: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(r.out.find("18 delete") != std::string::npos);
    BOOST_TEST(r.out.find("2 changed-since") != std::string::npos);
    BOOST_TEST(count_errors(dir / "run.revert.csv")["CHANGED_SINCE"] == 2);
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    int theirs_left = 0;
    for (auto& p : state.at("orgs").as_array()[0].at("projects").as_array())
        for (auto& i : p.at("integrations").as_array())
            if (i.at("type") == "SLACK")
                theirs_left += i.at("apiToken").as_string().starts_with("xoxb-theirs");
    BOOST_TEST(theirs_left == 2);
}

BOOST_AUTO_TEST_CASE(sigkill_during_a_revert_then_resume) {
    sim_process sim({"--generate", "1:300", "--with", "PAGER_DUTY", "--rate-limit", "200",
                     "--rate-burst", "20"});
    temp_dir dir;
    auto seed = comparable_state(sim);
    auto ids = project_ids(sim);
    auto applied =
        run_process(apply_argv(sim, dir, slack_manifest(dir, ids, "new"), {}), sim_creds());
    BOOST_REQUIRE_EQUAL(applied.exit_code, 0);
    auto ckpt = dir / "run.revert.checkpoint.jsonl";
    {
        child_process child(revert_argv(sim, dir, {"--concurrency", "4"}), sim_creds());
        // Killed once its checkpoint holds some outcomes (not after a fixed time).
        for (int i = 0; i < 3000 && child.running(); ++i) {
            std::error_code ec;
            if (std::filesystem::exists(ckpt, ec)) {
                auto text = read_file(ckpt);
                if (std::count(text.begin(), text.end(), '\n') > 40) break;
            }
            std::this_thread::sleep_for(10ms);
        }
        child.signal(SIGKILL);
        child.wait(10s);
    }
    auto r = run_process(revert_argv(sim, dir, {"--resume"}), sim_creds());
    BOOST_TEST_INFO("resume: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.err.find("rows finished before") != std::string::npos);
    BOOST_TEST(comparable_state(sim) == seed);
    check_absent(ckpt, {token_for(0, "new"), token_for(299, "new")});
}

BOOST_AUTO_TEST_CASE(delete_then_revert_recreates_from_the_before_image) {
    sim_process sim({"--generate", "1:10", "--with", "SLACK"});
    temp_dir dir;
    auto seed = comparable_state(sim);
    std::vector<std::string> old_tokens;
    auto old_file = old_secrets_file(sim, dir, old_tokens);
    std::string csv = "projectId,type\n";
    for (auto& id : project_ids(sim)) csv += id + ",SLACK\n";
    write_file(dir / "del.csv", csv);
    auto applied =
        run_process(apply_argv(sim, dir, dir / "del.csv", {"--action", "delete"}), sim_creds());
    BOOST_REQUIRE_EQUAL(applied.exit_code, 0);
    check_absent(dir / "run.checkpoint.jsonl", old_tokens);
    // The delete's intent carries the integration as read before it (the before-image).
    BOOST_TEST(read_file(dir / "run.checkpoint.jsonl").find("\"m\":\"DELETE\",\"b\":{") !=
               std::string::npos);
    auto r = run_process(revert_argv(sim, dir, {"--old-secrets", old_file.string()}), sim_creds());
    BOOST_TEST_INFO("revert: " << r.err << r.out);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.find("10 recreate") != std::string::npos);
    BOOST_TEST(comparable_state(sim) == seed);
}

BOOST_AUTO_TEST_SUITE_END()
