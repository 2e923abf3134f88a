// Integration tests of `cmbulk audit` against cmbulk-sim: a seeded world of 3 Cloud Manager
// organizations and 500 projects with every integration type Cloud Manager offers, audited by --org
// (pages of 100 and 500), by --all and by --projects, compared field for field with the live
// answer (the catalogue's masking, the server's defaults, an id); the audit -> emit-manifest
// -> apply --verify -> audit pipeline of a Slack token rotation; and a key without access to one
// organization.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "cmbulk/audit.hpp"
#include "cmbulk/catalogue.hpp"
#include "cmbulk/report.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string full_key = "auditor";
const std::string full_secret = "auditor-private-0123456789";
const std::string partial_key = "partial";
const std::string partial_secret = "partial-private-9876543210";

std::string hex24(std::string_view prefix, std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%022zx", n);
    return std::string(prefix) + buf;
}

/// A deterministic world: 3 orgs, 500 projects; project k has the types t (0..8 in catalogue
/// order) where (k + t) % 4 != 0, except every 25th project, which has none. Values differ per
/// project; some webhooks use http://, some Slack rows lack channelName, some Prometheus are off.
struct world {
    json::object seed;
    std::vector<std::string> org_ids;
    std::vector<std::string> project_ids;
    std::map<std::string, std::string> org_of;  ///< project -> org
    std::map<std::string, std::string> name_of;
    /// (project, type) -> the integration as seeded (secrets in clear).
    std::map<std::pair<std::string, std::string>, json::object> integrations;
    std::size_t slack_count = 0;
};

json::object integration(std::string_view type, std::size_t k) {
    auto s = std::to_string(k);
    json::object o;
    o["type"] = type;
    char hex32[40];
    std::snprintf(hex32, sizeof hex32, "%032llx", 0xa11ce00000ull + k);
    if (type == "PAGER_DUTY") {
        o["serviceKey"] = hex32;  // the server's check: 32 hexadecimal digits
        if (k % 2) o["region"] = "EU";
    } else if (type == "SLACK") {
        o["apiToken"] = "xoxb-legacy-" + s + "-token" + s;
        o["teamName"] = "team-" + s;
        if (k % 3) o["channelName"] = "#alerts-" + s;
    } else if (type == "OPS_GENIE") {
        o["apiKey"] = "opsgenie-key-" + s + "-0000";
        o["region"] = k % 2 ? "US" : "EU";
    } else if (type == "VICTOR_OPS") {
        o["apiKey"] = "victorops-key-" + s;
        if (k % 2) o["routingKey"] = "routing-" + s;
    } else if (type == "WEBHOOK") {
        o["url"] = std::string(k % 5 ? "https" : "http") + "://hooks" + s + ".example/mongo/" + s;
        if (k % 2) o["secret"] = "whsec-" + s;
    } else if (type == "MICROSOFT_TEAMS") {
        o["microsoftTeamsWebhookUrl"] = "https://acme.webhook.office.com/webhookb2/" + s + "-xyz";
    } else if (type == "PROMETHEUS") {
        o["username"] = "prom" + s;
        o["password"] = "prom-password-" + s;
        o["serviceDiscovery"] = k % 2 ? "http" : "file";
        o["enabled"] = k % 7 != 0;
        if (k % 3 == 0) o["listenAddress"] = "0.0.0.0:9216";
    } else if (type == "DATADOG") {
        o["apiKey"] = hex32;  // the server's check: hexadecimal
        o["region"] = "US3";
    } else if (type == "NEW_RELIC") {
        o["accountId"] = "acct" + s;
        o["licenseKey"] = "nr-license-" + s + "-key";
        o["readToken"] = "nr-read-" + s + "-tok";
        o["writeToken"] = "nr-write-" + s + "-tok";
    }
    return o;
}

