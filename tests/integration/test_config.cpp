// The config file, the environment and profiles end to end: `cmbulk apply` takes its base URL,
// flavor and options from --config FILE or $XDG_CONFIG_HOME/cmbulk/config, the environment
// overrides the file and a flag overrides both; a private key in the file is refused without
// being echoed. The documented base URLs (path included) choose the API and the flavor, and a
// contradicting --flavor is refused naming both sources; mongocli's MCLI_* keys and Atlas CLI /
// mongocli profiles are used; half a pair names the missing half; --set's `$NAME` and literal
// secrets are refused; a misspelt option gets the one meant; validate checks credentials files.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"
#include "doc_runner.hpp"

using namespace cmbulk::test;
namespace json = boost::json;

namespace {

/// cmbulk with the simulator's generated key in CMBULK_PUBLIC_KEY / CMBULK_PRIVATE_KEY (unless
/// `with_key` is false) and nothing else from the caller's environment but `env`.
process_result run_cmbulk(std::vector<std::string> args, std::map<std::string, std::string> env,
                          bool with_key = true) {
    run_options o;
    o.unset_env = foreign_variables();
    o.env = std::move(env);
    if (with_key) {
        o.env.try_emplace("CMBULK_PUBLIC_KEY", cmbulk::sim::generated_public_key);
        o.env.try_emplace("CMBULK_PRIVATE_KEY", cmbulk::sim::generated_private_key);
    }
    o.timeout = std::chrono::seconds(60);
    args.insert(args.begin(), cmbulk_bin());
    return run_process(args, o);
}

/// The requests the simulator logged: "METHOD PATH KEY" each.
std::vector<std::string> sim_requests(sim_process& sim) {
    std::vector<std::string> out;
    auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body);
    for (auto& e : log.as_array())
        out.push_back(std::string(e.at("method").as_string()) + " " +
                      std::string(e.at("path").as_string()) + " " +
                      std::string(e.at("key").as_string()));
    return out;
}

/// A Slack manifest valid for both flavors' rules (teamName and channelName).
std::string slack_rows(sim_process& sim, const temp_dir& dir, const std::string& name,
                       bool team = true) {
    std::string csv = team ? "projectId,type,apiToken,teamName,channelName\n"
                           : "projectId,type,apiToken,channelName\n";
    for (auto& id : project_ids(sim))
        csv += id + ",SLACK,xoxb-cfg-1," + (team ? "team," : "") + "#ops\n";
    write_file(dir / name, csv);
    return (dir / name).string();
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

BOOST_AUTO_TEST_CASE(documented_base_urls_choose_the_api) {
    sim_process sim({"--generate", "1:2"});
    temp_dir dir;
    auto m = slack_rows(sim, dir, "m.csv");
    auto xdg = (dir / "xdg").string();
    // Cloud Manager's documented base (before: refused as "internal error", exit 3).
    auto a = run_cmbulk({"apply", m, "--base-url", sim.base_url() + "/api/public/v1.0", "-q",
                         "--report", (dir / "a.csv").string()},
                        {{"XDG_CONFIG_HOME", xdg}});
    BOOST_TEST(a.exit_code == 0, a.err);
    auto reqs = sim_requests(sim);
    BOOST_TEST_REQUIRE(!reqs.empty());
    for (auto& r : reqs) BOOST_TEST(r.find(" /api/public/v1.0/groups/") != std::string::npos, r);

    // Atlas v2's, with a trailing slash: the Atlas paths (before: v1.0 paths, silently). On a
    // simulator whose projects are Atlas projects (api-facts: a Cloud Manager project is not
    // served on the Atlas bases).
    sim_process atlas({"--generate", "1:2", "--org-kind", "atlas"});
    auto m2 = slack_rows(atlas, dir, "m2.csv");
    auto b = run_cmbulk({"apply", m2, "--base-url", atlas.base_url() + "/api/atlas/v2/", "-q",
                         "--report", (dir / "b.csv").string()},
                        {{"XDG_CONFIG_HOME", xdg}});
    BOOST_TEST(b.exit_code == 0, b.err);
    reqs = sim_requests(atlas);
    BOOST_TEST_REQUIRE(!reqs.empty());
    // The projects, and the limits read first (GET /api/atlas/v2/rateLimits, issue 16).
    for (auto& r : reqs)
        BOOST_TEST((r.find(" /api/atlas/v2/groups/") != std::string::npos ||
                    r.starts_with("GET /api/atlas/v2/rateLimits ")),
                   r);
    auto report = read_file(dir / "b.csv");
    BOOST_TEST(report.find("created") != std::string::npos, report);
}

BOOST_AUTO_TEST_CASE(a_flavor_against_the_base_url_names_both_and_sends_nothing) {
    sim_process sim({"--generate", "1:1"});
    temp_dir dir;
    auto m = slack_rows(sim, dir, "m.csv");
    auto v2 = sim.base_url() + "/api/atlas/v2";
    write_file(dir / "cfg", "rate = 5\nflavor = ops-manager\n");
    struct c {
        std::vector<std::string> args;
        std::map<std::string, std::string> env;
        std::vector<std::string> named;
    } cases[] = {
        {{"--base-url", v2, "--flavor", "cloud-manager"}, {}, {"cloud-manager", "--flavor", v2}},
        {{"--flavor", "atlas"},
         {{"CMBULK_BASE_URL", sim.base_url() + "/api/public/v1.0"}},
         {"atlas", "CMBULK_BASE_URL", "/api/public/v1.0"}},
        {{"--base-url", v2, "--config", (dir / "cfg").string()},
         {},
         {"ops-manager", (dir / "cfg").string() + ":2", "--base-url"}},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.args[1]) {
            auto before = sim_requests(sim).size();
            auto args = k.args;
            args.insert(args.begin(), {"apply", m, "--report", (dir / "r.csv").string()});
            auto env = k.env;
            env["XDG_CONFIG_HOME"] = (dir / "xdg").string();
            auto r = run_cmbulk(args, env);
            BOOST_TEST(r.exit_code == 2, r.err);
            BOOST_TEST(r.err.find("contradicts") != std::string::npos, r.err);
            for (auto& n : k.named)
                BOOST_TEST(r.err.find(n) != std::string::npos, n << ": " << r.err);
            BOOST_TEST(sim_requests(sim).size() == before);
            BOOST_TEST(!std::filesystem::exists(dir / "r.csv"));
        }
    }
    // An undocumented path is refused with the list of documented ones.
    auto u = run_cmbulk({"apply", m, "--base-url", sim.base_url() + "/api/v2"},
                        {{"XDG_CONFIG_HOME", (dir / "xdg").string()}});
    BOOST_TEST(u.exit_code == 2, u.err);
    BOOST_TEST(u.err.find("https://cloud.mongodb.com/api/atlas/v2") != std::string::npos, u.err);
}

