// Integration tests of audit's "resume as printed" (issue 15): an interrupted audit prints a
// command that, run through a shell as is, finishes it without reading a recorded project again;
// `cmbulk audit --resume CHECKPOINT` alone continues with the recorded sources, types and
// outputs; an option that differs from the recorded audit is refused, naming each difference,
// before anything is sent.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t projects = 30;

run_options env_in(const temp_dir& dir) {
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
    o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
    o.env["PATH"] = std::filesystem::path(cmbulk_bin()).parent_path().string() + ":/usr/bin:/bin";
    o.cwd = dir.path();
    o.timeout = 120s;
    return o;
}

/// A world of `projects` projects with a Slack integration each, every answer 150 ms late.
std::unique_ptr<sim_process> slow_world() {
    return std::make_unique<sim_process>(std::vector<std::string>{
        "--generate", "1:" + std::to_string(projects), "--with", "SLACK", "--latency", "150"});
}

json::array sim_log(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array();
}

/// The successful reads of each project's integrations, by project path.
std::map<std::string, int> integration_reads(sim_process& sim) {
    std::map<std::string, int> reads;
    for (auto& r : sim_log(sim)) {
        std::string path(r.at("path").as_string());
        if (r.at("method") == "GET" && r.at("status").to_number<int>() == 200 &&
            path.find("/integrations") != std::string::npos)
            ++reads[path.substr(0, path.find("/integrations"))];
    }
    return reads;
}

/// The audit as a user types it.
std::vector<std::string> audit_argv(sim_process& sim) {
    return {cmbulk_bin(),
            "audit",
            "--all",
            "--base-url",
            sim.base_url(),
            "--report",
            "audit.csv",
            "--emit-manifest",
            "slack-update.csv",
            "--secret-ref",
            "apiToken=NEW_T",
            "--concurrency",
            "2",
            "--progress",
            "plain",
            "--grace",
            "1"};
}

/// Lines of `file` that are checkpoint `item` records (projects read completely).
std::size_t items_in(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return 0;
    std::istringstream in(read_file(file));
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.find("\"k\":\"item\"") != line.npos;
    return n;
}

/// Starts the audit and interrupts it once a few projects are recorded; its stderr.
std::string interrupted_audit(sim_process& sim, const temp_dir& dir) {
    child_process child(audit_argv(sim), env_in(dir));
    for (int i = 0; i < 400 && items_in(dir / "audit.checkpoint.jsonl") < 4; ++i)
        std::this_thread::sleep_for(25ms);
    child.signal(SIGINT);
    auto r = child.wait(60s);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST_REQUIRE(r.exit_code == 130);
    return r.err;
}

std::string printed_command(const std::string& err) {
    const std::string marker = "to finish: ";
    auto at = err.find(marker);
    if (at == std::string::npos) return {};
    at += marker.size();
    return err.substr(at, err.find('\n', at) - at);
}

/// The audit report covers every project once, and the emitted manifest every integration with
/// the recorded secret reference.
void check_outputs_complete(const temp_dir& dir) {
    BOOST_TEST_REQUIRE(std::filesystem::exists(dir / "audit.csv"));
    auto report = read_file(dir / "audit.csv");
    std::istringstream in(report);
    std::set<std::string> slack_projects;
    for (std::string line; std::getline(in, line);)
        if (line.find(",SLACK,") != line.npos) slack_projects.insert(line.substr(0, 24));
    BOOST_TEST(slack_projects.size() == projects, report);
    auto manifest = read_file(dir / "slack-update.csv");
    std::size_t refs = 0;
    for (auto at = manifest.find("${env:NEW_T}"); at != manifest.npos;
         at = manifest.find("${env:NEW_T}", at + 1))
        ++refs;
    BOOST_TEST(refs == projects, manifest);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_resume)