world make_world() {
    world w;
    json::array orgs;
    std::size_t k = 0;
    const std::size_t per_org[3] = {167, 167, 166};
    for (std::size_t o = 0; o < 3; ++o) {
        auto oid = hex24("5a", o + 1);
        w.org_ids.push_back(oid);
        json::array projects;
        for (std::size_t j = 0; j < per_org[o]; ++j, ++k) {
            auto pid = hex24("6b", k + 1);
            auto name = "proj-" + std::to_string(k);
            w.project_ids.push_back(pid);
            w.org_of[pid] = oid;
            w.name_of[pid] = name;
            json::array ints;
            if (k % 25 != 0) {
                auto types = cmbulk::all_types();
                for (std::size_t t = 0; t < types.size(); ++t) {
                    if ((k + t) % 4 == 0) continue;
                    // Cloud Manager takes neither DATADOG nor MICROSOFT_TEAMS (api-facts.md).
                    if (!cmbulk::find_type(types[t].name, cmbulk::flavor::cloud_manager)) continue;
                    auto i = integration(types[t].name, k);
                    w.integrations[{pid, std::string(types[t].name)}] = i;
                    if (types[t].name == "SLACK") ++w.slack_count;
                    ints.push_back(i);
                }
            }
            projects.push_back(json::object{{"id", pid}, {"name", name}, {"integrations", ints}});
        }
        orgs.push_back(json::object{
            {"id", oid}, {"name", "org-" + std::to_string(o)}, {"projects", projects}});
    }
    w.seed["orgs"] = orgs;
    w.seed["apiKeys"] =
        json::array{json::object{{"publicKey", full_key},
                                 {"privateKey", full_secret},
                                 {"orgIds", json::array{w.org_ids[0], w.org_ids[1], w.org_ids[2]}}},
                    json::object{{"publicKey", partial_key},
                                 {"privateKey", partial_secret},
                                 {"orgIds", json::array{w.org_ids[0], w.org_ids[1]}}}};
    return w;
}

/// The object as the API must show it on Cloud Manager: the catalogue's masking, never-returned
/// fields dropped, the server's default for an optional field that was not sent; `id` is checked
/// apart (the server makes it).
json::object masked(const json::object& stored) {
    auto* t = cmbulk::find_type(stored.at("type").as_string());
    json::object out;
    for (auto& kv : stored) {
        if (kv.key() == "type") continue;
        auto* f = t->find_field(kv.key());
        if (f && f->secret == cmbulk::secrecy::never_returned) continue;
        if (f && f->secret != cmbulk::secrecy::none)
            out[kv.key()] = cmbulk::mask_as(f->secret, kv.value().as_string());
        else
            out[kv.key()] = kv.value();
    }
    for (auto& f : t->fields) {
        if (out.contains(f.name) || stored.contains(f.name)) continue;
        if (!cmbulk::type_spec::has_field(f, cmbulk::flavor::cloud_manager)) continue;
        switch (f.fill) {
            case cmbulk::default_kind::text:
                out[f.name] = f.default_text;
                break;
            case cmbulk::default_kind::false_value:
                out[f.name] = false;
                break;
            case cmbulk::default_kind::null_value:
                out[f.name] = nullptr;
                break;
            case cmbulk::default_kind::none:
                break;
        }
    }
    return out;
}

/// An audited row's fields without the server-made id, which must be 24 hex characters.
json::object without_id(const json::object& fields) {
    auto out = fields;
    auto* id = out.if_contains("id");
    BOOST_TEST((id && id->is_string() && cmbulk::is_object_id(id->get_string())));
    out.erase("id");
    return out;
}