BOOST_AUTO_TEST_CASE(validate_takes_the_flavor_from_the_base_url) {
    sim_process sim({"--generate", "1:1"});
    temp_dir dir;
    // channelName but no teamName: Atlas's rules accept it, Cloud Manager's do not.
    auto m = slack_rows(sim, dir, "atlas.csv", false);
    auto env = std::map<std::string, std::string>{{"XDG_CONFIG_HOME", (dir / "xdg").string()}};
    auto cm = run_cmbulk({"validate", m}, env, false);
    BOOST_TEST(cm.exit_code == 2, cm.out + cm.err);
    BOOST_TEST((cm.out + cm.err).find("teamName") != std::string::npos);
    auto atlas = run_cmbulk({"validate", m, "--base-url", "https://cloud.mongodb.com/api/atlas/v2"},
                            env, false);
    BOOST_TEST(atlas.exit_code == 0, atlas.out + atlas.err);
    auto conflict =
        run_cmbulk({"validate", m, "--base-url", "https://cloud.mongodb.com/api/atlas/v2",
                    "--flavor", "ops-manager"},
                   env, false);
    BOOST_TEST(conflict.exit_code == 2);
}

BOOST_AUTO_TEST_CASE(mongocli_variables_and_half_pairs) {
    sim_process sim({"--generate", "1:1"});
    temp_dir dir;
    auto m = slack_rows(sim, dir, "m.csv");
    std::map<std::string, std::string> env{{"XDG_CONFIG_HOME", (dir / "xdg").string()},
                                           {"CMBULK_BASE_URL", sim.base_url()}};
    // mongocli's pair (before: ignored, "no credentials").
    auto mcli = env;
    mcli["MCLI_PUBLIC_API_KEY"] = cmbulk::sim::generated_public_key;
    mcli["MCLI_PRIVATE_API_KEY"] = cmbulk::sim::generated_private_key;
    auto r = run_cmbulk({"apply", m, "-q", "--report", (dir / "r.csv").string()}, mcli, false);
    BOOST_TEST(r.exit_code == 0, r.err);
    auto reqs = sim_requests(sim);
    BOOST_TEST_REQUIRE(!reqs.empty());
    BOOST_TEST(reqs.back().ends_with(" simpublic"));

    // Half a pair names the missing half, exit 2, nothing sent.
    auto before = reqs.size();
    auto half = env;
    half["CMBULK_PUBLIC_KEY"] = "simpublic";
    auto h = run_cmbulk({"apply", m, "--report", (dir / "h.csv").string()}, half, false);
    BOOST_TEST(h.exit_code == 2);
    BOOST_TEST(
        h.err.find("CMBULK_PUBLIC_KEY is set but CMBULK_PRIVATE_KEY is not") != std::string::npos,
        h.err);
    half = env;
    half["MCLI_PRIVATE_API_KEY"] = "x";
    h = run_cmbulk({"apply", m, "--report", (dir / "h.csv").string()}, half, false);
    BOOST_TEST(h.err.find("MCLI_PRIVATE_API_KEY is set but MCLI_PUBLIC_API_KEY is not") !=
                   std::string::npos,
               h.err);
    BOOST_TEST(sim_requests(sim).size() == before);
}

