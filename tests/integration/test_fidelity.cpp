// Issue 13's "done when", with the real binaries: on every flavor (Cloud Manager, Ops Manager,
// Atlas v2, Atlas v1.0), `cmbulk apply` creates an integration of every type the flavor offers
// with exact values; cmbulk-sim stores them as sent and answers them as api-facts.md says the
// live service does (masked forms, defaults, ids); then `cmbulk plan` reports every row
// `unchanged` and `cmbulk apply --skip-unchanged --verify` reports each row `unchanged` or, when
// a write-only secret cannot be compared, `verified`. No perpetual difference on the live forms.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>

#include "cmbulk/report.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string cm_org = "5c0000000000000000000001", atlas_org = "5c0000000000000000000002";
const std::string cm_project = "6c0000000000000000000001";
const std::string v2_project = "6c0000000000000000000002", v1_project = "6c0000000000000000000003";

/// The cloud service's world: a Cloud Manager org and an Atlas org, a key bound to each.
std::string cloud_seed() {
    return R"({"orgs":[
      {"id":")" +
           cm_org + R"(","name":"cm","projects":[{"id":")" + cm_project + R"(","name":"cm"}]},
      {"id":")" +
           atlas_org + R"(","name":"atlas","kind":"atlas","projects":[
        {"id":")" +
           v2_project + R"(","name":"v2"},{"id":")" + v1_project + R"(","name":"v1"}]}],
     "apiKeys":[
      {"publicKey":"cm-key","privateKey":"cm-private-0123456789","orgIds":[")" +
           cm_org + R"("]},
      {"publicKey":"atlas-key","privateKey":"atlas-private-0123456789","orgIds":[")" +
           atlas_org + R"("]}]})";
}

/// One row per type the flavor offers, with exact values that pass the server's checks.
/// Optional fields are left out where the server fills in a default (PagerDuty's region,
/// Datadog's toggles on v2, the webhook templates), so the defaults are compared too.
std::vector<json::object> rows_for(const std::string& flavor, const std::string& project) {
    bool v2 = flavor == "atlas", atlas = v2 || flavor == "atlas-v1";
    bool cloud_manager = flavor == "cloud-manager", ops = flavor == "ops-manager";
    auto row = [&](std::string type, json::object fields) {
        fields["projectId"] = project;
        fields["type"] = type;
        return fields;
    };
    std::vector<json::object> out;
    out.push_back(row("PAGER_DUTY", {{"serviceKey", "00000000000000000000000000000022"}}));
    json::object slack{{"apiToken", "xoxb-0000000000-0000000000-fidelity0001"},
                       {"channelName", "#alerts"}};
    if (!atlas) slack["teamName"] = "team";
    out.push_back(row("SLACK", slack));
    out.push_back(
        row("OPS_GENIE", {{"apiKey", "11111111-2222-3333-4444-555555555555"}, {"region", "EU"}}));
    out.push_back(row("VICTOR_OPS", {{"apiKey", "00000000-0000-0000-0000-000000000033"},
                                     {"routingKey", "test"}}));
    out.push_back(row("WEBHOOK", {{"url", "https://example.com/51c0ef87e9951c3e147accf0e12101"},
                                  {"secret", "whsec-000000000000000000002101"}}));
    out.push_back(row("NEW_RELIC", {{"accountId", "123456"},
                                    {"licenseKey", "nr-license-0123456789abcdef"},
                                    {"readToken", "nr-read-token-abcdef"},
                                    {"writeToken", "nr-write-token-fedcba"}}));
    if (atlas)
        out.push_back(row("MICROSOFT_TEAMS",
                          {{"microsoftTeamsWebhookUrl",
                            "https://acme.webhook.office.com/webhookb2/0000-1111-2222-3333"}}));
    if (!ops) {
        json::object prom{{"username", "prom"}, {"serviceDiscovery", "http"}, {"enabled", true}};
        if (cloud_manager) prom["listenAddress"] = "0.0.0.0:9216";
        if (!v2) prom["password"] = "prom-password-0042";  // required but on v2; write-only
        if (v2) prom["sendUserProvidedResourceTagsEnabled"] = true;
        out.push_back(row("PROMETHEUS", prom));
    }
    if (!cloud_manager) {
        json::object dd{{"apiKey", "0123456789abcdef0123456789abcdef"}, {"region", "US3"}};
        if (v2) dd["sendQueryStatsMetrics"] = true;
        out.push_back(row("DATADOG", dd));
    }
    return out;
}

struct flavor_case {
    std::string flavor, project, key, secret;
    bool ops_manager = false;
};

struct run_result {
    process_result proc;
    std::vector<cmbulk::report_row> rows;
};

