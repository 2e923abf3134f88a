// Integration tests of `cmbulk apply` and `cmbulk validate`: the real binaries against a
// cmbulk-sim started on 127.0.0.1:0 — creates, pacing, server rate limits, faults, the ambiguous
// reset-after-apply case, a wrong key, invalid manifests, and secrets kept out of every output.
#include "common/test_support.hpp"

#include "cmbulk/report.hpp"
#include "cmbulk/sim/core.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string pub(cmbulk::sim::generated_public_key);
const std::string priv(cmbulk::sim::generated_private_key);

/// The ids of every project of a simulator (from its admin state).
std::vector<std::string> project_ids(sim_process& sim) {
    auto res = http_request(sim.port(), "GET", "/__sim/state");
    BOOST_REQUIRE_EQUAL(res.status, 200);
    auto state = json::parse(res.body);
    std::vector<std::string> ids;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array()) ids.emplace_back(p.at("id").as_string());
    return ids;
}

json::value sim_state(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
}

json::array sim_requests(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array();
}

/// A distinctive, per-project Slack token (a secret that must never leak).
std::string token_for(std::size_t i) { return "xoxb-SECRET-" + std::to_string(100000 + i) + "-tok"; }

std::filesystem::path write_slack_manifest(const temp_dir& dir, const std::vector<std::string>& ids,
                                           std::size_t n) {
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (std::size_t i = 0; i < n; ++i)
        csv += ids[i] + ",SLACK," + token_for(i) + ",team-" + std::to_string(i) + ",#alerts\n";
    auto path = dir / "slack.csv";
    write_file(path, csv);
    return path;
}

struct apply_run {
    process_result proc;
    std::vector<cmbulk::report_row> rows;
    std::string report_text;
    std::string checkpoint_text;
};

