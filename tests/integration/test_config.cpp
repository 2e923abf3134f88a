// The config file end to end: `cmbulk apply` takes its base URL, flavor and options from
// --config FILE or $XDG_CONFIG_HOME/cmbulk/config, the environment overrides the file and a flag
// overrides both; a private key in the file is refused without being echoed.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

using namespace cmbulk::test;
namespace json = boost::json;

namespace {

process_result run_cmbulk(std::vector<std::string> args, std::map<std::string, std::string> env) {
    run_options o;
    o.unset_env = {"CMBULK_BASE_URL", "CMBULK_RATE", "CMBULK_FLAVOR", "CMBULK_CONFIG",
                   "XDG_CONFIG_HOME", "http_proxy",  "HTTP_PROXY"};
    o.env = std::move(env);
    o.env["CMBULK_PUBLIC_KEY"] = cmbulk::sim::generated_public_key;
    o.env["CMBULK_PRIVATE_KEY"] = cmbulk::sim::generated_private_key;
    o.timeout = std::chrono::seconds(60);
    args.insert(args.begin(), cmbulk_bin());
    return run_process(args, o);
}

std::string slack_manifest(const temp_dir& dir, sim_process& sim) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            csv += std::string(p.at("id").as_string()) + ",SLACK,xoxb-cfg-1,team,#ops\n";
    write_file(dir / "slack.csv", csv);
    return (dir / "slack.csv").string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_integration)

BOOST_AUTO_TEST_CASE(flag_beats_environment_beats_config) {
    sim_process sim({"--generate", "1:2"});
    temp_dir dir;
    auto m = slack_manifest(dir, sim);
    write_file(dir / "cfg", "# test\nbase-url = " + sim.base_url() +
                                "   # the sim\nrate = 50\nconcurrency = 2\n");
    auto report = (dir / "r.csv").string();

    // The config alone: the run reaches the sim.
    auto a =
        run_cmbulk({"apply", m, "--config", (dir / "cfg").string(), "--report", report, "-q"}, {});
    BOOST_TEST(a.exit_code == 0, a.err);

    // The environment over the file (a dead port in the environment: the run cannot connect).
    auto b = run_cmbulk(
        {"apply", m, "--config", (dir / "cfg").string(), "--report", report, "--dry-run"},
        {{"CMBULK_BASE_URL", "http://127.0.0.1:9"}});
    BOOST_TEST(b.err.find("http://127.0.0.1:9") != std::string::npos, b.err);

    // A flag over both.
    auto c = run_cmbulk({"apply", m, "--config", (dir / "cfg").string(), "--report", report,
                         "--dry-run", "--base-url", "http://127.0.0.1:7"},
                        {{"CMBULK_BASE_URL", "http://127.0.0.1:9"}});
    BOOST_TEST(c.err.find("http://127.0.0.1:7") != std::string::npos, c.err);
    BOOST_TEST(c.err.find("http://127.0.0.1:9") == std::string::npos, c.err);
}

BOOST_AUTO_TEST_CASE(xdg_default_path_and_bad_files) {
    temp_dir dir;
    std::filesystem::create_directories(dir / "xdg/cmbulk");
    write_file(dir / "xdg/cmbulk/config", "base-url = http://127.0.0.1:5\n");
    write_file(dir / "m.csv",
               "projectId,type,apiToken,teamName,channelName\n"
               "5e2211c17a3e5a48f5497de4,SLACK,xoxb-1,t,#c\n");
    auto m = (dir / "m.csv").string();
    auto r = run_cmbulk({"apply", m, "--dry-run", "--report", (dir / "r.csv").string()},
                        {{"XDG_CONFIG_HOME", (dir / "xdg").string()}});
    BOOST_TEST(r.err.find("http://127.0.0.1:5") != std::string::npos, r.err);

    // A private key in the file: refused with file:line, the value never echoed, exit 2.
    write_file(dir / "bad", "rate = 1\nprivate-key = do-not-print-ME\n");
    auto bad = run_cmbulk({"apply", m, "--config", (dir / "bad").string()}, {});
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(bad.err.find((dir / "bad").string() + ":2:") != std::string::npos, bad.err);
    BOOST_TEST(bad.err.find("do-not-print-ME") == std::string::npos);
    BOOST_TEST(bad.out.find("do-not-print-ME") == std::string::npos);

    // An explicit --config that does not exist is an error; validate ignores keys it has no option
    // for.
    auto missing = run_cmbulk({"apply", m, "--config", (dir / "nope").string()}, {});
    BOOST_TEST(missing.exit_code == 2);
    auto v = run_cmbulk({"validate", m, "--action", "update"},
                        {{"XDG_CONFIG_HOME", (dir / "xdg").string()}});
    BOOST_TEST(v.exit_code == 0, v.err);
}

BOOST_AUTO_TEST_SUITE_END()