BOOST_AUTO_TEST_CASE(the_printed_command_runs_as_is_and_reads_no_recorded_project_again) {
    auto sim = slow_world();
    temp_dir dir;
    auto err = interrupted_audit(*sim, dir);
    auto recorded = items_in(dir / "audit.checkpoint.jsonl");
    BOOST_TEST(recorded >= 4u);
    BOOST_TEST(recorded < projects);
    auto cmd = printed_command(err);
    BOOST_TEST_REQUIRE(!cmd.empty(), err);
    BOOST_TEST(cmd.find("--resume") != std::string::npos);
    auto before = integration_reads(*sim);

    auto done = run_process({"/bin/sh", "-c", cmd}, env_in(dir));
    BOOST_TEST_INFO("resume stderr: " << done.err);
    BOOST_TEST(done.exit_code == 0);
    check_outputs_complete(dir);
    // The resumed run read only what the checkpoint did not hold.
    auto after = integration_reads(*sim);
    std::size_t read_again = 0;
    for (auto& [project, n] : after) read_again += n - before[project] > 0;
    BOOST_TEST(read_again <= projects - recorded);
    BOOST_TEST(after.size() == projects);
}

BOOST_AUTO_TEST_CASE(resume_checkpoint_alone_continues_and_differences_are_refused) {
    auto sim = slow_world();
    temp_dir dir;
    interrupted_audit(*sim, dir);
    auto sent = sim_log(*sim).size();

    // Other types, another report, another emitted manifest, another reference: each named.
    auto other = run_process({cmbulk_bin(), "audit", "--resume", "audit.checkpoint.jsonl", "--type",
                              "PAGER_DUTY", "--report", "other.csv", "--emit-manifest",
                              "other-update.csv", "--secret-ref", "apiToken=OTHER"},
                             env_in(dir));
    BOOST_TEST_INFO("stderr: " << other.err);
    BOOST_TEST(other.exit_code == 2);
    for (auto option :
         {"option type", "option report", "option emit-manifest", "option secret-ref"})
        BOOST_TEST(other.err.find(option) != std::string::npos, option);
    BOOST_TEST(sim_log(*sim).size() == sent);
    BOOST_TEST(!std::filesystem::exists(dir / "other.csv"));

    // Another source is refused too.
    write_file(dir / "projects.csv", "projectId\n" + project_ids(*sim).front() + "\n");
    auto org = run_process(
        {cmbulk_bin(), "audit", "--resume", "audit.checkpoint.jsonl", "--projects", "projects.csv"},
        env_in(dir));
    BOOST_TEST(org.exit_code == 2, org.err);
    BOOST_TEST(org.err.find("option all") != std::string::npos, org.err);
    BOOST_TEST(sim_log(*sim).size() == sent);

    // Nothing else given: the recorded sources, base URL and outputs.
    auto done =
        run_process({cmbulk_bin(), "audit", "--resume", "audit.checkpoint.jsonl"}, env_in(dir));
    BOOST_TEST_INFO("stderr: " << done.err);
    BOOST_TEST(done.exit_code == 0);
    check_outputs_complete(dir);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_argument_needs_resume_and_an_audit_checkpoint) {
    temp_dir dir;
    write_file(dir / "x.checkpoint.jsonl", "{}\n");
    auto r = run_process({cmbulk_bin(), "audit", "x.checkpoint.jsonl"}, env_in(dir));
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--resume CHECKPOINT") != std::string::npos, r.err);
    // An apply's journal is not an audit's.
    write_file(dir / "apply.checkpoint.jsonl",
               R"({"cmbulkJournal":1,"toolVersion":"0","manifestSha256":"ab","action":"create",)"
               R"("flavor":"cloud-manager","baseUrl":"http://127.0.0.1:1","options":{}})"
               "\n");
    auto a =
        run_process({cmbulk_bin(), "audit", "--resume", "apply.checkpoint.jsonl"}, env_in(dir));
    BOOST_TEST(a.exit_code == 2);
    BOOST_TEST(a.err.find("not of audit") != std::string::npos, a.err);
}

BOOST_AUTO_TEST_SUITE_END()