struct fixture {
    temp_dir dir;
    world w = make_world();
    std::unique_ptr<sim_process> sim;
    fixture() {
        write_file(dir / "seed.json", json::serialize(w.seed));
        sim = std::make_unique<sim_process>(
            std::vector<std::string>{"--seed", (dir / "seed.json").string()});
    }
    process_result cmbulk(std::vector<std::string> args, const std::string& key = full_key,
                          const std::string& secret = full_secret,
                          std::map<std::string, std::string> env = {}) {
        std::vector<std::string> argv{cmbulk_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--base-url", sim->base_url()});
        run_options o;
        o.env = std::move(env);
        o.env["CMBULK_PUBLIC_KEY"] = key;
        o.env["CMBULK_PRIVATE_KEY"] = secret;
        o.timeout = std::chrono::seconds(180);
        o.cwd = dir.path();
        return run_process(argv, o);
    }
    std::vector<cmbulk::audit_row> rows(const std::string& file) {
        std::string msg;
        auto r = cmbulk::parse_audit_rows(read_file(dir / file), cmbulk::report_format::jsonl, msg);
        BOOST_REQUIRE_MESSAGE(r.has_value(), msg);
        return *r;
    }
};

/// Every seeded integration exactly once, field for field as the API masks it; every project
/// without one has its own row; nothing else.
void check_exact(const world& w, const std::vector<cmbulk::audit_row>& rows) {
    std::set<std::pair<std::string, std::string>> seen;
    std::set<std::string> empty_seen;
    std::size_t mismatches = 0;
    for (auto& r : rows) {
        BOOST_TEST_CONTEXT("project " << r.project_id << " " << r.type) {
            BOOST_TEST(r.error.empty());
            BOOST_TEST(r.org_id == w.org_of.at(r.project_id));
            BOOST_TEST(r.project_name == w.name_of.at(r.project_id));
            if (r.type.empty()) {
                BOOST_TEST(empty_seen.insert(r.project_id).second);
                continue;
            }
            BOOST_TEST(seen.insert({r.project_id, r.type}).second);
            auto it = w.integrations.find({r.project_id, r.type});
            BOOST_REQUIRE(it != w.integrations.end());
            if (without_id(r.fields) != masked(it->second)) {
                ++mismatches;
                BOOST_TEST(json::serialize(without_id(r.fields)) ==
                           json::serialize(masked(it->second)));
            }
        }
    }
    BOOST_TEST(mismatches == 0u);
    BOOST_TEST(seen.size() == w.integrations.size());
    BOOST_TEST(empty_seen.size() == 20u);  // every 25th of 500
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_integration)

// Done-when 1: --org with pages of 100 and 500, --all, and --projects report exactly the seed.
BOOST_AUTO_TEST_CASE(audit_reports_exactly_the_seeded_integrations) {
    fixture f;
    BOOST_TEST_MESSAGE("seeded integrations: " << f.w.integrations.size());
    for (std::string page : {"100", "500"}) {
        BOOST_TEST_CONTEXT("--org, --page-size " << page) {
            auto r = f.cmbulk({"audit", "--org", f.w.org_ids[0], "--org", f.w.org_ids[1], "--org",
                               f.w.org_ids[2], "--page-size", page, "--report",
                               "org" + page + ".jsonl", "--progress", "plain"});
            BOOST_TEST_INFO("stderr: " << r.err);
            BOOST_TEST(r.exit_code == 0);
            check_exact(f.w, f.rows("org" + page + ".jsonl"));
            BOOST_TEST_MESSAGE("audit --org x3 --page-size " << page << ": "
                                                             << r.err.substr(0, r.err.find('\n')));
        }
    }
    // --all, with integrations pages of 3 (so projects with up to 7 types span pages).
    auto r = f.cmbulk(
        {"audit", "--all", "--page-size", "3", "--report", "all.jsonl", "--concurrency", "4"});
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code == 0);
    check_exact(f.w, f.rows("all.jsonl"));
    BOOST_TEST_MESSAGE("audit --all --page-size 3: " << r.err.substr(0, r.err.find('\n')));
    // The summary counts per type and per finding.
    BOOST_TEST(r.err.find("by type:") != std::string::npos);
    BOOST_TEST(r.err.find("legacy-type") != std::string::npos);
    BOOST_TEST(r.err.find("webhook-http") != std::string::npos);
    BOOST_TEST(r.err.find("slack-no-channel") != std::string::npos);
    BOOST_TEST(r.err.find("prometheus-disabled") != std::string::npos);
    // Findings are where the seed put them.
    for (auto& row : f.rows("all.jsonl")) {
        if (row.type != "WEBHOOK") continue;
        bool http = f.w.integrations.at({row.project_id, "WEBHOOK"})
                        .at("url")
                        .as_string()
                        .starts_with("http:");
        BOOST_TEST((std::find(row.findings.begin(), row.findings.end(), "webhook-http") !=
                    row.findings.end()) == http);
    }
    // A CSV report of the same audit: a header plus one line per row, and no secret in clear.
    auto c = f.cmbulk({"audit", "--all", "--page-size", "500", "--report", "all.csv"});
    BOOST_TEST(c.exit_code == 0);
    auto csv = read_file(f.dir / "all.csv");
    BOOST_TEST(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) ==
               f.w.integrations.size() + 20 + 1);
    for (auto& [key, obj] : f.w.integrations)
        if (key.second == "SLACK")
            BOOST_TEST(csv.find(obj.at("apiToken").as_string().c_str()) == std::string::npos);
}