BOOST_AUTO_TEST_CASE(atlas_cli_and_mongocli_profiles) {
    sim_process sim({"--generate", "1:1"});
    temp_dir dir;
    auto m = slack_rows(sim, dir, "m.csv");
    std::filesystem::create_directories(dir / "xdg/mongocli");
    auto file = dir / "xdg/mongocli/config.toml";
    write_file(file, "[rehearsal]\npublic_api_key = \"simpublic\"\nprivate_api_key = \"" +
                         std::string(cmbulk::sim::generated_private_key) +
                         "\"\nservice = \"cloud-manager\"\nops_manager_url = \"" + sim.base_url() +
                         "/\"\n");
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::map<std::string, std::string> env{{"XDG_CONFIG_HOME", (dir / "xdg").string()}};
    // The profile gives the key, the base URL and the flavor.
    auto r = run_cmbulk(
        {"apply", m, "--profile", "rehearsal", "-q", "--report", (dir / "r.csv").string()}, env,
        false);
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(!sim_requests(sim).empty());
    // The same through MCLI_PROFILE; the environment's base URL over the profile's.
    auto via = env;
    via["MCLI_PROFILE"] = "rehearsal";
    via["CMBULK_BASE_URL"] = "http://127.0.0.1:9";
    auto d =
        run_cmbulk({"apply", m, "--dry-run", "--report", (dir / "d.csv").string()}, via, false);
    BOOST_TEST(d.err.find("http://127.0.0.1:9") != std::string::npos, d.err);
    // Not asked for: not read, and the error lists it.
    auto none = run_cmbulk({"apply", m, "--report", (dir / "n.csv").string()}, env, false);
    BOOST_TEST(none.exit_code == 2);
    BOOST_TEST(
        none.err.find("has the profiles rehearsal (use --profile NAME)") != std::string::npos,
        none.err);
    // A profile file other users can read, an unknown profile: exit 2, named.
    std::filesystem::permissions(file, std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    auto open = run_cmbulk({"apply", m, "--profile", "rehearsal"}, env, false);
    BOOST_TEST(open.exit_code == 2);
    BOOST_TEST(open.err.find(file.string()) != std::string::npos, open.err);
    BOOST_TEST(open.err.find("chmod 600") != std::string::npos, open.err);
    auto unknown = run_cmbulk({"apply", m, "--profile", "nope"}, env, false);
    BOOST_TEST(unknown.exit_code == 2);
    BOOST_TEST(unknown.err.find("no profile 'nope'") != std::string::npos, unknown.err);
    for (auto& out : {r.err, none.err, open.err, unknown.err})
        BOOST_TEST(out.find(cmbulk::sim::generated_private_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(set_values_that_are_not_references) {
    sim_process sim({"--generate", "1:1"});
    temp_dir dir;
    auto m = slack_rows(sim, dir, "m.csv");
    std::map<std::string, std::string> env{{"XDG_CONFIG_HOME", (dir / "xdg").string()},
                                           {"CMBULK_BASE_URL", sim.base_url()},
                                           {"NEW_TOKEN", "xoxb-from-env-77"}};
    auto before = sim_requests(sim).size();
    struct c {
        const char* set;
        const char* says;
    } cases[] = {
        {"apiToken=$NEW_TOKEN", "did you mean apiToken=${env:NEW_TOKEN}?"},
        {"apiToken=${ENV:NEW_TOKEN}", "did you mean apiToken=${env:NEW_TOKEN}?"},
        {"apiToken=${NEW_TOKEN}", "did you mean apiToken=${env:NEW_TOKEN}?"},
        {"apiToken=$env:NEW_TOKEN", "did you mean apiToken=${env:NEW_TOKEN}?"},
        {"apiToken=${File:/tmp/t}", "did you mean apiToken=${file:/tmp/t}?"},
        {"apiToken=xoxb-LITERAL-55", "--allow-literal-secret"},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.set) {
            for (const char* cmd : {"apply", "validate", "plan"}) {
                std::vector<std::string> args{cmd, m, "--set", k.set};
                if (std::string(cmd) == "apply")
                    args.push_back("--report=" + (dir / "r.csv").string());
                auto r = run_cmbulk(args, env);
                BOOST_TEST(r.exit_code == 2, cmd << ": " << r.err);
                BOOST_TEST(r.err.find(k.says) != std::string::npos, cmd << ": " << r.err);
                BOOST_TEST(r.err.find("LITERAL-55") == std::string::npos);
            }
        }
    }
    BOOST_TEST(sim_requests(sim).size() == before);  // nothing sent
    // A non-secret field takes a literal; a secret one with --allow-literal-secret.
    auto ok = run_cmbulk(
        {"apply", m, "--set", "channelName=#new", "-q", "--report", (dir / "ok.csv").string()},
        env);
    BOOST_TEST(ok.exit_code == 0, ok.err);
    auto lit = run_cmbulk({"apply", m, "--action", "update", "--set", "apiToken=xoxb-LITERAL-55",
                           "--allow-literal-secret", "-q", "--report", (dir / "lit.csv").string()},
                          env);
    BOOST_TEST(lit.exit_code == 0, lit.err);
    auto state = http_request(sim.port(), "GET", "/__sim/state").body;
    BOOST_TEST(state.find("xoxb-LITERAL-55") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(misspelt_options_get_the_one_meant) {
    temp_dir dir;
    std::map<std::string, std::string> env{{"XDG_CONFIG_HOME", (dir / "xdg").string()}};
    auto m = (source_dir() / "samples" / "slack-migration.csv").string();
    auto r = run_cmbulk({"apply", m, "--verfy"}, env);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(
        r.err.find("unrecognised option '--verfy' (did you mean --verify?)") != std::string::npos,
        r.err);
    r = run_cmbulk({"audit", "--all", "--emit-manfest", "x.csv"}, env);
    BOOST_TEST(r.err.find("did you mean --emit-manifest?") != std::string::npos, r.err);
    r = run_cmbulk({"validate", m, "--bsae-url=https://x"}, env);
    BOOST_TEST(r.err.find("did you mean --base-url?") != std::string::npos, r.err);
    r = run_cmbulk({"validate", m, "--zzzzzz"}, env);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("did you mean") == std::string::npos, r.err);
    // A misspelt variable: a warning naming the one meant.
    auto w = env;
    w["CMBULK_BASEURL"] = "http://127.0.0.1:1";
    r = run_cmbulk({"validate", m, "--action", "update"}, w);
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.err.find("CMBULK_BASEURL is not a cmbulk variable (did you mean "
                          "CMBULK_BASE_URL?)") != std::string::npos,
               r.err);
}

BOOST_AUTO_TEST_CASE(validate_checks_a_credentials_file) {
    temp_dir dir;
    std::map<std::string, std::string> env{{"XDG_CONFIG_HOME", (dir / "xdg").string()},
                                           {"PAYMENTS_PRIVATE_KEY", "PAYSECRET-1"},
                                           {"SEARCH_SA_SECRET", "SASECRET-2"},
                                           {"SLACK_TOKEN", "xoxb-1"}};
    auto sample = (source_dir() / "samples" / "credentials.toml").string();
    auto r = run_cmbulk({"validate", "--credentials", sample}, env, false);
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out.find("2 organizations") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("5e2211c17a3e5a48f5497de3 (payments): API key demo") !=
               std::string::npos);
    BOOST_TEST(r.out.find("service account") != std::string::npos);
    BOOST_TEST(r.out.find("SECRET-") == std::string::npos);
    // With a manifest too; a literal secret is refused with file:line and never echoed.
    write_file(dir / "bad.toml",
               "[orgs.5e2211c17a3e5a48f5497de3]\npublic-key = \"p\"\nprivate-key = \"LIT-9\"\n");
    auto bad = run_cmbulk({"validate", (source_dir() / "samples" / "slack.csv").string(),
                           "--credentials", (dir / "bad.toml").string()},
                          env, false);
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(bad.err.find((dir / "bad.toml").string() + ":3: orgs.5e2211c17a3e5a48f5497de3."
                                                          "private-key: a literal secret") !=
                   std::string::npos,
               bad.err);
    BOOST_TEST((bad.out + bad.err).find("LIT-9") == std::string::npos);
    auto unset = run_cmbulk({"validate", "--credentials", sample}, {}, false);
    BOOST_TEST(unset.exit_code == 2);
    BOOST_TEST(unset.err.find("${env:PAYMENTS_PRIVATE_KEY}: the variable is not set") !=
               std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
