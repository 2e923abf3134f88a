// Rehearse your own fleet (issue 16): `cmbulk audit --emit-sim-seed` of a simulated fleet, with
// alert configurations and limits, loaded into a second cmbulk-sim, audits the same (orgs,
// projects, types, the visible parts of the masked secrets, the alert notifications) and serves
// the same limits: GET /api/atlas/v2/rateLimits answers alike on both, whether the audit learned
// them from rateLimits (Atlas) or from the bodies of the 429s it met (Cloud Manager).
#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "common/test_support.hpp"
#include "test_sim_support.hpp"

using namespace cmbulk::test;
namespace json = boost::json;

namespace {

const std::string first_key = "simpublic", first_secret = "simprivate-0123456789abcdef";
const std::string rehearsal_key = "rehearsal",
                  rehearsal_secret = "rehearsal-private-key-not-a-secret";

run_options keyed(const std::filesystem::path& cwd, const std::string& key,
                  const std::string& secret) {
    run_options r;
    r.cwd = cwd;
    r.env["CMBULK_PUBLIC_KEY"] = key;
    r.env["CMBULK_PRIVATE_KEY"] = secret;
    r.unset_env = {"CMBULK_CONFIG", "MONGODB_ATLAS_PUBLIC_API_KEY",
                   "MONGODB_ATLAS_PRIVATE_API_KEY"};
    return r;
}

/// GET /api/atlas/v2/rateLimits as the simulator answers it: its totalCount, then each set
/// serialized, in name order (the order of the listing says nothing of the limits).
std::vector<std::string> rate_limits(const sim_process& sim, const std::string& key,
                                     const std::string& secret) {
    curl_client c(sim.port(), key, secret);
    auto r = c.call("GET", "/api/atlas/v2/rateLimits", {},
                    {"Accept: application/vnd.atlas.2025-03-12+json"});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto body = r.json();
    std::vector<std::string> sets;
    for (auto& s : body.at("results").as_array()) sets.push_back(json::serialize(s));
    std::sort(sets.begin(), sets.end());
    sets.insert(sets.begin(), json::serialize(body.at("totalCount")));
    return sets;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (auto& s : v) out += s + "\n";
    return out;
}

std::size_t lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

/// Audits `sim` with --all into `report` (and the seed when `seed` is given); its stderr.
std::string audit(const sim_process& sim, const run_options& env, const std::string& report,
                  std::vector<std::string> extra) {
    std::vector<std::string> argv{cmbulk_bin(),   "audit",    "--all", "--base-url",
                                  sim.base_url(), "--report", report};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run_process(argv, env);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    return r.err;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_seed)

// Atlas: the audit reads rateLimits first; the seed's cmbulkLimits.sets are its sets, and the
// second simulator starts with them in place of its defaults.
BOOST_AUTO_TEST_CASE(an_atlas_fleet_with_alerts_audits_and_limits_the_same_from_its_seed) {
    temp_dir dir;
    sim_process first({"--generate", "3:4", "--with", "SLACK,PAGER_DUTY,WEBHOOK", "--with-alerts",
                       "2", "--org-kind", "atlas", "--limit", "projects=org:30:30/1", "--limit",
                       "integrations=project:500:250/60"});
    auto err = audit(first, keyed(dir.path(), first_key, first_secret), "first.csv",
                     {"--flavor", "atlas", "--emit-sim-seed", "seed.json"});
    // 12 projects x 3 integrations; --with-alerts 2 notifies every type on the first
    // configuration and one on the second: 4 notifications a project.
    BOOST_TEST(err.find("36 integrations, 48 alert notifications, ") != std::string::npos, err);
    auto seed = json::parse(read_file(dir / "seed.json")).as_object();
    BOOST_TEST(seed.at("secretsAsAnswered").as_bool());
    auto& limits = seed.at("cmbulkLimits").as_object();
    BOOST_TEST(limits.at("source").as_string() == "rateLimits");
    BOOST_TEST(json::serialize(limits.at("sets")) ==
               R"(["integrations=project:500:250/60","projects=org:30:30/1"])");
    auto& project = seed.at("orgs").at(0).at("projects").at(0).as_object();
    BOOST_TEST(project.at("alertConfigs").as_array().size() == 2u);
    BOOST_TEST(json::serialize(project.at("alertConfigs")).find("****") != std::string::npos);

    sim_process second({"--seed", (dir / "seed.json").string()});
    audit(second, keyed(dir.path(), rehearsal_key, rehearsal_secret), "second.csv",
          {"--flavor", "atlas"});
    auto one = read_file(dir / "first.csv"), two = read_file(dir / "second.csv");
    BOOST_TEST(lines(one) == 1u + 12 * (3 + 4));
    BOOST_TEST(one.find("ALERT:PAGER_DUTY") != std::string::npos);
    BOOST_TEST(one == two);
    BOOST_TEST(rate_limits(first, first_key, first_secret) ==
               rate_limits(second, rehearsal_key, rehearsal_secret));
}

// Cloud Manager serves no rateLimits: the limits come from the 429s' bodies (a project's
// bucket of 1, refilled 1 a second, meets every project's second read). --limit on the second
// simulator still replaces the seed's set of that name.
BOOST_AUTO_TEST_CASE(limits_learned_from_429s_start_the_second_simulator_alike) {
    temp_dir dir;
    sim_process first({"--generate", "2:3", "--with", "SLACK,PAGER_DUTY", "--with-alerts", "1",
                       "--limit", "integrations=project:1:1/1"});
    audit(first, keyed(dir.path(), first_key, first_secret), "first.csv",
          {"--emit-sim-seed", "seed.json"});
    auto seed = json::parse(read_file(dir / "seed.json")).as_object();
    auto& limits = seed.at("cmbulkLimits").as_object();
    BOOST_TEST(limits.at("source").as_string() == "429s");
    BOOST_TEST(limits.at("rateLimited429s").to_number<int>() >= 1);
    BOOST_TEST(json::serialize(limits.at("sets")) == R"(["integrations=project:1:1/1"])");

    sim_process second({"--seed", (dir / "seed.json").string()});
    audit(second, keyed(dir.path(), rehearsal_key, rehearsal_secret), "second.csv", {});
    BOOST_TEST(read_file(dir / "first.csv") == read_file(dir / "second.csv"));
    BOOST_TEST(rate_limits(first, first_key, first_secret) ==
               rate_limits(second, rehearsal_key, rehearsal_secret));

    sim_process third({"--seed", (dir / "seed.json").string(), "--limit",
                       "integrations=project:5:5/1", "--limit", "projects=user:7:7/1"});
    auto answer = joined(rate_limits(third, rehearsal_key, rehearsal_secret));
    BOOST_TEST(answer.find(R"("endpointSetName":"integrations","scope":"PROJECT","capacity":5,)") !=
                   std::string::npos,
               answer);
    BOOST_TEST(answer.find(R"("capacity":1,)") == std::string::npos, answer);
    BOOST_TEST(answer.find(R"("endpointSetName":"projects","scope":"USER","capacity":7,)") !=
                   std::string::npos,
               answer);
}

// Nothing told the audit of a limit: the seed has no sets and says so, and the second
// simulator keeps its live-like defaults.
BOOST_AUTO_TEST_CASE(a_seed_without_learned_limits_keeps_the_defaults) {
    temp_dir dir;
    sim_process first({"--generate", "1:2", "--with", "SLACK"});
    audit(first, keyed(dir.path(), first_key, first_secret), "first.csv",
          {"--emit-sim-seed", "seed.json"});
    auto seed = json::parse(read_file(dir / "seed.json")).as_object();
    BOOST_TEST(seed.at("cmbulkLimits").at("source").as_string() == "none");
    BOOST_TEST(!seed.at("cmbulkLimits").as_object().contains("sets"));
    sim_process second({"--seed", (dir / "seed.json").string()});
    BOOST_TEST(rate_limits(first, first_key, first_secret) ==
               rate_limits(second, rehearsal_key, rehearsal_secret));
}

BOOST_AUTO_TEST_SUITE_END()