run_result cmbulk(const temp_dir& dir, const sim_process& sim, const flavor_case& fc,
                  std::vector<std::string> args, const std::string& report = {}) {
    std::vector<std::string> argv{cmbulk_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--flavor", fc.flavor, "--base-url", sim.base_url()});
    if (!report.empty())
        argv.insert(argv.end(), {"--report", (dir / report).string(), "--checkpoint",
                                 (dir / (report + ".checkpoint")).string(), "--progress", "plain"});
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = fc.key;
    o.env["CMBULK_PRIVATE_KEY"] = fc.secret;
    o.timeout = std::chrono::seconds(120);
    run_result r;
    r.proc = run_process(argv, o);
    if (!report.empty() && std::filesystem::exists(dir / report)) {
        std::string msg;
        auto rows = cmbulk::read_report(dir / report, std::nullopt, msg);
        BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
        r.rows = *rows;
    }
    return r;
}

const json::object* stored_project(const json::value& state, const std::string& id) {
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            if (p.at("id").as_string() == id) return &p.as_object();
    return nullptr;
}

void check_flavor(const sim_process& sim, const flavor_case& fc) {
    temp_dir dir;
    auto rows = rows_for(fc.flavor, fc.project);
    std::string text;
    for (auto& r : rows) text += json::serialize(r) + "\n";
    write_file(dir / "m.jsonl", text);
    const std::string manifest = (dir / "m.jsonl").string();

    // 1. apply creates every row, with exactly the values given.
    auto created = cmbulk(dir, sim, fc, {"apply", manifest}, "created.csv");
    BOOST_TEST_INFO("stderr: " << created.proc.err);
    BOOST_TEST_REQUIRE(created.proc.exit_code == 0);
    BOOST_TEST(created.rows.size() == rows.size());
    for (auto& r : created.rows) BOOST_TEST(to_string(r.result) == "created", r.type);
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    auto* project = stored_project(state, fc.project);
    BOOST_REQUIRE(project);
    std::map<std::string, json::object> stored;
    for (auto& i : project->at("integrations").as_array())
        stored[std::string(i.at("type").as_string())] = i.as_object();
    for (auto& r : rows) {
        auto type = std::string(r.at("type").as_string());
        BOOST_TEST_CONTEXT(type) {
            BOOST_REQUIRE(stored.count(type));
            for (auto& kv : r)
                if (kv.key() != "projectId")
                    BOOST_TEST(stored[type].at(kv.key()) == kv.value(), kv.key());
        }
    }

    // 2. plan: every row unchanged (a write-only secret is named, not a difference).
    auto plan =
        cmbulk(dir, sim, fc, {"plan", manifest, "--action", "update", "--detailed-exitcode"});
    BOOST_TEST_INFO("plan: " << plan.proc.out << plan.proc.err);
    BOOST_TEST(plan.proc.exit_code == 0);  // 4 would mean changes
    std::size_t unchanged_lines = 0;
    for (std::size_t pos = 0; (pos = plan.proc.out.find(": unchanged", pos)) != std::string::npos;
         ++pos)
        ++unchanged_lines;
    BOOST_TEST(unchanged_lines == rows.size());
    BOOST_TEST(plan.proc.out.find(std::to_string(rows.size()) + " unchanged") != std::string::npos);

    // 3. apply --skip-unchanged --verify: unchanged, or verified where a write-only secret
    //    (Prometheus password) could not be compared.
    auto again = cmbulk(dir, sim, fc,
                        {"apply", manifest, "--action", "update", "--skip-unchanged", "--verify"},
                        "again.csv");
    BOOST_TEST_INFO("stderr: " << again.proc.err);
    BOOST_TEST(again.proc.exit_code == 0);
    BOOST_TEST(again.rows.size() == rows.size());
    for (auto& r : again.rows) {
        bool write_only = false;
        for (auto& row : rows)
            if (row.at("type").as_string() == r.type) write_only = row.contains("password");
        BOOST_TEST(to_string(r.result) == (write_only ? "verified" : "unchanged"), r.type);
    }

    // 4. apply --verify: every row is updated (read, merge, PUT: nothing read back is sent, so
    //    the simulator, which refuses masked values, takes every PUT) and read back `verified`.
    auto verified =
        cmbulk(dir, sim, fc, {"apply", manifest, "--action", "update", "--verify"}, "verified.csv");
    BOOST_TEST_INFO("stderr: " << verified.proc.err);
    BOOST_TEST(verified.proc.exit_code == 0);
    BOOST_TEST(verified.rows.size() == rows.size());
    for (auto& r : verified.rows)
        BOOST_TEST(to_string(r.result) == "verified", r.type << ": " << r.detail);
}

}  // namespace