// Done-when 2: audit -> --emit-manifest -> apply --action update --verify with a new token ->
// audit again: every Slack project shows the new token's last four, every row verified.
BOOST_AUTO_TEST_CASE(token_rotation_pipeline) {
    fixture f;
    const std::string new_token = "xoxb-rotated-2026-NEWTOKEN-7q9z";
    auto a = f.cmbulk({"audit", "--all", "--type", "SLACK", "--report", "before.jsonl",
                       "--emit-manifest", "slack.csv", "--secret-ref", "apiToken=NEW_SLACK_TOKEN"});
    BOOST_TEST_INFO("stderr: " << a.err);
    BOOST_REQUIRE_EQUAL(a.exit_code, 0);
    BOOST_TEST(a.err.find("NEW_SLACK_TOKEN") != std::string::npos);
    auto manifest = read_file(f.dir / "slack.csv");
    BOOST_TEST(manifest.find('*') == std::string::npos);  // no masked value is ever emitted
    BOOST_TEST(static_cast<std::size_t>(std::count(manifest.begin(), manifest.end(), '\n')) ==
               f.w.slack_count + 1);

    std::map<std::string, std::string> env{{"NEW_SLACK_TOKEN", new_token}};
    // The emitted manifest passes validate for the action the user will run.
    run_options vo;
    vo.env = env;
    vo.cwd = f.dir.path();
    auto vv = run_process({cmbulk_bin(), "validate", "slack.csv", "--action", "update"}, vo);
    BOOST_TEST_INFO("validate: " << vv.out << vv.err);
    BOOST_TEST(vv.exit_code == 0);

    auto ap =
        f.cmbulk({"apply", "slack.csv", "--action", "update", "--verify", "--report", "apply.csv"},
                 full_key, full_secret, env);
    BOOST_TEST_INFO("apply stderr: " << ap.err);
    BOOST_TEST(ap.exit_code == 0);
    std::string msg;
    auto report = cmbulk::read_report(f.dir / "apply.csv", std::nullopt, msg);
    BOOST_REQUIRE_MESSAGE(report.has_value(), msg);
    BOOST_TEST(report->size() == f.w.slack_count);
    std::size_t verified = 0;
    for (auto& r : *report) verified += r.result == cmbulk::outcome::verified;
    BOOST_TEST(verified == f.w.slack_count);
    BOOST_TEST(ap.err.find(new_token) == std::string::npos);
    BOOST_TEST(read_file(f.dir / "apply.csv").find(new_token) == std::string::npos);

    auto b = f.cmbulk({"audit", "--all", "--type", "SLACK", "--report", "after.jsonl"});
    BOOST_TEST(b.exit_code == 0);
    auto before = f.rows("before.jsonl");
    auto after = f.rows("after.jsonl");
    std::size_t slack_rows = 0;
    std::map<std::string, json::object> before_by_project;
    for (auto& r : before)
        if (r.type == "SLACK") before_by_project[r.project_id] = r.fields;
    for (auto& r : after) {
        if (r.type != "SLACK") continue;
        ++slack_rows;
        BOOST_TEST_CONTEXT(r.project_id) {
            BOOST_TEST(r.fields.at("apiToken").as_string() == cmbulk::mask_value(new_token));
            // The non-secret fields were kept.
            auto old = before_by_project.at(r.project_id);
            old.erase("apiToken");
            auto now = r.fields;
            now.erase("apiToken");
            BOOST_TEST(json::serialize(now) == json::serialize(old));
        }
    }
    BOOST_TEST(slack_rows == f.w.slack_count);
    BOOST_TEST_MESSAGE("rotation: " << f.w.slack_count << " Slack integrations, " << verified
                                    << " verified");
}

