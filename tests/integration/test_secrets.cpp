// Secrets never leak: every cmbulk command (validate, apply --dry-run, apply with an API key from
// the environment and from --private-key-file, with a service account, with a wrong key, report,
// and plan/audit when they exist) runs with distinctive secret values, and none of them may
// appear in any file the runs write, in stdout, stderr, or the process's /proc/PID/cmdline
// (sampled while it runs). The same for keys from an Atlas CLI profile, a fleet's credentials
// file (`validate --credentials`, `apply --credentials` with a profile, a service account from a
// key file and a key the server does not know) and a literal --set secret let through by
// --allow-literal-secret (on the command line by the user's choice, so only its cmdline is not
// checked). Also: a private key file readable by others is refused like ssh does.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/test_support.hpp"

using namespace cmbulk::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string org = "6b0000000000000000000001";
const std::vector<std::string> projects{"6b0000000000000000000a01", "6b0000000000000000000a02",
                                        "6b0000000000000000000a03"};
const std::string pub = "secrets-public";
const std::string priv = "PRIVKEY-SECRET-9d8c7b6a5f4e3d2c";
const std::string client_id = "mdb_sa_id_secrets";
const std::string client_secret = "CLIENTSECRET-SECRET-77aa55bb";
const std::string wrong_priv = "WRONGKEY-SECRET-1234abcd9876";
const std::string tok_literal = "xoxb-LITERAL-SECRET-4242-lit1";
const std::string tok_env = "xoxb-ENVREF-SECRET-5353-env2";
const std::string tok_file = "xoxb-FILEREF-SECRET-6464-fil3";
const std::string tok_set = "xoxb-SETLITERAL-SECRET-8181-set4";
const std::string other_priv = "OTHERPRIV-SECRET-3c3c4d4d";

/// Every secret, and a distinctive inner piece of each (a partial leak is a leak too).
std::vector<std::string> all_secrets() {
    std::vector<std::string> s{priv,    client_secret, wrong_priv, tok_literal,
                               tok_env, tok_file,      tok_set,    other_priv};
    s.insert(s.end(), {"9d8c7b6a5f4e", "77aa55bb", "1234abcd9876", "LITERAL-SECRET",
                       "ENVREF-SECRET", "FILEREF-SECRET", "SETLITERAL-SECRET", "3c3c4d4d"});
    return s;
}

std::string seed_json() {
    std::string p;
    for (auto& id : projects)
        p += std::string(p.empty() ? "" : ",") + R"({"id":")" + id + R"(","name":"p)" +
             id.substr(22) + R"(","integrations":[]})";
    return R"({"orgs":[{"id":")" + org + R"(","name":"secrets org","projects":[)" + p +
           R"(]}],"apiKeys":[{"publicKey":")" + pub + R"(","privateKey":")" + priv +
           R"(","orgIds":[")" + org + R"("]}],"serviceAccounts":[{"clientId":")" + client_id +
           R"(","clientSecret":")" + client_secret + R"(","orgIds":[")" + org + R"("]}]})";
}

/// A process run while its /proc/PID/cmdline is sampled every few milliseconds.
struct sampled_run {
    process_result proc;
    std::string cmdlines;  ///< every distinct cmdline seen
    int samples = 0;
};

sampled_run run_sampled(const std::vector<std::string>& argv, const run_options& o) {
    sampled_run r;
    child_process child(argv, o);
    std::set<std::string> seen;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    auto path = "/proc/" + std::to_string(child.pid()) + "/cmdline";
    while (child.running() && std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        if (!ss.str().empty()) seen.insert(ss.str());
        ++r.samples;
        std::this_thread::sleep_for(2ms);
    }
    r.proc = child.wait(10s);
    for (auto& s : seen) r.cmdlines += s + "\n";
    return r;
}

/// Fails the test if any secret appears in `text`.
void check_clean(const std::string& what, const std::string& text) {
    for (auto& s : all_secrets())
        BOOST_TEST(text.find(s) == std::string::npos,
                   what << " contains secret '" << s.substr(0, 6) << "...'");
}

/// The commands listed in `cmbulk --help`.
std::set<std::string> listed_commands() {
    auto r = run_process({cmbulk_bin(), "--help"});
    std::set<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    bool in_commands = false;
    while (std::getline(in, line)) {
        if (line.rfind("Commands:", 0) == 0) {
            in_commands = true;
            continue;
        }
        if (in_commands) {
            if (line.empty()) break;
            std::istringstream w(line);
            std::string cmd;
            w >> cmd;
            if (!cmd.empty()) out.insert(cmd);
        }
    }
    return out;
}

