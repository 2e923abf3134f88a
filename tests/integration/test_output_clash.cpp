// Integration tests of "no output may replace an input or another output" (issue 15): apply and
// audit against a cmbulk-sim refuse, before anything is created or sent, every path they would
// write that is an input (manifest, projects file) or another output, by name and by device and
// inode (a hard link, ./x vs x); `--report m.html` puts its row report beside it without touching
// the manifest; and a previous run's report is replaced atomically, with the summary saying so.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string pub(cmbulk::sim::generated_public_key);
const std::string priv(cmbulk::sim::generated_private_key);

std::size_t requests_seen(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array().size();
}

/// A Slack manifest of `n` rows over the simulator's first projects.
std::string slack_csv(sim_process& sim, std::size_t n) {
    auto ids = project_ids(sim);
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (std::size_t i = 0; i < n && i < ids.size(); ++i)
        csv += ids[i] + ",SLACK,xoxb-clash-" + std::to_string(1000 + i) + ",team,#ops\n";
    return csv;
}

/// `cmbulk ARGS --base-url SIM` in `dir` with the simulator's key.
process_result cmbulk_in(const temp_dir& dir, sim_process& sim, std::vector<std::string> args) {
    std::vector<std::string> argv{cmbulk_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--base-url", sim.base_url(), "--progress", "plain"});
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.cwd = dir.path();
    o.timeout = std::chrono::seconds(120);
    return run_process(argv, o);
}

/// A refused run: exit 2, both roles named, nothing sent, the manifest as it was.
void check_refused(const process_result& r, sim_process& sim, const std::string& first,
                   const std::string& second) {
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find(first) != std::string::npos);
    BOOST_TEST(r.err.find(second) != std::string::npos);
    BOOST_TEST(r.err.find("nothing was sent") != std::string::npos);
    BOOST_TEST(requests_seen(sim) == 0u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(output_clash_suite)

BOOST_AUTO_TEST_CASE(html_report_named_like_the_manifest_never_touches_it) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto csv = slack_csv(sim, 3);
    write_file(dir / "rotation.csv", csv);
    auto r = cmbulk_in(dir, sim, {"apply", "rotation.csv", "--report", "rotation.html"});
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(read_file(dir / "rotation.csv") == csv);  // byte for byte
    BOOST_TEST(std::filesystem::exists(dir / "rotation.html"));
    BOOST_REQUIRE(std::filesystem::exists(dir / "rotation.report.csv"));
    BOOST_TEST(read_file(dir / "rotation.report.csv").find("created") != std::string::npos);
    BOOST_TEST(r.err.find("report: rotation.report.csv") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(report_on_the_manifest_is_refused) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto csv = slack_csv(sim, 3);
    write_file(dir / "rotation.csv", csv);
    auto r = cmbulk_in(dir, sim, {"apply", "rotation.csv", "--report", "rotation.csv"});
    check_refused(r, sim, "--report rotation.csv", "the manifest rotation.csv");
    BOOST_TEST(r.err.find("an output must never replace an input") != std::string::npos);
    BOOST_TEST(read_file(dir / "rotation.csv") == csv);
    BOOST_TEST(!std::filesystem::exists(dir / "rotation.checkpoint.jsonl"));
}

BOOST_AUTO_TEST_CASE(dot_slash_and_hard_link_are_the_same_file) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto csv = slack_csv(sim, 3);
    write_file(dir / "m.csv", csv);
    std::filesystem::create_directory(dir / "sub");
    auto a = cmbulk_in(dir, sim, {"apply", "m.csv", "--report", "./sub/../m.csv"});
    check_refused(a, sim, "--report ./sub/../m.csv", "the manifest m.csv");
    std::filesystem::create_hard_link(dir / "m.csv", dir / "sub" / "link.csv");
    auto b = cmbulk_in(dir, sim, {"apply", "m.csv", "--report", "sub/link.csv"});
    check_refused(b, sim, "--report sub/link.csv", "the manifest m.csv");
    BOOST_TEST(read_file(dir / "m.csv") == csv);
}

BOOST_AUTO_TEST_CASE(checkpoint_on_the_manifest_or_on_the_report_is_refused) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto csv = slack_csv(sim, 3);
    write_file(dir / "m.csv", csv);
    auto a = cmbulk_in(dir, sim, {"apply", "m.csv", "--checkpoint", "m.csv"});
    check_refused(a, sim, "--checkpoint m.csv", "the manifest m.csv");
    auto b = cmbulk_in(dir, sim, {"apply", "m.csv", "--report", "r.csv", "--checkpoint", "r.csv"});
    check_refused(b, sim, "--report r.csv", "--checkpoint r.csv");
    BOOST_TEST(b.err.find("two outputs would overwrite each other") != std::string::npos);
    BOOST_TEST(read_file(dir / "m.csv") == csv);
    BOOST_TEST(!std::filesystem::exists(dir / "r.csv"));
}

