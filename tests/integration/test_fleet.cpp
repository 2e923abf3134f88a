// A fleet in one command (issue 16): a manifest across 20 organizations with 20 credentials
// (`apply --credentials FILE`) against a generated simulator (20 orgs x 10 projects, one key
// per org). Each row must go out with its organization's key (the simulator's request log
// names the key of every request), the end state must equal 20 separate runs with one key each,
// rows without an orgId are routed by each credential's project list (read once), and a revoked
// key fails only its organization's rows, named in the summary.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "common/test_support.hpp"

using namespace cmbulk::test;
namespace json = boost::json;

namespace {

constexpr int orgs = 20, projects = 10;

std::string org_id(int o) {
    char b[32];
    std::snprintf(b, sizeof b, "5f%022x", o);
    return b;
}
std::string project_id(int o, int p) {
    char b[32];
    std::snprintf(b, sizeof b, "6f%06x%016x", static_cast<unsigned>(o), static_cast<unsigned>(p));
    return b;
}
std::string public_key(int o) {
    char b[32];
    std::snprintf(b, sizeof b, "simpublic-%04d", o);
    return b;
}
std::string private_key(int o) {
    char b[48];
    std::snprintf(b, sizeof b, "simprivate-%04d-0123456789abcdef", o);
    return b;
}
/// The organization of a generated project id (6f + org as 6 hex digits + ...).
int org_of_project(const std::string& pid) { return std::stoi(pid.substr(2, 6), nullptr, 16); }

std::vector<std::string> sim_args() {
    return {"--generate", std::to_string(orgs) + ":" + std::to_string(projects), "--with", "SLACK"};
}

/// The credentials file: org o's key, its private key from ${env:FLEET_KEY_o}.
std::string credentials_toml() {
    std::string t;
    for (int o = 1; o <= orgs; ++o)
        t += "[orgs." + org_id(o) + "]\nname = \"org-" + std::to_string(o) + "\"\npublic-key = \"" +
             public_key(o) + "\"\nprivate-key = \"${env:FLEET_KEY_" + std::to_string(o) + "}\"\n";
    return t;
}

/// A rotation of every project's Slack token; with the orgId column when `with_org`.
std::string manifest(int first_org, int last_org, bool with_org) {
    std::string m = with_org ? "projectId,orgId,type,apiToken,teamName,channelName\n"
                             : "projectId,type,apiToken,teamName,channelName\n";
    for (int o = first_org; o <= last_org; ++o)
        for (int p = 1; p <= projects; ++p) {
            char tok[48];
            std::snprintf(tok, sizeof tok, "xoxb-fleet-%04d-%05d", o, p);
            m += project_id(o, p) + (with_org ? "," + org_id(o) : std::string()) + ",SLACK," + tok +
                 ",fleet,#fleet\n";
        }
    return m;
}

run_options fleet_env(const std::filesystem::path& cwd) {
    run_options r;
    for (int o = 1; o <= orgs; ++o) r.env["FLEET_KEY_" + std::to_string(o)] = private_key(o);
    r.unset_env = {"CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY", "CMBULK_CONFIG",
                   "MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY"};
    r.cwd = cwd;
    return r;
}

/// Every project's integrations as the simulator holds them.
std::map<std::string, std::string> integrations(sim_process& sim) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::map<std::string, std::string> out;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            out[std::string(p.at("id").as_string())] = json::serialize(p.at("integrations"));
    return out;
}

/// Checks that every request under /groups/{pid} went out with the key of pid's organization;
/// returns how many did.
int check_keys(sim_process& sim) {
    auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body);
    int checked = 0;
    for (auto& e : log.as_array()) {
        std::string path(e.at("path").as_string());
        auto at = path.find("/groups/");
        if (at == std::string::npos || path.size() < at + 8 + 24) continue;
        auto pid = path.substr(at + 8, 24);
        if (e.at("status").to_number<int>() == 401 && e.at("key").as_string().empty()) continue;
        BOOST_TEST(std::string(e.at("key").as_string()) == public_key(org_of_project(pid)),
                   path << " went out with " << e.at("key").as_string());
        ++checked;
    }
    return checked;
}