/// One command run with secrets about.
struct step {
    std::string name;
    std::vector<std::string> argv;
    run_options opts;
    std::set<int> exits;           ///< the exit statuses it may end with
    bool argv_has_secret = false;  ///< the user put it there (--allow-literal-secret)
};

/// Runs each step with its cmdline sampled: the exit is one of the step's, and no secret is in
/// its stdout, stderr or (unless the user put it there) its cmdline; with `require_samples`, the
/// cmdline was sampled at least once. Returns how many ran.
int run_steps(const std::vector<step>& steps, bool require_samples) {
    int checked = 0;
    for (auto& s : steps) {
        BOOST_TEST_CONTEXT(s.name) {
            auto r = run_sampled(s.argv, s.opts);
            BOOST_TEST_MESSAGE(s.name << ": exit " << r.proc.exit_code << ", " << r.samples
                                      << " cmdline samples; stderr: " << r.proc.err);
            BOOST_TEST(!r.proc.timed_out);
            BOOST_TEST(s.exits.count(r.proc.exit_code) == 1u,
                       "exit " << r.proc.exit_code << ": " << r.proc.err);
            if (require_samples) BOOST_TEST(r.samples > 0);
            check_clean("stdout", r.proc.out);
            check_clean("stderr", r.proc.err);
            if (!s.argv_has_secret) check_clean("cmdline", r.cmdlines);
            ++checked;
        }
    }
    return checked;
}

/// Checks every file below `dir` but the `inputs` (reports, checkpoints, temporaries, whatever
/// their names); returns how many it checked.
int check_written_files(const fs::path& dir, const std::set<std::string>& inputs = {}) {
    int files = 0;
    for (auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file() || inputs.count(e.path().filename().string())) continue;
        ++files;
        check_clean(e.path().filename().string(), read_file(e.path()));
    }
    return files;
}

/// The environments of the first case: the key from the environment, from a key file, a
/// service account, a wrong key.
struct key_environments {
    run_options env_key, file_key, oauth, wrong;
    explicit key_environments(const fs::path& cwd) {
        env_key.env = {
            {"CMBULK_PUBLIC_KEY", pub}, {"CMBULK_PRIVATE_KEY", priv}, {"TOK_ENV", tok_env}};
        env_key.unset_env = {"MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY",
                             "CMBULK_CLIENT_ID", "CMBULK_CLIENT_SECRET"};
        env_key.cwd = cwd;
        file_key = env_key;
        file_key.env.erase("CMBULK_PRIVATE_KEY");
        file_key.env.erase("CMBULK_PUBLIC_KEY");
        file_key.unset_env.insert(file_key.unset_env.end(),
                                  {"CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY"});
        oauth = file_key;
        oauth.env["CMBULK_CLIENT_ID"] = client_id;
        oauth.env["CMBULK_CLIENT_SECRET"] = client_secret;
        oauth.unset_env = {"CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY",
                           "MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY"};
        wrong = env_key;
        wrong.env["CMBULK_PRIVATE_KEY"] = wrong_priv;
    }
};