namespace {

void check_update_keeps_unnamed_fields() {
    // Read, merge, PUT: a field set on the server that the row does not name survives; a secret
    // the server holds (answered masked) that the row does not give fails the row, nothing sent.
    temp_dir dir;
    auto seed = json::parse(cloud_seed()).as_object();
    auto& project = seed.at("orgs").as_array()[0].at("projects").as_array()[0].as_object();
    project["integrations"] =
        json::array{json::object{{"type", "VICTOR_OPS"},
                                 {"apiKey", "00000000-0000-0000-0000-000000000033"},
                                 {"routingKey", "keep-me"}},
                    json::object{{"type", "WEBHOOK"},
                                 {"url", "https://example.com/hook-0001"},
                                 {"secret", "whsec-kept-000000000000002101"}}};
    write_file(dir / "seed.json", json::serialize(seed));
    sim_process sim({"--seed", (dir / "seed.json").string()});
    write_file(dir / "m.jsonl",
               json::serialize(json::object{{"projectId", cm_project},
                                            {"type", "VICTOR_OPS"},
                                            {"apiKey", "00000000-0000-0000-0000-000000000044"}}) +
                   "\n" +
                   json::serialize(json::object{{"projectId", cm_project},
                                                {"type", "WEBHOOK"},
                                                {"url", "https://example.com/hook-0002"}}) +
                   "\n");
    flavor_case fc{"cloud-manager", cm_project, "cm-key", "cm-private-0123456789"};
    auto r = cmbulk(dir, sim, fc, {"apply", (dir / "m.jsonl").string(), "--action", "update"},
                    "report.csv");
    BOOST_TEST_INFO("stderr: " << r.proc.err);
    BOOST_TEST(r.proc.exit_code == 1);
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "updated");
    BOOST_TEST(cmbulk::to_string(r.rows[1].result) == "failed");
    BOOST_TEST(r.rows[1].detail.find("WEBHOOK secret is set on the server") == 0u,
               r.rows[1].detail);
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::map<std::string, json::object> stored;
    for (auto& i : stored_project(state, cm_project)->at("integrations").as_array())
        stored[std::string(i.at("type").as_string())] = i.as_object();
    BOOST_TEST(stored["VICTOR_OPS"].at("apiKey") == "00000000-0000-0000-0000-000000000044");
    BOOST_TEST(stored["VICTOR_OPS"].at("routingKey") == "keep-me");
    BOOST_TEST(stored["WEBHOOK"].at("url") == "https://example.com/hook-0001");
    BOOST_TEST(stored["WEBHOOK"].at("secret") == "whsec-kept-000000000000002101");
    // No PUT went to the webhook.
    auto log = json::parse(http_request(sim.port(), "GET", "/__sim/requests").body);
    for (auto& e : log.as_array())
        BOOST_TEST(!(e.at("method") == "PUT" &&
                     std::string(e.at("path").as_string()).ends_with("/WEBHOOK")));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fidelity)

BOOST_AUTO_TEST_CASE(cloud_manager_every_type_unchanged_after_apply) {
    temp_dir dir;
    write_file(dir / "seed.json", cloud_seed());
    sim_process sim({"--seed", (dir / "seed.json").string()});
    check_flavor(sim, {"cloud-manager", cm_project, "cm-key", "cm-private-0123456789"});
}

BOOST_AUTO_TEST_CASE(atlas_v2_every_type_unchanged_after_apply) {
    temp_dir dir;
    write_file(dir / "seed.json", cloud_seed());
    sim_process sim({"--seed", (dir / "seed.json").string()});
    check_flavor(sim, {"atlas", v2_project, "atlas-key", "atlas-private-0123456789"});
}

BOOST_AUTO_TEST_CASE(atlas_v1_every_type_unchanged_after_apply) {
    temp_dir dir;
    write_file(dir / "seed.json", cloud_seed());
    sim_process sim({"--seed", (dir / "seed.json").string()});
    check_flavor(sim, {"atlas-v1", v1_project, "atlas-key", "atlas-private-0123456789"});
}

BOOST_AUTO_TEST_CASE(ops_manager_every_type_unchanged_after_apply) {
    sim_process sim({"--service", "ops-manager", "--generate", "1:1"});
    check_flavor(sim, {"ops-manager", "6f0000010000000000000001", "simpublic",
                       "simprivate-0123456789abcdef", true});
}

BOOST_AUTO_TEST_CASE(an_update_keeps_the_fields_the_manifest_does_not_name) {
    check_update_keeps_unnamed_fields();
}

BOOST_AUTO_TEST_SUITE_END()
