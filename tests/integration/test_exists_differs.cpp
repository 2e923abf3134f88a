// Integration tests of "say what did not happen" (issue 15): a create that finds the integration
// already configured with other values ends `exists-differs` (exit 1, a summary line saying
// nothing changed and what to use instead, amber in the HTML report), while a create that finds
// its own secret there stays `exists` (exit 0). The real binaries against a cmbulk-sim.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/html_report.hpp"
#include "cmbulk/report.hpp"
#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string pub(cmbulk::sim::generated_public_key);
const std::string priv(cmbulk::sim::generated_private_key);

std::string slack_csv(const std::vector<std::string>& ids, const std::string& token_tag) {
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (std::size_t i = 0; i < ids.size(); ++i)
        // The tag ends the token: the masked last four tell the tokens apart.
        csv +=
            ids[i] + ",SLACK,xoxb-" + std::to_string(1000 + i) + "-" + token_tag + ",team,#ops\n";
    return csv;
}

process_result apply_in(const temp_dir& dir, sim_process& sim, const std::string& manifest,
                        std::vector<std::string> extra) {
    std::vector<std::string> argv{cmbulk_bin(),   "apply",           manifest,     "--base-url",
                                  sim.base_url(), "--no-checkpoint", "--progress", "plain"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.cwd = dir.path();
    o.timeout = std::chrono::seconds(120);
    return run_process(argv, o);
}

/// The Slack tokens the simulator holds, by project.
std::map<std::string, std::string> slack_tokens(sim_process& sim) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::map<std::string, std::string> out;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            for (auto& i : p.at("integrations").as_array())
                if (i.at("type") == "SLACK")
                    out[std::string(p.at("id").as_string())] =
                        std::string(i.at("apiToken").as_string());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(exists_differs_suite)

BOOST_AUTO_TEST_CASE(create_over_other_values_is_exists_differs_and_exit_1) {
    sim_process sim({"--generate", "1:4"});
    temp_dir dir;
    auto ids = project_ids(sim);
    write_file(dir / "old.csv", slack_csv(ids, "OLDA"));
    write_file(dir / "new.csv", slack_csv(ids, "NEWB"));
    auto first = apply_in(dir, sim, "old.csv", {"--report", "first.csv"});
    BOOST_TEST_INFO("stderr: " << first.err);
    BOOST_REQUIRE(first.exit_code == 0);
    auto before = slack_tokens(sim);

    // A rotation that forgot --action update: every row finds the old token.
    auto r = apply_in(dir, sim, "new.csv", {"--report", "rotation.html"});
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(r.err.find("exists-differs 4") != std::string::npos);
    BOOST_TEST(r.err.find("4 rows already had SLACK configured with other values: nothing "
                          "changed; use --action update or upsert") != std::string::npos);
    BOOST_TEST(slack_tokens(sim) == before);  // nothing changed
    std::string msg;
    auto rows = cmbulk::read_report(dir / "rotation.csv", std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
    BOOST_REQUIRE(rows->size() == 4u);
    for (auto& row : *rows) BOOST_TEST(cmbulk::to_string(row.result) == "exists-differs");
    auto html = read_file(dir / "rotation.html");
    // Its row in the outcome table, drawn amber (the one colour table: outcome_colour).
    auto row = html.find("<tr data-outcome=\"exists-differs\"");
    BOOST_REQUIRE(row != std::string::npos);
    auto row_end = html.find("</tr>", row);
    auto amber =
        "background:" + std::string(cmbulk::outcome_colour(cmbulk::outcome::exists_differs));
    BOOST_TEST(html.substr(row, row_end - row).find(amber) != std::string::npos);
    BOOST_TEST(cmbulk::outcome_colour(cmbulk::outcome::exists_differs) == "#d97706");
    BOOST_TEST(html.find("every row succeeded") == std::string::npos);
    // No token, old or new, in what the user sees.
    BOOST_TEST(r.err.find("xoxb-") == std::string::npos);
    BOOST_TEST(html.find("xoxb-") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(create_over_the_same_secret_stays_exists_and_exit_0) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto ids = project_ids(sim);
    write_file(dir / "m.csv", slack_csv(ids, "SAME"));
    auto first = apply_in(dir, sim, "m.csv", {"--report", "a.csv"});
    BOOST_REQUIRE(first.exit_code == 0);
    auto again = apply_in(dir, sim, "m.csv", {"--report", "b.csv"});
    BOOST_TEST_INFO("stderr: " << again.err);
    BOOST_TEST(again.exit_code == 0);
    BOOST_TEST(again.err.find("exists 3") != std::string::npos);
    BOOST_TEST(again.err.find("other values") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