BOOST_AUTO_TEST_CASE(html_report_on_the_row_report_or_the_manifest_is_refused) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto csv = slack_csv(sim, 3);
    write_file(dir / "m.csv", csv);
    auto a = cmbulk_in(dir, sim, {"apply", "m.csv", "--report", "r.csv", "--html-report", "r.csv"});
    check_refused(a, sim, "--report r.csv", "--html-report r.csv");
    auto b = cmbulk_in(dir, sim, {"apply", "m.csv", "--html-report", "m.csv"});
    check_refused(b, sim, "--html-report m.csv", "the manifest m.csv");
    BOOST_TEST(read_file(dir / "m.csv") == csv);
}

BOOST_AUTO_TEST_CASE(the_log_on_standard_error_may_not_be_the_manifest) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto csv = slack_csv(sim, 3);
    write_file(dir / "m.csv", csv);
    // `2>>m.csv` appends the log to the manifest: refused before the first event is logged.
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.cwd = dir.path();
    auto r = run_process(
        {"/bin/sh", "-c", "exec \"$0\" apply m.csv --base-url \"$1\" --log-format json 2>>m.csv",
         cmbulk_bin(), sim.base_url()},
        o);
    BOOST_TEST(r.exit_code == 2);
    auto after = read_file(dir / "m.csv");
    BOOST_TEST(after.starts_with(csv));
    BOOST_TEST(after.find("the log (standard error)") != std::string::npos);
    BOOST_TEST(requests_seen(sim) == 0u);
}

BOOST_AUTO_TEST_CASE(a_previous_report_is_replaced_and_the_summary_says_so) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    write_file(dir / "m.csv", slack_csv(sim, 3));
    auto a = cmbulk_in(dir, sim, {"apply", "m.csv", "--report", "run.html", "--no-checkpoint"});
    BOOST_TEST_INFO("stderr: " << a.err);
    BOOST_TEST(a.exit_code == 0);
    BOOST_TEST(a.err.find("replaced the previous report") == std::string::npos);
    auto b = cmbulk_in(
        dir, sim,
        {"apply", "m.csv", "--report", "run.html", "--no-checkpoint", "--action", "update"});
    BOOST_TEST_INFO("stderr: " << b.err);
    BOOST_TEST(b.exit_code == 0);
    BOOST_TEST(b.err.find("report: run.csv (replaced the previous report run.csv)") !=
               std::string::npos);
    BOOST_TEST(b.err.find("html report: run.html (replaced the previous report run.html)") !=
               std::string::npos);
    BOOST_TEST(read_file(dir / "run.csv").find("updated") != std::string::npos);
    // The commit renamed a complete file over the old one: no temporary file is left.
    for (auto& e : std::filesystem::directory_iterator(dir.path()))
        BOOST_TEST(e.path().filename().string().find(".tmp-") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(audit_outputs_may_not_clash) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto ids = project_ids(sim);
    write_file(dir / "projects.csv", "projectId\n" + ids[0] + "\n");
    auto a =
        cmbulk_in(dir, sim, {"audit", "--all", "--report", "x.csv", "--emit-manifest", "x.csv"});
    check_refused(a, sim, "--report x.csv", "--emit-manifest x.csv");
    auto b =
        cmbulk_in(dir, sim, {"audit", "--projects", "projects.csv", "--report", "projects.csv"});
    check_refused(b, sim, "--report projects.csv", "--projects projects.csv");
    BOOST_TEST(read_file(dir / "projects.csv") == "projectId\n" + ids[0] + "\n");
    auto c =
        cmbulk_in(dir, sim, {"audit", "--all", "--report", "a.csv", "--checkpoint", "./a.csv"});
    check_refused(c, sim, "--report a.csv", "--checkpoint ./a.csv");
}

BOOST_AUTO_TEST_CASE(plan_writes_its_report_and_never_on_the_manifest) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto csv = slack_csv(sim, 3);
    write_file(dir / "m.csv", csv);
    auto a = cmbulk_in(dir, sim, {"plan", "m.csv", "--report", "m.csv"});
    check_refused(a, sim, "--report m.csv", "the manifest m.csv");
    BOOST_TEST(read_file(dir / "m.csv") == csv);
    auto b = cmbulk_in(dir, sim, {"plan", "m.csv", "--report", "plan.csv"});
    BOOST_TEST_INFO("stderr: " << b.err);
    BOOST_TEST(b.exit_code == 0);
    auto text = read_file(dir / "plan.csv");
    BOOST_TEST(text.starts_with("line,projectId,type,plan,detail\n"));
    BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 4);
    BOOST_TEST(text.find(",SLACK,create,") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