std::vector<std::string> cmd(const std::string& manifest_path, sim_process& sim,
                             const std::string& report) {
    return {cmbulk_bin(),   "apply",    manifest_path, "--credentials", "creds.toml", "--base-url",
            sim.base_url(), "--action", "update",      "--report",      report,       "-q"};
}

/// The fleet (creds.toml, and all.csv with its orgId column, in `dir`) against a simulator in
/// which org 7's key is revoked.
struct fleet_with_a_revoked_key {
    temp_dir dir;
    sim_process sim{sim_args()};
    fleet_with_a_revoked_key() {
        write_file(dir / "creds.toml", credentials_toml());
        write_file(dir / "all.csv", manifest(1, orgs, true));
        BOOST_TEST_REQUIRE(
            http_request(sim.port(), "POST", "/__sim/keys/" + public_key(7) + "/revoke").status ==
            200);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet)

BOOST_AUTO_TEST_CASE(one_command_equals_separate_runs_each_row_with_its_orgs_key) {
    temp_dir dir;
    write_file(dir / "creds.toml", credentials_toml());
    write_file(dir / "all.csv", manifest(1, orgs, true));
    sim_process fleet_sim(sim_args());
    auto r = run_process(cmd("all.csv", fleet_sim, "all.report.csv"), fleet_env(dir.path()));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    // 200 rows, each sent at least once, each request with its org's key.
    BOOST_TEST(check_keys(fleet_sim) >= orgs * projects);
    BOOST_TEST(r.err.find("org lookups") == std::string::npos);  // the orgId column served

    // The same rotation as one run per organization, each with that org's key alone.
    sim_process separate_sim(sim_args());
    for (int o = 1; o <= orgs; ++o) {
        auto name = "org" + std::to_string(o) + ".csv";
        write_file(dir / name, manifest(o, o, false));
        auto env = fleet_env(dir.path());
        env.env["CMBULK_PUBLIC_KEY"] = public_key(o);
        env.env["CMBULK_PRIVATE_KEY"] = private_key(o);
        auto one = run_process({cmbulk_bin(), "apply", name, "--base-url", separate_sim.base_url(),
                                "--action", "update", "--report", "org.report.csv", "-q"},
                               env);
        BOOST_TEST_REQUIRE(one.exit_code == 0, one.err);
    }
    auto a = integrations(fleet_sim), b = integrations(separate_sim);
    BOOST_TEST(a.size() == static_cast<std::size_t>(orgs * projects));
    BOOST_TEST((a == b));
    // And the rotation did land: the last project's new token is there.
    BOOST_TEST(a[project_id(orgs, projects)].find("xoxb-fleet-0020-00010") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rows_without_org_id_are_routed_by_each_credentials_project_list) {
    temp_dir dir;
    write_file(dir / "creds.toml", credentials_toml());
    write_file(dir / "all.csv", manifest(1, orgs, false));
    sim_process sim(sim_args());
    auto r = run_process(cmd("all.csv", sim, "all.report.csv"), fleet_env(dir.path()));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(check_keys(sim) >= orgs * projects);
    // One page of projects per credential: 20 lookups, every project learned.
    BOOST_TEST(r.err.find("org lookups: 20 requests, 200 projects") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(a_revoked_credential_fails_only_its_orgs_rows) {
    fleet_with_a_revoked_key fleet;
    auto& dir = fleet.dir;
    auto& sim = fleet.sim;
    auto r = run_process(cmd("all.csv", sim, "all.report.csv"), fleet_env(dir.path()));
    BOOST_TEST(r.exit_code == 1, r.err);
    // The summary names the organization and how many rows it failed, never its secret.
    BOOST_TEST(
        r.err.find("organization " + org_id(7) + " (org-7) was refused") != std::string::npos,
        r.err);
    BOOST_TEST(r.err.find("; " + std::to_string(projects) + " rows not done, only its rows") !=
                   std::string::npos,
               r.err);
    BOOST_TEST(r.err.find(private_key(7)) == std::string::npos);
    auto report = read_file(dir / "all.report.csv");
    std::istringstream lines(report);
    std::string line;
    std::getline(lines, line);  // header
    int ok = 0, failed_org7 = 0, other = 0;
    while (std::getline(lines, line)) {
        auto pid = line.substr(0, 24);  // projectId is the first column
        bool success = line.find(",updated,") != std::string::npos;
        if (org_of_project(pid) == 7 && !success)
            ++failed_org7;
        else if (org_of_project(pid) != 7 && success)
            ++ok;
        else
            ++other;
    }
    BOOST_TEST(failed_org7 == projects);
    BOOST_TEST(ok == (orgs - 1) * projects);
    BOOST_TEST(other == 0);
    check_keys(sim);
}

// plan and audit name a refused credential alike, with how many of its rows were not done.
BOOST_AUTO_TEST_CASE(plan_and_audit_count_a_refused_credentials_rows) {
    fleet_with_a_revoked_key fleet;
    auto& dir = fleet.dir;
    auto& sim = fleet.sim;
    auto p = run_process({cmbulk_bin(), "plan", "all.csv", "--credentials", "creds.toml",
                          "--base-url", sim.base_url(), "--action", "update"},
                         fleet_env(dir.path()));
    BOOST_TEST(p.exit_code != 0, p.err);
    const std::string who = "organization " + org_id(7) + " (org-7) was refused";
    BOOST_TEST(p.err.find(who) != std::string::npos, p.err);
    BOOST_TEST(p.err.find("; " + std::to_string(projects) + " rows not done") != std::string::npos,
               p.err);
    // audit over the manifest's projects (its orgId column routes each to its credential).
    auto a =
        run_process({cmbulk_bin(), "audit", "--projects", "all.csv", "--credentials", "creds.toml",
                     "--base-url", sim.base_url(), "--report", "audit.csv", "-q"},
                    fleet_env(dir.path()));
    BOOST_TEST(a.exit_code != 0, a.err);
    BOOST_TEST(a.err.find(who) != std::string::npos, a.err);
    BOOST_TEST(
        a.err.find("; " + std::to_string(projects) + " projects not done") != std::string::npos,
        a.err);
    BOOST_TEST(a.err.find(private_key(7)) == std::string::npos);
    // audit --all: the refused credential's project list is never read, and the line says so
    // instead of counting zero projects.
    auto all = run_process({cmbulk_bin(), "audit", "--all", "--credentials", "creds.toml",
                            "--base-url", sim.base_url(), "--report", "all-audit.csv", "-q"},
                           fleet_env(dir.path()));
    BOOST_TEST(all.exit_code != 0, all.err);
    BOOST_TEST(all.err.find(who) != std::string::npos, all.err);
    BOOST_TEST(all.err.find("its projects were never listed") != std::string::npos, all.err);
    BOOST_TEST(all.err.find(" 0 projects not done") == std::string::npos, all.err);
    BOOST_TEST(all.err.find(private_key(7)) == std::string::npos);
}

// --profile repeated: a fleet of Atlas CLI profiles (a fake HOME's config.toml, mode 600), each
// profile's key serving its org_id, as a credentials file of those profiles would.
BOOST_AUTO_TEST_CASE(profile_repeated_is_a_fleet_of_those_profiles) {
    temp_dir dir;
    sim_process sim(sim_args());
    constexpr int fleet_orgs = 3;
    std::string config;
    for (int o = 1; o <= fleet_orgs; ++o)
        config += "[p" + std::to_string(o) + "]\norg_id = \"" + org_id(o) +
                  "\"\npublic_api_key = \"" + public_key(o) + "\"\nprivate_api_key = \"" +
                  private_key(o) + "\"\nservice = \"cloud-manager\"\nops_manager_url = \"" +
                  sim.base_url() + "/\"\n";
    auto file = dir / "home/.config/atlascli/config.toml";
    std::filesystem::create_directories(file.parent_path());
    write_file(file, config);
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    write_file(dir / "three.csv", manifest(1, fleet_orgs, false));
    auto env = fleet_env(dir.path());
    env.env["HOME"] = (dir / "home").string();
    env.unset_env.push_back("XDG_CONFIG_HOME");
    env.unset_env.push_back("CMBULK_BASE_URL");
    auto r = run_process({cmbulk_bin(), "apply", "three.csv", "--profile", "p1", "--profile", "p2",
                          "--profile", "atlascli:p3", "--action", "update", "--report",
                          "three.report.csv", "--checkpoint", "three.ckpt", "-q"},
                         env);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    // Each row with its org's key; the rows had no orgId: each profile's project list, read once.
    BOOST_TEST(check_keys(sim) >= fleet_orgs * projects);
    BOOST_TEST(r.err.find("fleet: 3 organizations; org lookups: 3 requests, 30 projects") !=
                   std::string::npos,
               r.err);
    auto a = integrations(sim);
    BOOST_TEST(a[project_id(3, projects)].find("xoxb-fleet-0003-00010") != std::string::npos);
    // No profile's secret in the output, the report or the checkpoint.
    for (auto& out : {r.out, r.err, read_file(dir / "three.report.csv"),
                      std::filesystem::exists(dir / "three.ckpt") ? read_file(dir / "three.ckpt")
                                                                  : std::string()})
        for (int o = 1; o <= fleet_orgs; ++o)
            BOOST_TEST(out.find(private_key(o)) == std::string::npos);
    // Both ways at once is refused before anything is sent.
    write_file(dir / "creds.toml", credentials_toml());
    auto both = run_process({cmbulk_bin(), "apply", "three.csv", "--profile", "p1", "--profile",
                             "p2", "--credentials", "creds.toml", "--action", "update"},
                            env);
    BOOST_TEST(both.exit_code == 2, both.err);
    BOOST_TEST(both.err.find("give the fleet one way") != std::string::npos, both.err);
}

BOOST_AUTO_TEST_CASE(audit_all_runs_over_every_configured_credential) {
    temp_dir dir;
    write_file(dir / "creds.toml", credentials_toml());
    sim_process sim(sim_args());
    auto r = run_process(
        {cmbulk_bin(), "audit", "--all", "--credentials", "creds.toml", "--base-url",
         sim.base_url(), "--report", "audit.csv", "--emit-manifest", "emitted.csv", "-q"},
        fleet_env(dir.path()));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    // Every project of every org was read, each with its own org's key.
    BOOST_TEST(check_keys(sim) >= orgs * projects);
    auto emitted = read_file(dir / "emitted.csv");
    BOOST_TEST(emitted.rfind("projectId,orgId,type,", 0) == 0);
    int rows = 0;
    for (std::size_t at = emitted.find('\n'); at != std::string::npos && at + 1 < emitted.size();
         at = emitted.find('\n', at + 1))
        ++rows;
    BOOST_TEST(rows == orgs * projects);
    BOOST_TEST(emitted.find(project_id(7, 3) + "," + org_id(7) + ",SLACK") != std::string::npos);
}

// Rehearse your own fleet: an audit's --emit-sim-seed loaded into a second simulator audits the
// same (orgs, projects, types, the visible parts of the masked secrets) as the first.
BOOST_AUTO_TEST_CASE(an_emitted_seed_audits_the_same_in_a_second_simulator) {
    temp_dir dir;
    sim_process first({"--generate", "3:4", "--with", "SLACK,PAGER_DUTY,WEBHOOK"});
    run_options env = fleet_env(dir.path());
    env.env["CMBULK_PUBLIC_KEY"] = "simpublic";
    env.env["CMBULK_PRIVATE_KEY"] = "simprivate-0123456789abcdef";
    auto a = run_process({cmbulk_bin(), "audit", "--all", "--base-url", first.base_url(),
                          "--report", "first.csv", "--emit-sim-seed", "seed.json", "-q"},
                         env);
    BOOST_TEST_REQUIRE(a.exit_code == 0, a.err);
    auto seed = read_file(dir / "seed.json");
    BOOST_TEST(seed.find("cmbulkLimits") != std::string::npos);
    BOOST_TEST(seed.find("****") != std::string::npos);  // secrets as answered: masked

    sim_process second({"--seed", (dir / "seed.json").string()});
    env.env["CMBULK_PUBLIC_KEY"] = "rehearsal";
    env.env["CMBULK_PRIVATE_KEY"] = "rehearsal-private-key-not-a-secret";
    auto b = run_process({cmbulk_bin(), "audit", "--all", "--base-url", second.base_url(),
                          "--report", "second.csv", "-q"},
                         env);
    BOOST_TEST_REQUIRE(b.exit_code == 0, b.err);
    auto one = read_file(dir / "first.csv"), two = read_file(dir / "second.csv");
    BOOST_TEST(std::count(one.begin(), one.end(), '\n') == 1 + 3 * 4 * 3);
    BOOST_TEST(one == two);
}

BOOST_AUTO_TEST_SUITE_END()