// Done-when 4: a key without access to one organization.
BOOST_AUTO_TEST_CASE(key_without_access_to_one_org) {
    fixture f;
    // By --org: the third organization is reported with its error, the others audited.
    auto r = f.cmbulk({"audit", "--org", f.w.org_ids[0], "--org", f.w.org_ids[1], "--org",
                       f.w.org_ids[2], "--report", "orgs.jsonl"},
                      partial_key, partial_secret);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.exit_code == 1);
    auto rows = f.rows("orgs.jsonl");
    std::size_t errors = 0, ok_rows = 0;
    for (auto& row : rows) {
        if (!row.error.empty()) {
            ++errors;
            BOOST_TEST(row.org_id == f.w.org_ids[2]);
            BOOST_TEST(row.error.find("401") != std::string::npos);  // api-facts: no access is 401
        } else {
            ++ok_rows;
            BOOST_TEST(f.w.org_of.at(row.project_id) != f.w.org_ids[2]);
        }
    }
    BOOST_TEST(errors == 1u);
    BOOST_TEST(ok_rows > 0u);

    // By --projects: every project of the third organization is reported with the error.
    std::string csv = "projectId\n";
    for (auto& p : f.w.project_ids) csv += p + "\n";
    write_file(f.dir / "projects.csv", csv);
    auto p = f.cmbulk({"audit", "--projects", "projects.csv", "--report", "projects.jsonl"},
                      partial_key, partial_secret);
    BOOST_TEST_INFO("stderr: " << p.err);
    BOOST_TEST(p.exit_code == 1);
    std::set<std::string> unreadable, audited;
    std::size_t integration_rows = 0;
    for (auto& row : f.rows("projects.jsonl")) {
        if (!row.error.empty()) {
            unreadable.insert(row.project_id);
            BOOST_TEST(row.error.find("401") != std::string::npos);  // api-facts: no access is 401
            BOOST_TEST(row.findings == std::vector<std::string>{"unreadable"});
        } else {
            audited.insert(row.project_id);
            if (!row.type.empty()) {
                ++integration_rows;
                BOOST_TEST(without_id(row.fields) ==
                           masked(f.w.integrations.at({row.project_id, row.type})));
            }
        }
    }
    std::size_t third = 0, expected_integrations = 0;
    for (auto& id : f.w.project_ids) third += f.w.org_of.at(id) == f.w.org_ids[2];
    for (auto& [key, obj] : f.w.integrations)
        expected_integrations += f.w.org_of.at(key.first) != f.w.org_ids[2];
    BOOST_TEST(unreadable.size() == third);
    BOOST_TEST(audited.size() == f.w.project_ids.size() - third);
    BOOST_TEST(integration_rows == expected_integrations);
    for (auto& id : unreadable) BOOST_TEST(f.w.org_of.at(id) == f.w.org_ids[2]);
    BOOST_TEST_MESSAGE("partial key: " << unreadable.size() << " projects unreadable, "
                                       << audited.size() << " audited, exit " << p.exit_code);

    // --resume reads only the projects that failed (the rest come from the checkpoint).
    auto first_rows = f.rows("projects.jsonl").size();
    auto before =
        json::parse(http_request(f.sim->port(), "GET", "/__sim/requests").body).as_array().size();
    auto again =
        f.cmbulk({"audit", "--projects", "projects.csv", "--report", "projects.jsonl", "--resume"},
                 partial_key, partial_secret);
    BOOST_TEST_INFO("stderr: " << again.err);
    BOOST_TEST(again.exit_code == 1);
    BOOST_TEST(again.err.find("resuming: " + std::to_string(audited.size()) + " projects") !=
               std::string::npos);
    auto after =
        json::parse(http_request(f.sim->port(), "GET", "/__sim/requests").body).as_array().size();
    BOOST_TEST(f.rows("projects.jsonl").size() == first_rows);
    // One read per unreadable project, and one more when its 401 came on a reused Digest nonce
    // (a refused reuse and a project out of reach answer alike, api-facts.md), plus a Digest
    // challenge per connection and the one key-level read that proves the key.
    BOOST_TEST(after - before >= third);
    BOOST_TEST(after - before <= 2 * third + 10);
}

BOOST_AUTO_TEST_CASE(wrong_key_is_fatal) {
    fixture f;
    auto r = f.cmbulk({"audit", "--all", "--report", "x.jsonl"}, full_key, "wrong-secret");
    BOOST_TEST(r.exit_code == 3);
    BOOST_TEST(r.err.find("authentication failed") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