std::vector<std::string> with(std::vector<std::string> a, std::vector<std::string> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// validate, apply --dry-run and apply with each kind of key, then report, plan and audit when
/// `cmbulk --help` lists them.
std::vector<step> command_steps(const fs::path& dir, const sim_process& sim,
                                const key_environments& k) {
    auto base = [&](std::string cmd) {
        return std::vector<std::string>{cmbulk_bin(), std::move(cmd)};
    };
    auto m = (dir / "m.csv").string();
    auto server = std::vector<std::string>{"--base-url", sim.base_url(), "--progress", "plain"};
    auto report = [&](const std::string& name) {
        return std::vector<std::string>{"--report", (dir / (name + ".csv")).string(),
                                        "--checkpoint",
                                        (dir / (name + ".checkpoint.jsonl")).string()};
    };
    std::vector<step> steps{
        {"validate", with(base("validate"), {m}), k.env_key, {0}},
        {"apply --dry-run",
         with(with(base("apply"), {m, "--dry-run"}), with(server, report("dry"))),
         k.env_key,
         {0}},
        {"apply (env key)",
         with(with(base("apply"), {m}), with(server, report("env"))),
         k.env_key,
         {0}},
        {"apply --private-key-file",
         with(with(base("apply"), {m, "--action", "update", "--public-key", pub,
                                   "--private-key-file", (dir / "key.txt").string()}),
              with(server, report("file"))),
         k.file_key,
         {0}},
        {"apply (service account)",
         with(with(base("apply"), {m, "--action", "upsert"}), with(server, report("sa"))),
         k.oauth,
         {0}},
        {"apply (wrong key)",
         with(with(base("apply"), {m, "--action", "update"}), with(server, report("wrong"))),
         k.wrong,
         {3}},
    };
    auto commands = listed_commands();
    BOOST_TEST(commands.count("validate") == 1u);
    BOOST_TEST(commands.count("apply") == 1u);
    if (commands.count("report"))
        steps.push_back(
            {"report",
             with(base("report"), {(dir / "env.checkpoint.jsonl").string(), "--report",
                                   (dir / "from-checkpoint.csv").string(), "--manifest", m}),
             k.env_key,
             {0, 1}});
    if (commands.count("plan"))
        steps.push_back(
            {"plan", with(base("plan"), {m, "--base-url", sim.base_url()}), k.env_key, {0, 1, 4}});
    if (commands.count("audit"))
        steps.push_back({"audit",
                         with(base("audit"), {"--projects", m, "--base-url", sim.base_url(),
                                              "--report", (dir / "audit.csv").string(),
                                              "--emit-manifest", (dir / "emitted.csv").string()}),
                         k.env_key,
                         {0, 1}});
    for (auto& c : commands)
        BOOST_WARN_MESSAGE(
            c == "validate" || c == "apply" || c == "report" || c == "plan" || c == "audit" ||
                c == "revert",
            "test_secrets does not know how to run the command '" << c << "': add it");
    return steps;
}

/// `cmbulk revert` of the environment-key apply: first the plan, then the revert with the old
/// token by reference, so it really sends (run after the sent tokens were checked).
std::vector<step> revert_steps(const fs::path& dir, const sim_process& sim,
                               const key_environments& k) {
    if (!listed_commands().count("revert")) return {};
    auto ck = (dir / "env.checkpoint.jsonl").string();
    return {{"revert --plan",
             {cmbulk_bin(), "revert", ck, "--plan", "--base-url", sim.base_url()},
             k.env_key,
             {0, 1}},
            {"revert",
             {cmbulk_bin(), "revert", ck, "--base-url", sim.base_url(), "--set",
              "apiToken=${env:TOK_ENV}", "--progress", "plain"},
             k.env_key,
             {0, 1}}};
}

/// The second case's inputs, outside the scanned directory: an Atlas CLI profile, a credentials
/// file, a service account's secret file, a credentials file with a literal secret, a manifest.
void write_fleet_inputs(const fs::path& in, const sim_process& sim) {
    fs::create_directories(in / "atlascli");
    write_file(in / "atlascli" / "config.toml",
               "[rehearsal]\norg_id = \"" + org + "\"\npublic_api_key = \"" + pub +
                   "\"\nprivate_api_key = \"" + priv + "\"\nservice = \"cloud-manager\"\n" +
                   "ops_manager_url = \"" + sim.base_url() + "\"\n" +
                   "[other]\norg_id = \"6b0000000000000000000003\"\npublic_api_key = \"other\"\n" +
                   "private_api_key = \"" + other_priv + "\"\nservice = \"cloud-manager\"\n");
    fs::permissions(in / "atlascli" / "config.toml",
                    fs::perms::owner_read | fs::perms::owner_write);
    write_file(in / "sa.secret", client_secret + "\n");
    fs::permissions(in / "sa.secret", fs::perms::owner_read | fs::perms::owner_write);
    write_file(in / "creds.toml",
               "profiles = [\"rehearsal\"]\n"
               "[orgs.6b0000000000000000000002]\nclient-id = \"" +
                   client_id +
                   "\"\nclient-secret = \"${file:sa.secret}\"\n"
                   "[orgs.6b0000000000000000000003]\npublic-key = \"other\"\n"
                   "private-key = \"${env:OTHER_PRIV}\"\n");
    write_file(in / "bad.toml",
               "[orgs.6b0000000000000000000003]\npublic-key = \"other\"\n"
               "private-key = \"" +
                   other_priv + "\"\n");
    write_file(in / "m.csv", "projectId,type,apiToken,teamName,channelName\n" + projects[0] +
                                 ",SLACK,${env:TOK_ENV},team,#a\n");
}

/// No key in the environment (the profile's), and the same with the environment's key.
struct profile_environments {
    run_options profile, env_key;
    profile_environments(const fs::path& in, const fs::path& cwd, const sim_process& sim) {
        profile.env = {
            {"XDG_CONFIG_HOME", in.string()}, {"TOK_ENV", tok_env}, {"OTHER_PRIV", other_priv}};
        profile.unset_env = {"CMBULK_PUBLIC_KEY",
                             "CMBULK_PRIVATE_KEY",
                             "MONGODB_ATLAS_PUBLIC_API_KEY",
                             "MONGODB_ATLAS_PRIVATE_API_KEY",
                             "CMBULK_CLIENT_ID",
                             "CMBULK_CLIENT_SECRET",
                             "CMBULK_BASE_URL",
                             "CMBULK_CONFIG",
                             "MCLI_PUBLIC_API_KEY",
                             "MCLI_PRIVATE_API_KEY"};
        profile.cwd = cwd;
        env_key = profile;
        env_key.env["CMBULK_PUBLIC_KEY"] = pub;
        env_key.env["CMBULK_PRIVATE_KEY"] = priv;
        env_key.env["CMBULK_BASE_URL"] = sim.base_url();
    }
};

/// --profile and --credentials on every command, literal --set secrets allowed and refused.
std::vector<step> fleet_steps(const fs::path& in, const fs::path& dir, const sim_process& sim,
                              const profile_environments& e) {
    auto m = (in / "m.csv").string();
    const auto& profile = e.profile;
    const auto& env_key = e.env_key;
    auto out = [&](const std::string& name) { return (dir / name).string(); };
    std::vector<step> steps{
        {"apply --profile",
         {cmbulk_bin(), "apply", m, "--profile", "rehearsal", "--action", "upsert", "--verify",
          "--report", out("p.csv"), "--html-report", out("p.html"), "--log-format", "json"},
         profile,
         {0}},
        {"plan --profile", {cmbulk_bin(), "plan", m, "--profile", "rehearsal"}, profile, {0, 1, 4}},
        {"audit --profile",
         {cmbulk_bin(), "audit", "--projects", m, "--profile", "atlascli:rehearsal", "--report",
          out("a.csv"), "--emit-manifest", out("e.csv")},
         profile,
         {0, 1}},
        {"validate --credentials",
         {cmbulk_bin(), "validate", "--credentials", (in / "creds.toml").string()},
         profile,
         {0}},
        {"apply --credentials (a fleet: profile, service account, unknown key)",
         {cmbulk_bin(), "apply", m, "--credentials", (in / "creds.toml").string(), "--base-url",
          sim.base_url(), "--action", "upsert", "--report", out("fleet.csv"), "--html-report",
          out("fleet.html"), "--log-format", "json"},
         profile,
         {0, 1}},
        {"apply --profile repeated (a fleet of two profiles, one an unknown key)",
         {cmbulk_bin(), "apply", m, "--profile", "rehearsal", "--profile", "other", "--action",
          "upsert", "--report", out("profiles.csv"), "--log-format", "json"},
         profile,
         {0, 1}},
        {"plan --credentials",
         {cmbulk_bin(), "plan", m, "--credentials", (in / "creds.toml").string(), "--base-url",
          sim.base_url()},
         profile,
         {0, 1, 2, 4}},
        {"validate --credentials (literal secret)",
         {cmbulk_bin(), "validate", "--credentials", (in / "bad.toml").string()},
         profile,
         {2}},
        {"apply --set literal --allow-literal-secret",
         {cmbulk_bin(), "apply", m, "--action", "update", "--set", "apiToken=" + tok_set,
          "--allow-literal-secret", "--verify", "--report", out("lit.csv"), "--html-report",
          out("lit.html"), "--log-format", "json"},
         env_key,
         {0},
         true},
        {"apply --dry-run --set literal",
         {cmbulk_bin(), "apply", m, "--dry-run", "--set=apiToken=" + tok_set,
          "--allow-literal-secret", "--report", out("dry.csv")},
         env_key,
         {0},
         true},
        {"apply --set literal refused",
         {cmbulk_bin(), "apply", m, "--set", "apiToken=" + tok_set, "--report", out("no.csv")},
         env_key,
         {2},
         true},
    };
    return steps;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secrets)

BOOST_AUTO_TEST_CASE(no_command_leaks_a_secret) {
    temp_dir sim_dir;
    write_file(sim_dir / "seed.json", seed_json());
    sim_process sim({"--seed", (sim_dir / "seed.json").string()});
    temp_dir dir;
    // Inputs (these hold secrets on purpose and are not scanned).
    write_file(dir / "m.csv", "projectId,type,apiToken,teamName,channelName\n" + projects[0] +
                                  ",SLACK," + tok_literal + ",team,#a\n" + projects[1] +
                                  ",SLACK,${env:TOK_ENV},team,#b\n" + projects[2] +
                                  ",SLACK,${file:tok.txt},team,#c\n");
    write_file(dir / "tok.txt", tok_file + "\n");
    write_file(dir / "key.txt", priv + "\n");
    fs::permissions(dir / "key.txt", fs::perms::owner_read | fs::perms::owner_write);
    const std::set<std::string> inputs{"m.csv", "tok.txt", "key.txt"};
    key_environments keys(dir.path());
    int checked = run_steps(command_steps(dir.path(), sim, keys), true);
    // The apply with the environment key really sent the three tokens (so there was something
    // to leak): the server holds them.
    auto state = boost::json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::set<std::string> stored;
    for (auto& p : state.at("orgs").at(0).at("projects").as_array())
        for (auto& i : p.at("integrations").as_array())
            stored.insert(std::string(i.at("apiToken").as_string()));
    BOOST_TEST(stored.count(tok_literal) == 1u);
    BOOST_TEST(stored.count(tok_env) == 1u);
    BOOST_TEST(stored.count(tok_file) == 1u);
    if (listed_commands().count("revert")) {
        checked += run_steps(revert_steps(dir.path(), sim, keys), true);
        // The revert really sent: the environment-key run's integrations are gone.
        auto after = http_request(sim.port(), "GET", "/__sim/state").body;
        BOOST_TEST(after.find(tok_env) == std::string::npos);
    }

    // Every file the runs wrote, whatever its name (reports, checkpoints, temporaries).
    int files = check_written_files(dir.path(), inputs);
    BOOST_TEST(files >= 5);  // reports and checkpoints of the runs
    BOOST_TEST_MESSAGE("secrets checked: " << all_secrets().size() << " strings in " << checked
                                           << " runs and " << files << " files");
}

BOOST_AUTO_TEST_CASE(the_resume_command_of_an_interrupted_run_masks_literal_values) {
    // A literal --set value is the user's choice on their own command line; the command cmbulk
    // prints to finish an interrupted run (stderr, logs) shows it as ****.
    sim_process sim({"--generate", "1:3", "--latency", "3000"});
    temp_dir dir;
    std::string csv = "projectId,type,teamName\n";
    for (auto& id : project_ids(sim)) csv += id + ",SLACK,team\n";
    write_file(dir / "m.csv", csv);
    run_options o;
    o.env = {{"CMBULK_PUBLIC_KEY", "simpublic"},
             {"CMBULK_PRIVATE_KEY", "simprivate-0123456789abcdef"}};
    child_process child(
        {cmbulk_bin(), "apply", (dir / "m.csv").string(), "--base-url", sim.base_url(), "--set",
         "apiToken=" + tok_literal, "--allow-literal-secret", "--grace", "0", "--report",
         (dir / "r.csv").string(), "--progress", "plain"},
        o);
    std::this_thread::sleep_for(800ms);
    child.signal(SIGINT);
    auto r = child.wait(30s);
    BOOST_TEST_REQUIRE(!r.timed_out);
    BOOST_TEST(r.exit_code == 130, r.err);
    BOOST_TEST(r.err.find("--set 'apiToken=****'") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("--resume") != std::string::npos, r.err);
    check_clean("stderr", r.err);
    check_clean("stdout", r.out);
    for (auto& e : fs::recursive_directory_iterator(dir.path()))
        if (e.is_regular_file() && e.path().filename() != "m.csv")
            check_clean(e.path().filename().string(), read_file(e.path()));
}

BOOST_AUTO_TEST_CASE(no_secret_from_profiles_credentials_files_or_literal_sets_leaks) {
    temp_dir sim_dir;
    write_file(sim_dir / "seed.json", seed_json());
    sim_process sim({"--seed", (sim_dir / "seed.json").string()});
    temp_dir in;
    write_fleet_inputs(in.path(), sim);
    temp_dir dir;  // every file in it was written by a run, and is scanned
    profile_environments envs(in.path(), dir.path(), sim);
    run_steps(fleet_steps(in.path(), dir.path(), sim, envs), false);
    // There was something to leak: the profile's key authenticated, the literal token was sent.
    auto log = boost::json::parse(http_request(sim.port(), "GET", "/__sim/requests").body);
    bool profile_key_used = false;
    for (auto& e : log.as_array()) profile_key_used |= e.at("key").as_string() == pub;
    BOOST_TEST(profile_key_used);
    auto state = http_request(sim.port(), "GET", "/__sim/state").body;
    BOOST_TEST(state.find(tok_set) != std::string::npos);
    int files = check_written_files(dir.path());
    BOOST_TEST(files >= 6);  // reports, checkpoints, HTML pages, the emitted manifest
}

BOOST_AUTO_TEST_CASE(key_file_readable_by_others_is_refused) {
    temp_dir sim_dir;
    write_file(sim_dir / "seed.json", seed_json());
    sim_process sim({"--seed", (sim_dir / "seed.json").string()});
    temp_dir dir;
    write_file(dir / "m.csv", "projectId,type,apiToken,teamName,channelName\n" + projects[0] +
                                  ",SLACK," + tok_literal + ",team,#a\n");
    auto key = dir / "key.txt";
    write_file(key, priv + "\n");
    run_options o;
    o.unset_env = {"CMBULK_PUBLIC_KEY",
                   "CMBULK_PRIVATE_KEY",
                   "MONGODB_ATLAS_PUBLIC_API_KEY",
                   "MONGODB_ATLAS_PRIVATE_API_KEY",
                   "CMBULK_CLIENT_ID",
                   "CMBULK_CLIENT_SECRET"};
    auto run = [&](mode_t mode, std::vector<std::string> extra) {
        ::chmod(key.c_str(), mode);
        std::vector<std::string> argv{cmbulk_bin(),
                                      "apply",
                                      (dir / "m.csv").string(),
                                      "--action",
                                      "upsert",
                                      "--base-url",
                                      sim.base_url(),
                                      "--public-key",
                                      pub,
                                      "--private-key-file",
                                      key.string(),
                                      "--report",
                                      (dir / "r.csv").string(),
                                      "--checkpoint",
                                      (dir / ("c" + std::to_string(mode) + ".jsonl")).string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto r = run_process(argv, o);
        check_clean("stderr", r.err);
        check_clean("stdout", r.out);
        return r;
    };
    for (mode_t mode : {0644, 0640, 0604, 0660, 0606, 0620}) {
        BOOST_TEST_CONTEXT("mode " << std::oct << mode) {
            auto before =
                boost::json::parse(http_request(sim.port(), "GET", "/__sim/requests").body)
                    .as_array()
                    .size();
            auto r = run(mode, {});
            BOOST_TEST(r.exit_code == 2);
            BOOST_TEST(r.err.find("readable by other users") != std::string::npos,
                       "stderr: " << r.err);
            BOOST_TEST(r.err.find("--allow-insecure-key-file") != std::string::npos);
            auto after = boost::json::parse(http_request(sim.port(), "GET", "/__sim/requests").body)
                             .as_array()
                             .size();
            BOOST_TEST(after == before);  // refused before any request
        }
    }
    for (mode_t mode : {0600, 0400}) {
        BOOST_TEST_CONTEXT("mode " << std::oct << mode) {
            auto r = run(mode, {});
            BOOST_TEST(r.exit_code == 0, "stderr: " << r.err);
        }
    }
    auto r = run(0644, {"--allow-insecure-key-file"});
    BOOST_TEST(r.exit_code == 0, "stderr: " << r.err);
    // A missing key file is a usage error too.
    auto missing =
        run_process({cmbulk_bin(), "apply", (dir / "m.csv").string(), "--base-url", sim.base_url(),
                     "--public-key", pub, "--private-key-file", (dir / "nope.txt").string()},
                    o);
    BOOST_TEST(missing.exit_code == 2);
    BOOST_TEST(missing.err.find("nope.txt") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
