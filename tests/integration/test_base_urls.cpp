// Issue 13: the documented base URLs (path included, with or without a trailing slash) work on
// every command, apply, plan, audit and validate: each chooses the flavor and sends every
// request under its path.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

process_result run_cmbulk(const temp_dir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), cmbulk_bin());
    run_options o;
    o.env["XDG_CONFIG_HOME"] = (dir / "xdg").string();
    o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
    o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
    o.unset_env = {"CMBULK_BASE_URL", "CMBULK_FLAVOR", "CMBULK_PROFILE"};
    o.timeout = std::chrono::seconds(120);
    return run_process(args, o);
}

std::vector<std::string> request_paths(sim_process& sim) {
    std::vector<std::string> out;
    auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body);
    for (auto& e : log.as_array()) out.emplace_back(e.at("path").as_string());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base_urls)

BOOST_AUTO_TEST_CASE(every_command_takes_every_documented_base_url) {
    struct base_case {
        std::string org_kind, path;
        bool atlas;
    } cases[] = {
        {"cloud-manager", "/api/public/v1.0", false},
        {"cloud-manager", "/api/public/v1.0/", false},
        {"atlas", "/api/atlas/v2", true},
        {"atlas", "/api/atlas/v2/", true},
        {"atlas", "/api/atlas/v1.0", true},
        {"atlas", "/api/atlas/v1.0/", true},
    };
    for (auto& c : cases) {
        BOOST_TEST_CONTEXT(c.path) {
            temp_dir dir;
            sim_process sim({"--generate", "1:2", "--org-kind", c.org_kind});
            std::string csv = std::string("projectId,type,apiToken,channelName") +
                              (c.atlas ? "" : ",teamName") + "\n";
            for (auto& id : project_ids(sim))
                csv += id + ",SLACK,xoxb-base-url-1,#ops" + (c.atlas ? "" : ",team") + "\n";
            write_file(dir / "m.csv", csv);
            const auto m = (dir / "m.csv").string();
            const auto url = sim.base_url() + c.path;
            std::string prefix = c.path;
            if (prefix.back() == '/') prefix.pop_back();

            auto v = run_cmbulk(dir, {"validate", m, "--base-url", url});
            BOOST_TEST(v.exit_code == 0, "validate: " << v.out << v.err);
            BOOST_TEST(request_paths(sim).empty());  // offline

            auto a = run_cmbulk(
                dir, {"apply", m, "--base-url", url, "-q", "--report", (dir / "a.csv").string()});
            BOOST_TEST(a.exit_code == 0, "apply: " << a.err);
            auto p = run_cmbulk(
                dir, {"plan", m, "--base-url", url, "--action", "update", "--detailed-exitcode"});
            BOOST_TEST(p.exit_code == 0, "plan: " << p.out << p.err);
            auto au = run_cmbulk(dir, {"audit", "--all", "--base-url", url, "-q", "--report",
                                       (dir / "audit.csv").string()});
            BOOST_TEST(au.exit_code == 0, "audit: " << au.err);
            BOOST_TEST(read_file(dir / "audit.csv").find("SLACK") != std::string::npos);

            auto paths = request_paths(sim);
            BOOST_TEST(paths.size() >= 6u);
            // Under the base URL's path: the projects, and on Atlas v2 the limits read first.
            for (auto& path : paths)
                BOOST_TEST((path.starts_with(prefix + "/groups") ||
                            (prefix == "/api/atlas/v2" && path == prefix + "/rateLimits")),
                           path);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
