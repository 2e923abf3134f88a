// Integration tests of `cmbulk plan` and `apply --skip-unchanged / --verify` against cmbulk-sim:
// a manifest whose rows are a third unchanged, a third different and a third missing; plan's
// counts and --detailed-exitcode before and after apply; no secret in any output.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <regex>

#include "cmbulk/report.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string key = "planner";
const std::string secret = "planner-private-0123456789";
const std::string token = "xoxb-new-token-SECRETVALUE-k3y9";

std::string hex24(std::string_view prefix, std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%022zx", n);
    return std::string(prefix) + buf;
}

struct fixture {
    temp_dir dir;
    std::unique_ptr<sim_process> sim;
    std::vector<std::string> ids;
    static constexpr std::size_t n = 30;  // 10 unchanged, 10 different, 10 missing

    fixture() {
        json::array projects;
        for (std::size_t k = 0; k < n; ++k) {
            auto id = hex24("7c", k + 1);
            ids.push_back(id);
            json::array ints;
            if (k < 10)  // exactly what the manifest says
                ints.push_back(json::object{{"type", "SLACK"},
                                            {"apiToken", token},
                                            {"teamName", "team"},
                                            {"channelName", "#c" + std::to_string(k)}});
            else if (k < 15)  // another token (other last four)
                ints.push_back(json::object{{"type", "SLACK"},
                                            {"apiToken", "xoxb-old-token-legacy-0000"},
                                            {"teamName", "team"},
                                            {"channelName", "#c" + std::to_string(k)}});
            else if (k < 20)  // same token, another channel
                ints.push_back(json::object{{"type", "SLACK"},
                                            {"apiToken", token},
                                            {"teamName", "team"},
                                            {"channelName", "#old"}});
            projects.push_back(json::object{
                {"id", id}, {"name", "p" + std::to_string(k)}, {"integrations", ints}});
        }
        json::object seed{
            {"orgs", json::array{json::object{
                         {"id", hex24("5c", 1)}, {"name", "o"}, {"projects", projects}}}},
            {"apiKeys", json::array{json::object{{"publicKey", key},
                                                 {"privateKey", secret},
                                                 {"orgIds", json::array{hex24("5c", 1)}}}}}};
        write_file(dir / "seed.json", json::serialize(seed));
        sim = std::make_unique<sim_process>(
            std::vector<std::string>{"--seed", (dir / "seed.json").string()});
        std::string csv = "projectId,type,apiToken,teamName,channelName\n";
        for (std::size_t k = 0; k < n; ++k)
            csv += ids[k] + ",SLACK,${env:TOK},team,#c" + std::to_string(k) + "\n";
        write_file(dir / "m.csv", csv);
    }
    process_result cmbulk(std::vector<std::string> args) {
        std::vector<std::string> argv{cmbulk_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--base-url", sim->base_url()});
        run_options o;
        o.env = {{"CMBULK_PUBLIC_KEY", key}, {"CMBULK_PRIVATE_KEY", secret}, {"TOK", token}};
        o.timeout = std::chrono::seconds(120);
        o.cwd = dir.path();
        return run_process(argv, o);
    }
    std::size_t count_method(const std::string& method) {
        auto log = json::parse(http_request(sim->port(), "GET", "/__sim/requests").body).as_array();
        std::size_t c = 0;
        for (auto& e : log)
            c += e.at("method").as_string() == method && e.at("status").as_int64() == 200;
        return c;
    }
};

std::size_t lines_matching(const std::string& text, const std::string& re) {
    std::regex r(re);
    std::size_t c = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) c += std::regex_search(line, r);
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plan_integration)

