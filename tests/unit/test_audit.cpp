// Unit tests for the pure pieces of audit.hpp: findings, report formats, the projects file reader,
// and --emit-manifest rows (secrets become references, never masked values).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "cmbulk/audit.hpp"
#include "cmbulk/catalogue.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {
json::object obj(std::string_view s) { return json::parse(s).as_object(); }
audit_row slack_row() {
    audit_row r;
    r.project_id = "5e2211c17a3e5a48f5497de4";
    r.project_name = "checkout, prod";
    r.org_id = "5e2211c17a3e5a48f5497de3";
    r.type = "SLACK";
    r.fields = obj(
        R"({"apiToken":"***************************Prod","teamName":"acme","channelName":"#alerts"})");
    return r;
}
void write(const std::filesystem::path& p, std::string_view s) {
    std::ofstream(p, std::ios::binary) << s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(audit_suite)

BOOST_AUTO_TEST_CASE(findings) {
    using v = std::vector<std::string>;
    BOOST_TEST(findings_for("WEBHOOK", obj(R"({"url":"http://h.example****abcd"})")) ==
               v{"webhook-http"});
    BOOST_TEST(findings_for("WEBHOOK", obj(R"({"url":"HTTP://h.example****abcd"})")) ==
               v{"webhook-http"});
    BOOST_TEST(findings_for("WEBHOOK", obj(R"({"url":"https://h.example****abcd"})")).empty());
    BOOST_TEST(findings_for("SLACK", obj(R"({"apiToken":"****abcd","teamName":"t"})")) ==
               v{"slack-no-channel"});
    BOOST_TEST(findings_for("SLACK", obj(R"({"apiToken":"****abcd","channelName":""})")) ==
               v{"slack-no-channel"});
    BOOST_TEST(findings_for("SLACK", obj(R"({"channelName":"#a"})")).empty());
    BOOST_TEST(findings_for("PROMETHEUS", obj(R"({"enabled":false})")) == v{"prometheus-disabled"});
    BOOST_TEST(findings_for("PROMETHEUS", obj(R"({"enabled":true})")).empty());
    BOOST_TEST(findings_for("NEW_RELIC", obj("{}")) == v{"legacy-type"});
    BOOST_TEST((findings_for("HIP_CHAT", obj("{}")) == v{"legacy-type", "unknown-type"}));
    BOOST_TEST(findings_for("DATADOG", obj(R"({"apiKey":"****abcd"})")).empty());
}

BOOST_AUTO_TEST_CASE(csv_report_has_a_column_per_catalogue_field) {
    auto cols = audit_field_columns();
    // 21 before the catalogue had v2's fields (api-facts.md): Datadog's four send* toggles,
    // Prometheus sendUserProvidedResourceTagsEnabled, webhook bodyTemplate / headersTemplate.
    BOOST_TEST(cols.size() == 28u);
    auto text = format_audit_report({slack_row()}, report_format::csv);
    auto header = text.substr(0, text.find('\n'));
    BOOST_TEST(
        header.find("projectId,projectName,orgId,type,findings,error,serviceKey,region,apiToken") ==
        0u);
    BOOST_TEST(text.find("\"checkout, prod\"") != std::string::npos);
    BOOST_TEST(text.find("***************************Prod,acme,#alerts") != std::string::npos);
}

/// A PagerDuty notification's row, as the audit writes it.
audit_row pd_alert_row(std::string config, std::string shown, bool stale) {
    audit_row r;
    r.project_id = "5e2211c17a3e5a48f5497de4";
    r.org_id = "5e2211c17a3e5a48f5497de3";
    r.type = "ALERT:PAGER_DUTY";
    r.fields = obj(R"({"alertConfigId":"","eventTypeName":"HOST_DOWN","secretField":"serviceKey",
                       "matchesIntegration":"differs","integrationId":""})");
    r.fields["alertConfigId"] = config;
    r.fields["serviceKey"] = shown;
    if (!stale) r.fields["matchesIntegration"] = "match";
    if (stale) r.findings.emplace_back("stale-alert-secret");
    return r;
}

BOOST_AUTO_TEST_CASE(csv_report_has_the_alert_columns) {
    auto row = pd_alert_row("64b6c0f2a1b2c3d4e5f60718", "****************************0022", true);
    auto text = format_audit_report({slack_row(), row}, report_format::csv);
    auto header = text.substr(0, text.find('\n'));
    std::string alert_cols =
        ",alertConfigId,eventTypeName,notificationType,secretField,secretShown,"
        "matchesIntegration,integrationId";
    BOOST_TEST(header.substr(header.size() - alert_cols.size()) == alert_cols, header);
    // The notification's cells: under the alert columns only, never under the integration's
    // serviceKey column.
    auto line = text.substr(text.rfind("5e2211c17a3e5a48f5497de4"));
    BOOST_TEST(
        line.find(",stale-alert-secret,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,64b6c0f2a1b2c3d4e5f60718,"
                  "HOST_DOWN,PAGER_DUTY,serviceKey,****************************0022,"
                  "differs,\n") != std::string::npos,
        line);
    BOOST_TEST(std::count(line.begin(), line.end(), ',') ==
               std::count(header.begin(), header.end(), ','));
    // An integration's row leaves the alert columns empty.
    auto slack = text.substr(header.size() + 1, text.find('\n', header.size() + 1) - header.size());
    BOOST_TEST(slack.substr(slack.size() - 8) == ",,,,,,,\n", slack);
}

BOOST_AUTO_TEST_CASE(stale_notifications_become_from_last4) {
    audit_row pd;
    pd.project_id = "5e2211c17a3e5a48f5497de4";
    pd.org_id = "5e2211c17a3e5a48f5497de3";
    pd.type = "PAGER_DUTY";
    pd.fields = obj(R"({"serviceKey":"****************************beef","region":"US"})");
    std::vector<audit_row> rows{
        pd,
        pd_alert_row("c1", "****************************0022", true),
        pd_alert_row("c2", "****************************0022", true),
        pd_alert_row("c3", "****************************beef", false),
        pd_alert_row("c4", "****************************7777", true),
        pd_alert_row("c5", "********************************", true)};  // nothing to match by
    auto stale = stale_alert_last4(rows);
    BOOST_TEST(stale.size() == 1u);
    auto it = stale.find({pd.project_id, "PAGER_DUTY"});
    BOOST_REQUIRE(it != stale.end());
    BOOST_TEST(it->second == (std::vector<std::string>{"0022", "7777"}));
    std::vector<std::string> refs;
    auto m = *manifest_row_for(pd, {{"serviceKey", "NEW_PD_KEY"}}, refs);
    m["fromLast4"] = "0022;7777";
    BOOST_TEST(format_manifest({m}, manifest_format::csv) ==
               "projectId,orgId,type,fromLast4,serviceKey,region\n"
               "5e2211c17a3e5a48f5497de4,5e2211c17a3e5a48f5497de3,PAGER_DUTY,0022;7777,"
               "${env:NEW_PD_KEY},US\n");
}

BOOST_AUTO_TEST_CASE(json_reports_round_trip) {
    auto a = slack_row();
    a.findings = {"slack-no-channel"};
    audit_row err;
    err.project_id = "5e2211c17a3e5a48f5497de5";
    err.findings = {"unreadable"};
    err.error = "HTTP 403 FORBIDDEN: no access";
    for (auto f : {report_format::json, report_format::jsonl}) {
        std::string msg;
        auto rows = parse_audit_rows(format_audit_report({a, err}, f), f, msg);
        BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
        BOOST_REQUIRE_EQUAL(rows->size(), 2u);
        BOOST_TEST((*rows)[0].fields == a.fields);
        BOOST_TEST((*rows)[0].project_name == "checkout, prod");
        BOOST_TEST((*rows)[0].findings == a.findings);
        BOOST_TEST((*rows)[1].error == err.error);
    }
}

BOOST_AUTO_TEST_CASE(emitted_row_has_references_not_masked_values) {
    std::vector<std::string> refs;
    auto m = manifest_row_for(slack_row(), {{"apiToken", "NEW_SLACK_TOKEN"}}, refs);
    BOOST_REQUIRE(m.has_value());
    BOOST_TEST(m->at("apiToken").as_string() == "${env:NEW_SLACK_TOKEN}");
    BOOST_TEST(m->at("teamName").as_string() == "acme");
    BOOST_TEST(m->at("channelName").as_string() == "#alerts");
    BOOST_TEST(m->at("projectId").as_string() == "5e2211c17a3e5a48f5497de4");
    // Its organization, so a fleet run (--credentials) routes the row without a lookup.
    BOOST_TEST(m->at("orgId").as_string() == "5e2211c17a3e5a48f5497de3");
    BOOST_TEST(format_manifest({*m}, manifest_format::csv).rfind("projectId,orgId,type,", 0) == 0);
    BOOST_TEST(refs == std::vector<std::string>{"NEW_SLACK_TOKEN"});
    for (auto& kv : *m) BOOST_TEST(!looks_masked(std::string_view(kv.value().as_string())));
}

BOOST_AUTO_TEST_CASE(sim_seed_keeps_orgs_projects_and_masked_secrets_as_answered) {
    audit_project p{"5e2211c17a3e5a48f5497de4", "checkout, prod", "5e2211c17a3e5a48f5497de3"};
    audit_project bad{"5e2211c17a3e5a48f5497de5", "unreadable", "5e2211c17a3e5a48f5497de3"};
    audit_row err_row;
    err_row.project_id = bad.id;
    err_row.error = "401";
    seed_limits lim;
    lim.rate_limited_429s = 3;
    auto seed = sim_seed_of({p, bad}, {{slack_row()}, {err_row}}, flavor::atlas, lim);
    auto& orgs = seed.at("orgs").as_array();
    BOOST_REQUIRE(orgs.size() == 1u);
    auto& org = orgs[0].as_object();
    BOOST_TEST(org.at("id").as_string() == "5e2211c17a3e5a48f5497de3");
    BOOST_TEST(org.at("kind").as_string() == "atlas");
    auto& projects = org.at("projects").as_array();
    BOOST_REQUIRE(projects.size() == 1u);  // the unreadable project is not copied
    auto& integ = projects[0].at("integrations").as_array();
    BOOST_REQUIRE(integ.size() == 1u);
    BOOST_TEST(integ[0].at("type").as_string() == "SLACK");
    BOOST_TEST(integ[0].at("apiToken").as_string() == "***************************Prod");
    BOOST_TEST(seed.at("apiKeys").as_array()[0].at("orgIds").as_array().size() == 1u);
    BOOST_TEST(seed.at("cmbulkLimits").at("rateLimited429s").to_number<std::uint64_t>() == 3u);
}

// The seed carries the alert configurations as the audit read them (issue 16: "orgs, projects,
// integrations and alert configurations"), not as integrations of a type "ALERT:...", and the
// limits learned as --limit specs the simulator reads.
BOOST_AUTO_TEST_CASE(sim_seed_has_alert_configurations_and_the_limits_learned) {
    audit_project p{"5e2211c17a3e5a48f5497de4", "checkout, prod", "5e2211c17a3e5a48f5497de3"};
    auto alert = [&](std::string config, std::string type, std::string field, std::string shown,
                     std::string linked = "") {
        audit_row r;
        r.project_id = p.id;
        r.org_id = p.org_id;
        r.type = "ALERT:" + type;
        r.fields["alertConfigId"] = config;
        r.fields["eventTypeName"] = "HOST_DOWN";
        r.fields["secretField"] = field;
        r.fields[field] = shown;
        r.fields["integrationId"] = linked;
        return r;
    };
    const std::string c1 = "64b0a1e2c3d4e5f6a7b8c901", c2 = "64b0a1e2c3d4e5f6a7b8c902";
    std::vector<audit_row> rows{
        slack_row(), alert(c1, "SLACK", "apiToken", "****Prod"),
        alert(c2, "PAGER_DUTY", "serviceKey", "", "65aa00000000000000000001"),
        alert(c1, "PAGER_DUTY", "serviceKey", "****c5d6")};
    seed_limits lim;
    lim.source = limits_source::refusals;
    lim.sets.push_back(learned_limit{"integrations", "project", 2, 1, 10});
    auto seed = sim_seed_of({p}, {rows}, flavor::atlas, lim);
    auto& project = seed.at("orgs").at(0).at("projects").at(0).as_object();
    auto& integ = project.at("integrations").as_array();
    BOOST_REQUIRE(integ.size() == 1u);
    BOOST_TEST(integ[0].at("type").as_string() == "SLACK");
    auto& configs = project.at("alertConfigs").as_array();
    BOOST_REQUIRE(configs.size() == 2u);  // one per alertConfigId, in the order read
    BOOST_TEST(configs[0].at("id").as_string() == c1);
    BOOST_TEST(configs[0].at("eventTypeName").as_string() == "HOST_DOWN");
    auto& n1 = configs[0].at("notifications").as_array();
    BOOST_REQUIRE(n1.size() == 2u);
    BOOST_TEST(n1[0].at("typeName").as_string() == "SLACK");
    BOOST_TEST(n1[0].at("apiToken").as_string() == "****Prod");  // masked, as answered
    BOOST_TEST(n1[1].at("serviceKey").as_string() == "****c5d6");
    BOOST_TEST(!n1[1].as_object().contains("integrationId"));
    auto& n2 = configs[1].at("notifications").as_array()[0].as_object();
    BOOST_TEST(n2.at("integrationId").as_string() == "65aa00000000000000000001");
    BOOST_TEST(!n2.contains("serviceKey"));  // linked: no copy of its own was shown
    auto& limits = seed.at("cmbulkLimits").as_object();
    BOOST_TEST(limits.at("source").as_string() == "429s");
    BOOST_TEST(json::serialize(limits.at("sets")) == R"(["integrations=project:2:1/10"])");
    // Nothing learned: no sets (the simulator's defaults apply), and the seed says so.
    auto plain = sim_seed_of({p}, {{slack_row()}}, flavor::atlas, seed_limits{});
    BOOST_TEST(!plain.at("cmbulkLimits").as_object().contains("sets"));
    BOOST_TEST(plain.at("cmbulkLimits").at("source").as_string() == "none");
    BOOST_TEST(!plain.at("orgs").at(0).at("projects").at(0).as_object().contains("alertConfigs"));
}

BOOST_AUTO_TEST_CASE(default_references_and_required_never_returned) {
    BOOST_TEST(default_secret_ref("SLACK", "apiToken") == "SLACK_API_TOKEN");
    BOOST_TEST(default_secret_ref("MICROSOFT_TEAMS", "microsoftTeamsWebhookUrl") ==
               "MICROSOFT_TEAMS_MICROSOFT_TEAMS_WEBHOOK_URL");
    audit_row prom;
    prom.project_id = "5f3a9b0c1d2e3f4a5b6c7d81";
    prom.type = "PROMETHEUS";
    prom.fields = obj(R"({"username":"prom","serviceDiscovery":"http","enabled":true})");
    std::vector<std::string> refs;
    auto m = manifest_row_for(prom, {}, refs);
    BOOST_REQUIRE(m.has_value());
    // The password is never returned but required: a reference the user must fill.
    BOOST_TEST(m->at("password").as_string() == "${env:PROMETHEUS_PASSWORD}");
    BOOST_TEST(m->at("enabled").as_bool() == true);
    // Optional secrets the API does not show are left out.
    audit_row vo;
    vo.project_id = prom.project_id;
    vo.type = "VICTOR_OPS";
    vo.fields = obj(R"({"apiKey":"******4321"})");
    auto v = manifest_row_for(vo, {}, refs);
    BOOST_TEST(!v->contains("routingKey"));
    // Errors, empty projects and unknown types make no row.
    audit_row e = vo;
    e.error = "HTTP 403";
    BOOST_TEST(!manifest_row_for(e, {}, refs).has_value());
    audit_row none;
    none.project_id = prom.project_id;
    BOOST_TEST(!manifest_row_for(none, {}, refs).has_value());
}

BOOST_AUTO_TEST_CASE(manifest_csv_columns_only_those_used) {
    std::vector<std::string> refs;
    auto a = *manifest_row_for(slack_row(), {{"apiToken", "T"}}, refs);
    auto text = format_manifest({a}, manifest_format::csv);
    // orgId: the project's organization, for a fleet run's routing (apply --credentials).
    BOOST_TEST(text ==
               "projectId,orgId,type,apiToken,teamName,channelName\n"
               "5e2211c17a3e5a48f5497de4,5e2211c17a3e5a48f5497de3,SLACK,${env:T},acme,#alerts\n");
    auto jl = format_manifest({a, a}, manifest_format::jsonl);
    BOOST_TEST(std::count(jl.begin(), jl.end(), '\n') == 2);
}

BOOST_AUTO_TEST_CASE(projects_files) {
    cmbulk::test::temp_dir dir;
    std::string msg;
    write(dir / "p.csv",
          "name,projectId,orgId\n\"a, b\",5e2211c17a3e5a48f5497de4,5e2211c17a3e5a48f5497de3\n\n"
          "c,5e2211c17a3e5a48f5497de5,\n");
    auto csv = read_projects_file(dir / "p.csv", msg);
    BOOST_REQUIRE_MESSAGE(csv.has_value(), msg);
    BOOST_REQUIRE_EQUAL(csv->size(), 2u);
    BOOST_TEST((*csv)[0].name == "a, b");
    BOOST_TEST((*csv)[0].org_id == "5e2211c17a3e5a48f5497de3");
    write(dir / "p.json",
          R"(["5e2211c17a3e5a48f5497de4", {"projectId":"5e2211c17a3e5a48f5497de5"}])");
    auto js = read_projects_file(dir / "p.json", msg);
    BOOST_REQUIRE_MESSAGE(js.has_value(), msg);
    BOOST_TEST(js->size() == 2u);
    write(dir / "p.jsonl",
          "{\"projectId\":\"5e2211c17a3e5a48f5497de4\"}\n{\"projectId\":\"nothex\"}\n");
    auto bad = read_projects_file(dir / "p.jsonl", msg);
    BOOST_TEST(!bad.has_value());
    BOOST_TEST(msg.find("p.jsonl:2: projectId") != std::string::npos);
    write(dir / "q.csv", "id2\n5e2211c17a3e5a48f5497de4\n");
    BOOST_TEST(!read_projects_file(dir / "q.csv", msg).has_value());
    BOOST_TEST(msg.find("no projectId column") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