apply_run run_apply(const temp_dir& dir, sim_process& sim, const std::filesystem::path& manifest,
                    std::vector<std::string> extra, std::string private_key = priv) {
    // Each manifest gets its own checkpoint, so runs of different manifests in one directory
    // are separate runs.
    auto checkpoint = dir / (manifest.stem().string() + ".checkpoint.jsonl");
    std::vector<std::string> argv{cmbulk_bin(), "apply", manifest.string(), "--base-url",
                                  sim.base_url(), "--report", (dir / "report.csv").string(),
                                  "--checkpoint", checkpoint.string(), "--progress", "plain"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = private_key;
    o.timeout = std::chrono::seconds(180);
    apply_run r;
    r.proc = run_process(argv, o);
    std::error_code ec;
    if (std::filesystem::exists(dir / "report.csv", ec)) {
        std::string msg;
        auto rows = cmbulk::read_report(dir / "report.csv", std::nullopt, msg);
        BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
        r.rows = *rows;
        r.report_text = read_file(dir / "report.csv");
    }
    if (std::filesystem::exists(checkpoint, ec)) r.checkpoint_text = read_file(checkpoint);
    return r;
}

std::map<std::string, int> count_outcomes(const std::vector<cmbulk::report_row>& rows) {
    std::map<std::string, int> m;
    for (auto& r : rows) m[std::string(cmbulk::to_string(r.result))]++;
    return m;
}

/// Nothing a user or a log could see holds these strings.
void check_no_secret(const apply_run& r, const std::vector<std::string>& secrets) {
    for (auto& s : secrets) {
        BOOST_TEST_CONTEXT("secret " << s.substr(0, 8) << "...") {
            BOOST_TEST(r.proc.out.find(s) == std::string::npos);
            BOOST_TEST(r.proc.err.find(s) == std::string::npos);
            BOOST_TEST(r.report_text.find(s) == std::string::npos);
            BOOST_TEST(r.checkpoint_text.find(s) == std::string::npos);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(apply_suite)

BOOST_AUTO_TEST_CASE(thousand_creates_one_request_each) {
    sim_process sim({"--generate", "1:1000"});
    temp_dir dir;
    auto ids = project_ids(sim);
    BOOST_REQUIRE_EQUAL(ids.size(), 1000u);
    auto manifest = write_slack_manifest(dir, ids, 1000);
    auto r = run_apply(dir, sim, manifest, {"--concurrency", "8"});
    BOOST_TEST_INFO("stderr: " << r.proc.err);
    BOOST_TEST(r.proc.exit_code == 0);
    BOOST_TEST(r.rows.size() == 1000u);
    BOOST_TEST(count_outcomes(r.rows)["created"] == 1000);
    // Every token reached the server byte for byte.
    auto state = sim_state(sim);
    std::map<std::string, std::string> stored;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            for (auto& i : p.at("integrations").as_array())
                if (i.at("type") == "SLACK")
                    stored[std::string(p.at("id").as_string())] = std::string(i.at("apiToken").as_string());
    BOOST_REQUIRE_EQUAL(stored.size(), 1000u);
    for (std::size_t i = 0; i < 1000; ++i) BOOST_TEST(stored[ids[i]] == token_for(i));
    // One request per change plus one digest challenge per connection.
    auto log = sim_requests(sim);
    BOOST_TEST(log.size() <= 1000u + 8u);
    BOOST_TEST(log.size() >= 1000u);
    // The report names the secret by its last four characters only.
    BOOST_TEST(r.rows[0].secret_last4.size() == 4u);
    check_no_secret(r, {priv, token_for(0), token_for(999), "SECRET-100500"});
}

BOOST_AUTO_TEST_CASE(rate_and_burst_bound_every_second) {
    sim_process sim({"--generate", "1:300"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto manifest = write_slack_manifest(dir, ids, 300);
    auto r = run_apply(dir, sim, manifest, {"--rate", "100", "--burst", "10"});
    BOOST_TEST(r.proc.exit_code == 0);
    auto log = sim_requests(sim);
    std::vector<std::int64_t> t;
    for (auto& e : log) t.push_back(e.at("tUs").to_number<std::int64_t>());
    std::sort(t.begin(), t.end());
    std::size_t worst = 0;
    for (std::size_t i = 0, j = 0; i < t.size(); ++i) {
        while (t[i] - t[j] >= 1000000) ++j;
        worst = std::max(worst, i - j + 1);
    }
    BOOST_TEST(worst <= 110u);
    // 308 requests at 100/s after a burst of 10 cannot take less than ~2.9 s.
    BOOST_TEST((t.back() - t.front()) >= 2800000);
}

BOOST_AUTO_TEST_CASE(finds_the_servers_pace_without_rate) {
    sim_process sim({"--generate", "1:300", "--rate-limit", "50", "--rate-burst", "10"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto manifest = write_slack_manifest(dir, ids, 300);
    auto r = run_apply(dir, sim, manifest, {});
    BOOST_TEST_INFO("stderr: " << r.proc.err);
    BOOST_TEST(r.proc.exit_code == 0);
    BOOST_TEST(count_outcomes(r.rows)["created"] == 300);
    auto log = sim_requests(sim);
    std::size_t throttled = 0;
    for (auto& e : log)
        if (e.at("status").to_number<int>() == 429) ++throttled;
    BOOST_TEST_INFO("429s: " << throttled << " of " << log.size());
    BOOST_TEST(throttled * 20 <= log.size());  // at most 5%
}

BOOST_AUTO_TEST_CASE(survives_server_errors_and_resets) {
    sim_process sim({"--generate", "1:300", "--fault", "503-html=0.10", "--fault", "500=0.05",
                     "--fault", "reset-before=0.05", "--fault-seed", "7"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto manifest = write_slack_manifest(dir, ids, 300);
    // 20% of requests fail: with 5 attempts a row fails with p = 0.2^5, so one of 300 rows would
    // fail in ~10% of runs; 8 attempts make that ~0.08% (docs/operations.md).
    auto r = run_apply(dir, sim, manifest, {"--jitter-seed", "1", "--max-attempts", "8"});
    BOOST_TEST_INFO("stderr: " << r.proc.err);
    BOOST_TEST(r.proc.exit_code == 0);
    BOOST_TEST(count_outcomes(r.rows)["created"] == 300);
    int retried = 0;
    for (auto& row : r.rows)
        if (row.attempts > 1) ++retried;
    BOOST_TEST(retried > 20);  // ~20% of first attempts fail
}

BOOST_AUTO_TEST_CASE(reset_after_apply_never_creates_twice) {
    sim_process sim({"--generate", "1:300", "--fault", "reset-after=0.10", "--fault-seed", "11"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto manifest = write_slack_manifest(dir, ids, 300);
    auto r = run_apply(dir, sim, manifest, {});
    BOOST_TEST_INFO("stderr: " << r.proc.err);
    BOOST_TEST(r.proc.exit_code == 0);
    auto counts = count_outcomes(r.rows);
    BOOST_TEST(counts["created"] == 300);
    BOOST_TEST(counts["failed"] == 0);
    auto state = sim_state(sim);
    int projects = 0;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array()) {
            BOOST_TEST_CONTEXT("project " << p.at("id").as_string()) {
                BOOST_TEST(p.at("creates").to_number<int>() == 1);
            }
            ++projects;
        }
    BOOST_TEST(projects == 300);
    // Some rows really were ambiguous (the fault fired) and were resolved by a read.
    auto log = sim_requests(sim);
    int resets = 0;
    for (auto& e : log)
        if (e.at("fault") == "reset-after") ++resets;
    BOOST_TEST(resets > 10);
}

BOOST_AUTO_TEST_CASE(wrong_key_stops_at_once) {
    sim_process sim({"--generate", "1:200"});
    temp_dir dir;
    auto ids = project_ids(sim);
    auto manifest = write_slack_manifest(dir, ids, 200);
    auto r = run_apply(dir, sim, manifest, {"--concurrency", "8"}, "wrong-private-key-XYZ");
    BOOST_TEST(r.proc.exit_code == 3);
    BOOST_TEST(r.proc.err.find("authentication") != std::string::npos);
    BOOST_TEST(r.proc.elapsed.count() < 10000);
    auto log = sim_requests(sim);
    BOOST_TEST(log.size() <= 8u);
    // Nothing was applied, and every row is accounted for.
    BOOST_TEST(r.rows.size() == 200u);
    BOOST_TEST(count_outcomes(r.rows)["created"] == 0);
    check_no_secret(r, {"wrong-private-key-XYZ", token_for(0)});
}

BOOST_AUTO_TEST_CASE(invalid_manifests_send_nothing) {
    sim_process sim({"--generate", "1:3"});
    auto ids = project_ids(sim);
    struct bad_case {
        std::string name, csv, expect;
    };
    std::vector<bad_case> cases{
        {"bad id", "projectId,type,apiToken,teamName\nnot-an-id,SLACK,tok-12345,t\n", "bad.csv:2: projectId"},
        {"unknown type", "projectId,type,apiToken,teamName\n" + ids[0] + ",SLAK,tok-12345,t\n", "bad.csv:2: type"},
        {"typo field", "projectId,type,apiTokn,teamName\n" + ids[0] + ",SLACK,tok-12345,t\n", "apiToken"},
        {"missing required", "projectId,type,teamName\n" + ids[0] + ",SLACK,t\n", "bad.csv:2: apiToken"},
        {"bad enum", "projectId,type,serviceKey,region\n" + ids[0] + ",PAGER_DUTY,k-123456,MARS\n", "bad.csv:2: region"},
        {"duplicate", "projectId,type,apiToken,teamName\n" + ids[0] + ",SLACK,tok-12345,t\n" + ids[0] + ",SLACK,tok-99999,t\n", "bad.csv:3"},
        {"unresolvable ref", "projectId,type,apiToken,teamName\n" + ids[0] + ",SLACK,${env:CMBULK_TEST_UNSET_VAR},t\n", "bad.csv:2: apiToken"},
        {"empty", "projectId,type,apiToken,teamName\n", "bad.csv"},
        {"bad boolean", "projectId,type,username,password,serviceDiscovery,enabled\n" + ids[0] + ",PROMETHEUS,u,p-123456,http,maybe\n", "bad.csv:2: enabled"},
    };
    for (auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            temp_dir dir;
            write_file(dir / "bad.csv", c.csv);
            auto before = sim_requests(sim).size();
            auto r = run_apply(dir, sim, dir / "bad.csv", {});
            BOOST_TEST(r.proc.exit_code == 2);
            BOOST_TEST(r.proc.err.find(c.expect) != std::string::npos, "stderr: " << r.proc.err);
            BOOST_TEST(sim_requests(sim).size() == before);
            auto v = run_process({cmbulk_bin(), "validate", (dir / "bad.csv").string()});
            BOOST_TEST(v.exit_code == 2);
            BOOST_TEST(v.err.find(c.expect) != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(skip_invalid_runs_the_rest) {
    sim_process sim({"--generate", "1:3"});
    auto ids = project_ids(sim);
    temp_dir dir;
    write_file(dir / "m.csv", "projectId,type,apiToken,teamName\n" + ids[0] + ",SLACK,tok-12345,t\nbad,SLACK,tok-2,t\n" +
                                  ids[1] + ",SLACK,tok-67890,t\n");
    auto r = run_apply(dir, sim, dir / "m.csv", {"--skip-invalid"});
    BOOST_TEST(r.proc.exit_code == 1);
    auto counts = count_outcomes(r.rows);
    BOOST_TEST(counts["created"] == 2);
    BOOST_TEST(counts["invalid"] == 1);
}

BOOST_AUTO_TEST_CASE(dry_run_masks_and_sends_nothing) {
    sim_process sim({"--generate", "1:2"});
    auto ids = project_ids(sim);
    temp_dir dir;
    write_file(dir / "m.csv", "projectId,type,apiToken,teamName\n" + ids[0] + ",SLACK,xoxb-dry-run-secret-9876,t\n");
    auto r = run_apply(dir, sim, dir / "m.csv", {"--dry-run"});
    BOOST_TEST(r.proc.exit_code == 0);
    BOOST_TEST(r.proc.out.find("POST /api/public/v1.0/groups/" + ids[0] + "/integrations/SLACK") != std::string::npos);
    BOOST_TEST(r.proc.out.find("9876") != std::string::npos);
    BOOST_TEST(r.proc.out.find("xoxb-dry-run-secret") == std::string::npos);
    BOOST_TEST(sim_requests(sim).size() == 0u);
}

BOOST_AUTO_TEST_CASE(update_upsert_delete_and_atlas) {
    sim_process sim({"--generate", "1:4"});
    auto ids = project_ids(sim);
    temp_dir dir;
    write_file(dir / "c.csv", "projectId,type,apiToken,teamName,channelName\n" + ids[0] + ",SLACK,tok-aaaa1111,t,#a\n" +
                                  ids[1] + ",SLACK,tok-bbbb2222,t,#b\n");
    BOOST_TEST(run_apply(dir, sim, dir / "c.csv", {}).proc.exit_code == 0);
    // upsert: one update, one create.
    write_file(dir / "u.csv", "projectId,type,apiToken,teamName,channelName\n" + ids[0] + ",SLACK,tok-cccc3333,t,#a\n" +
                                  ids[2] + ",SLACK,tok-dddd4444,t,#c\n");
    auto up = run_apply(dir, sim, dir / "u.csv", {"--action", "upsert"});
    BOOST_TEST(up.proc.exit_code == 0);
    auto counts = count_outcomes(up.rows);
    BOOST_TEST(counts["updated"] == 1);
    BOOST_TEST(counts["created"] == 1);
    // Atlas flavor: update with the versioned media type.
    write_file(dir / "a.csv", "projectId,type,apiToken,channelName\n" + ids[1] + ",SLACK,tok-eeee5555,#b2\n");
    auto at = run_apply(dir, sim, dir / "a.csv", {"--action", "update", "--flavor", "atlas"});
    BOOST_TEST_INFO(at.proc.err);
    BOOST_TEST(at.proc.exit_code == 0);
    BOOST_TEST(count_outcomes(at.rows)["updated"] == 1);
    // delete: one present, one absent.
    write_file(dir / "d.csv", "projectId,type\n" + ids[0] + ",SLACK\n" + ids[3] + ",SLACK\n");
    auto del = run_apply(dir, sim, dir / "d.csv", {"--action", "delete"});
    BOOST_TEST(del.proc.exit_code == 0);
    counts = count_outcomes(del.rows);
    BOOST_TEST(counts["deleted"] == 1);
    BOOST_TEST(counts["unchanged"] == 1);
    auto state = sim_state(sim);
    std::map<std::string, std::string> tokens;
    for (auto& p : state.at("orgs").as_array()[0].at("projects").as_array())
        for (auto& i : p.at("integrations").as_array())
            tokens[std::string(p.at("id").as_string())] = std::string(i.at("apiToken").as_string());
    BOOST_TEST(tokens.count(ids[0]) == 0u);
    BOOST_TEST(tokens[ids[1]] == "tok-eeee5555");
    BOOST_TEST(tokens[ids[2]] == "tok-dddd4444");
}

BOOST_AUTO_TEST_CASE(set_and_type_with_env_reference) {
    sim_process sim({"--generate", "1:5"});
    auto ids = project_ids(sim);
    temp_dir dir;
    std::string csv = "projectId,teamName\n";
    for (auto& id : ids) csv += id + ",team\n";
    write_file(dir / "p.csv", csv);
    std::vector<std::string> argv{cmbulk_bin(), "apply", (dir / "p.csv").string(), "--base-url", sim.base_url(),
                                  "--type", "SLACK", "--set", "apiToken=${env:NEW_SLACK_TOKEN}",
                                  "--report", (dir / "r.json").string(), "--quiet"};
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.env["NEW_SLACK_TOKEN"] = "xoxb-from-the-environment-4321";
    auto r = run_process(argv, o);
    BOOST_TEST(r.exit_code == 0, r.err);
    auto report = read_file(dir / "r.json");
    BOOST_TEST(report.find("4321") != std::string::npos);
    BOOST_TEST(report.find("xoxb-from-the-environment") == std::string::npos);
    auto state = sim_state(sim);
    int n = 0;
    for (auto& p : state.at("orgs").as_array()[0].at("projects").as_array())
        for (auto& i : p.at("integrations").as_array()) {
            BOOST_TEST(i.at("apiToken") == "xoxb-from-the-environment-4321");
            ++n;
        }
    BOOST_TEST(n == 5);
}

BOOST_AUTO_TEST_SUITE_END()