// Done-when 3.
BOOST_AUTO_TEST_CASE(plan_counts_then_apply_then_all_unchanged) {
    fixture f;
    auto p = f.cmbulk({"plan", "m.csv", "--action", "update", "--detailed-exitcode"});
    BOOST_TEST_INFO("out: " << p.out << "\nerr: " << p.err);
    BOOST_TEST(p.exit_code == 4);
    BOOST_TEST(p.out.find("plan: 30 rows: 10 to create, 10 to update, 0 to delete, 10 unchanged") !=
               std::string::npos);
    BOOST_TEST(lines_matching(p.out, ": unchanged$") == 10u);
    BOOST_TEST(lines_matching(p.out, ": create$") == 10u);
    BOOST_TEST(lines_matching(p.out, R"(: update \(secret differs: apiToken\)$)") == 5u);
    BOOST_TEST(lines_matching(p.out, R"(: update \(channelName\)$)") == 5u);
    // Rows are printed in manifest order with file:line.
    BOOST_TEST(p.out.find("m.csv:2: " + f.ids[0] + " SLACK: unchanged") == 0u);
    BOOST_TEST(p.out.find(token) == std::string::npos);
    BOOST_TEST(p.err.find(token) == std::string::npos);
    BOOST_TEST(f.count_method("PUT") + f.count_method("POST") == 0u);  // plan changes nothing
    BOOST_TEST_MESSAGE("plan before: " << p.out.substr(p.out.rfind("plan:")) << " exit "
                                       << p.exit_code);

    // Without --detailed-exitcode, changes exit 0.
    auto p0 = f.cmbulk({"plan", "m.csv", "--action", "update"});
    BOOST_TEST(p0.exit_code == 0);

    // apply --skip-unchanged --verify: nothing is sent for the unchanged third.
    auto a = f.cmbulk({"apply", "m.csv", "--action", "update", "--skip-unchanged", "--verify",
                       "--report", "r.csv"});
    BOOST_TEST_INFO("apply: " << a.err);
    BOOST_TEST(a.exit_code == 0);
    std::string msg;
    auto rows = cmbulk::read_report(f.dir / "r.csv", std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    std::map<cmbulk::outcome, int> counts;
    for (auto& r : *rows) counts[r.result]++;
    BOOST_TEST(counts[cmbulk::outcome::unchanged] == 10);
    BOOST_TEST(counts[cmbulk::outcome::verified] == 20);
    BOOST_TEST(f.count_method("PUT") == 20u);
    BOOST_TEST(read_file(f.dir / "r.csv").find(token) == std::string::npos);

    auto q = f.cmbulk({"plan", "m.csv", "--action", "update", "--detailed-exitcode"});
    BOOST_TEST_INFO("out: " << q.out << "\nerr: " << q.err);
    BOOST_TEST(q.exit_code == 0);
    BOOST_TEST(q.out.find("plan: 30 rows: 0 to create, 0 to update, 0 to delete, 30 unchanged") !=
               std::string::npos);
    BOOST_TEST(lines_matching(q.out, ": unchanged$") == 30u);
    BOOST_TEST_MESSAGE("plan after: " << q.out.substr(q.out.rfind("plan:")) << " exit "
                                      << q.exit_code);

    // A second apply --skip-unchanged sends no write at all.
    auto again = f.cmbulk(
        {"apply", "m.csv", "--action", "update", "--skip-unchanged", "--report", "r2.csv"});
    BOOST_TEST(again.exit_code == 0);
    BOOST_TEST(f.count_method("PUT") == 20u);
}

BOOST_AUTO_TEST_CASE(plan_and_verify_of_deletes) {
    fixture f;
    // A delete row for a project that has Slack: plan says delete; apply --verify sees it gone.
    write_file(f.dir / "d.csv", "projectId,type,action\n" + f.ids[0] + ",SLACK,delete\n" +
                                    f.ids[25] + ",SLACK,delete\n");
    auto p = f.cmbulk({"plan", "d.csv", "--detailed-exitcode"});
    BOOST_TEST_INFO(p.out << p.err);
    BOOST_TEST(p.exit_code == 4);
    BOOST_TEST(p.out.find("1 to delete, 1 unchanged") != std::string::npos);
    auto a = f.cmbulk({"apply", "d.csv", "--verify", "--report", "d.report.csv"});
    BOOST_TEST_INFO(a.err);
    BOOST_TEST(a.exit_code == 0);
    std::string msg;
    auto rows = cmbulk::read_report(f.dir / "d.report.csv", std::nullopt, msg);
    BOOST_REQUIRE(rows.has_value());
    BOOST_REQUIRE_EQUAL(rows->size(), 2u);
    BOOST_TEST(((*rows)[0].result == cmbulk::outcome::verified));
    BOOST_TEST(((*rows)[1].result == cmbulk::outcome::unchanged));
}

BOOST_AUTO_TEST_CASE(plan_usage_and_invalid_manifest_exit_2) {
    fixture f;
    write_file(f.dir / "bad.csv", "projectId,type\nnot-an-id,SLACK\n");
    auto p = f.cmbulk({"plan", "bad.csv", "--action", "update"});
    BOOST_TEST(p.exit_code == 2);
}

// plan checks the rotation options as apply does (it once took any --from-last4 and
// --link-alerts on Cloud Manager, and planned what apply would then refuse).
BOOST_AUTO_TEST_CASE(plan_refuses_the_rotation_options_apply_refuses) {
    fixture f;
    const std::vector<std::vector<std::string>> refused = {
        {"--from-last4", "abc"},
        {"--link-alerts"},  // the sim world is Cloud Manager
        {"--integrations-only", "--from-last4", "abcd"},
    };
    for (const auto& extra : refused) {
        for (std::string command : {"plan", "apply"}) {
            std::vector<std::string> args = {command, "m.csv", "--action", "update"};
            args.insert(args.end(), extra.begin(), extra.end());
            auto p = f.cmbulk(args);
            BOOST_TEST(p.exit_code == 2, command << " " << extra.front());
            BOOST_TEST(p.err.find(extra.front()) != std::string::npos, p.err);
        }
    }
    BOOST_TEST(f.count_method("PUT") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
