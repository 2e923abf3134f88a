// Integration tests of "resume as printed" (issue 15): the checkpoint records every option that
// changes what is sent or written (the --set values as references and salted hashes, never a
// secret); an interrupted run prints a command that, run through a shell as is, completes every
// row exactly once; `cmbulk apply --resume CHECKPOINT` alone continues with the recorded
// options; an option that differs from the recorded run is refused, naming each difference.
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
const std::string new_token = "xoxb-RESUME-NEW-SECRET-424242";

run_options env_in(const temp_dir& dir, const std::string& token = new_token) {
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.env["NEW_TOKEN"] = token;
    o.cwd = dir.path();
    o.timeout = 120s;
    return o;
}

json::array sim_log(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array();
}

/// Waits (at most 20 s) until the simulator has answered a 429: the run is in its pause.
bool wait_for_429(sim_process& sim) {
    for (int i = 0; i < 400; ++i) {
        for (auto& r : sim_log(sim))
            if (r.at("status").to_number<int>() == 429) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

void open_bucket(sim_process& sim) {
    auto r = http_request(sim.port(), "POST", "/__sim/config", R"({"rateLimit":0})",
                          {{"Content-Type", "application/json"}});
    BOOST_REQUIRE(r.status == 200);
}

/// A Slack rotation manifest (the token comes from --set).
void write_rotation(const temp_dir& dir, const std::vector<std::string>& ids) {
    std::string csv = "projectId,teamName,channelName\n";
    for (auto& id : ids) csv += id + ",team,#ops\n";
    write_file(dir / "rotation.csv", csv);
}

/// The rotation as a user types it.
std::vector<std::string> rotation_argv(sim_process& sim) {
    return {cmbulk_bin(),
            "apply",
            "rotation.csv",
            "--type",
            "SLACK",
            "--action",
            "update",
            "--set",
            "apiToken=${env:NEW_TOKEN}",
            "--verify",
            "--report",
            "run.csv",
            "--base-url",
            sim.base_url(),
            "--progress",
            "plain",
            "--concurrency",
            "2",
            "--grace",
            "2"};
}

/// Each project got exactly one successful PUT.
void check_every_row_once(sim_process& sim, const std::vector<std::string>& ids) {
    std::map<std::string, int> puts;
    for (auto& r : sim_log(sim)) {
        auto status = r.at("status").to_number<int>();
        if (r.at("method") == "PUT" && status >= 200 && status < 300)
            ++puts[std::string(r.at("path").as_string())];
    }
    BOOST_TEST(puts.size() == ids.size());
    for (auto& [path, n] : puts) BOOST_TEST(n == 1, path << " updated " << n << " times");
}

std::string printed_command(const std::string& err) {
    auto at = err.find("to finish the run: ");
    if (at == std::string::npos) return {};
    at += std::string("to finish the run: ").size();
    return err.substr(at, err.find('\n', at) - at);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resume_as_printed_suite)

BOOST_AUTO_TEST_CASE(the_printed_command_runs_as_is_and_finishes_every_row_once) {
    // The bucket holds 3 requests and refills one a minute: the run pauses on a 429.
    sim_process sim(
        {"--generate", "1:12", "--with", "SLACK", "--rate-limit", "0.0167", "--rate-burst", "3"});
    temp_dir dir;
    auto ids = project_ids(sim);
    write_rotation(dir, ids);
    child_process child(rotation_argv(sim), env_in(dir));
    BOOST_TEST_REQUIRE(wait_for_429(sim));
    child.signal(SIGINT);
    auto r = child.wait(60s);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(r.exit_code == 130);
    auto cmd = printed_command(r.err);
    BOOST_TEST_REQUIRE(!cmd.empty());
    BOOST_TEST(cmd.find("--resume") != std::string::npos);
    BOOST_TEST(cmd.find("--set") == std::string::npos);  // the checkpoint holds it
    auto checkpoint = read_file(dir / "run.checkpoint.jsonl");
    BOOST_TEST(checkpoint.find(new_token) == std::string::npos);
    BOOST_TEST(checkpoint.find("sethash.apiToken") != std::string::npos);
    BOOST_TEST(checkpoint.find("\"salt\"") != std::string::npos);

    open_bucket(sim);
    // `cmbulk` as the shell finds it: the printed command runs through /bin/sh as is.
    auto o = env_in(dir);
    o.env["PATH"] = std::filesystem::path(cmbulk_bin()).parent_path().string() + ":/usr/bin:/bin";
    auto done = run_process({"/bin/sh", "-c", cmd}, o);
    BOOST_TEST_INFO("resume stderr: " << done.err);
    BOOST_TEST(done.exit_code == 0);
    std::string msg;
    auto rows = cmbulk::read_report(dir / "run.csv", std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    BOOST_TEST(rows->size() == ids.size());
    // --verify came from the checkpoint too: every row was read back.
    for (auto& row : *rows) BOOST_TEST(cmbulk::to_string(row.result) == "verified");
    check_every_row_once(sim, ids);
}

BOOST_AUTO_TEST_CASE(resume_checkpoint_alone_continues_and_differences_are_refused) {
    sim_process sim(
        {"--generate", "1:6", "--with", "SLACK", "--rate-limit", "0.0167", "--rate-burst", "3"});
    temp_dir dir;
    auto ids = project_ids(sim);
    write_rotation(dir, ids);
    child_process child(rotation_argv(sim), env_in(dir));
    BOOST_TEST_REQUIRE(wait_for_429(sim));
    child.signal(SIGINT);
    auto r = child.wait(60s);
    BOOST_TEST_REQUIRE(r.exit_code == 130);
    open_bucket(sim);
    auto log_before = sim_log(sim).size();

    // Another secret, another report, another action: each named, nothing sent.
    auto other =
        run_process({cmbulk_bin(), "apply", "--resume", "run.checkpoint.jsonl", "--set",
                     "apiToken=${env:NEW_TOKEN}", "--report", "other.csv", "--action", "upsert"},
                    env_in(dir, "xoxb-ANOTHER-TOKEN-1234"));
    BOOST_TEST_INFO("stderr: " << other.err);
    BOOST_TEST(other.exit_code == 2);
    BOOST_TEST(other.err.find("--set apiToken: another value than the recorded run") !=
               std::string::npos);
    BOOST_TEST(other.err.find("--report: was ") != std::string::npos);
    BOOST_TEST(other.err.find("action differs: update vs upsert") != std::string::npos);
    BOOST_TEST(other.err.find("xoxb-") == std::string::npos);
    BOOST_TEST(sim_log(sim).size() == log_before);

    // Nothing else given: the recorded options, the recorded manifest.
    auto done =
        run_process({cmbulk_bin(), "apply", "--resume", "run.checkpoint.jsonl"}, env_in(dir));
    BOOST_TEST_INFO("stderr: " << done.err);
    BOOST_TEST(done.exit_code == 0);
    check_every_row_once(sim, ids);
    std::string msg;
    auto rows = cmbulk::read_report(dir / "run.csv", std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    for (auto& row : *rows) BOOST_TEST(cmbulk::to_string(row.result) == "verified");
}

BOOST_AUTO_TEST_SUITE_END()
