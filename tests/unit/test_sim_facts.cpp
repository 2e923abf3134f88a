// Unit tests pinning the facts of ../shared/api-facts.md on the simulator core (stepped by hand,
// no sockets): the masked forms of all nine types, the v2 field sets and the defaults the
// server fills in, the type list of each flavor, GROUP_NOT_FOUND with its header, the 401 of a
// wrong key and of a right key on another org's project, USER_UNAUTHORIZED, ATLAS_GROUP, the
// access list's 403, the Datadog and PagerDuty value checks, the refusal of masked values,
// content types, dated Accept headers and the self links of writes. Written from the facts.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "cmbulk/sim/core.hpp"
#include "unit/sim_core_client.hpp"

using namespace cmbulk;
using namespace cmbulk::sim;
using cmbulk::test::body_of;
using cmbulk::test::core_client;
using cmbulk::test::str_at;
namespace json = boost::json;
using namespace cmbulk::test::three_orgs;

namespace {

const std::string v2_accept = "application/vnd.atlas.2023-01-01+json";
const std::string unauthorized_401 =
    R"({"error":401,"reason":"Unauthorized","detail":"You are not authorized for this )"
    R"(resource.","errorCode":"UNEXPECTED_ERROR"})";

world facts_world() {
    return world::from_json(json::parse(R"({
      "orgs": [
        {"id": ")" + acme + R"(", "name": "acme", "projects": [{"id": ")" +
                                        cm_project +
                                        R"(", "name": "cm"}]},
        {"id": ")" + globex + R"(", "name": "globex", "projects": [{"id": ")" +
                                        other_project +
                                        R"(", "name": "other"}]},
        {"id": ")" + initech + R"(", "name": "initech", "kind": "atlas",
         "projects": [{"id": ")" + atlas_project +
                                        R"(", "name": "atlas",
                       "integrations": [{"type": "HIP_CHAT", "notificationToken": "hc-token-7777",
                                         "roomName": "ops"}]}]}],
      "apiKeys": [
        {"publicKey": "acme-owner", "privateKey": "acme-secret", "orgIds": [")" +
                                        acme + R"("]},
        {"publicKey": "acme-reader", "privateKey": "reader-secret", "orgIds": [")" +
                                        acme +
                                        R"("], "roles": ["GROUP_READ_ONLY"]},
        {"publicKey": "initech-owner", "privateKey": "initech-secret", "orgIds": [")" +
                                        initech + R"("]}],
      "serviceAccounts": [
        {"clientId": "sa-acme", "clientSecret": "sa-secret", "orgIds": [")" +
                                        acme + R"("]}]})"));
}

struct fixture {
    time_point t0 = clock_type::now();
    core c;
    explicit fixture(core_options o = {}) : c(std::move(o), facts_world(), t0) {}
    core_client client(std::string user, std::string password, bool v2_media = false) {
        core_client cl{c, t0};
        cl.user = std::move(user);
        cl.password = std::move(password);
        if (v2_media) cl.headers["accept"] = v2_accept;
        return cl;
    }
    core_client cm() { return client("acme-owner", "acme-secret"); }
    core_client atlas() { return client("initech-owner", "initech-secret", true); }
};

std::string integration(const std::string& base, const std::string& project,
                        const std::string& type) {
    return base + "/groups/" + project + "/integrations/" + type;
}

json::value get_one(core_client& cl, const std::string& base, const std::string& project,
                    const std::string& type) {
    auto r = cl.send("GET", integration(base, project, type));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    return body_of(r);
}

void expect_error(const response& r, int status, const std::string& code,
                  const std::string& detail) {
    BOOST_TEST_INFO("body: " << r.body);
    BOOST_TEST(r.status == status);
    auto v = body_of(r);
    BOOST_TEST(str_at(v, "errorCode") == code);
    BOOST_TEST(str_at(v, "detail") == detail);
    BOOST_TEST(v.at("error").as_int64() == status);
    BOOST_TEST(r.content_type == "application/json");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_facts)

// "Masking on read": sent -> answered, for every type, on a flavor that offers it.
BOOST_AUTO_TEST_CASE(masked_forms_of_all_nine_types) {
    fixture f;
    auto cm = f.cm();
    auto at = f.atlas();
    struct row {
        std::string type, body;
        std::map<std::string, std::string> answered;  // "<absent>": never answered
        bool atlas = false;
    };
    const std::string secret30 = std::string(26, 'x') + "2101";
    std::vector<row> rows{
        {"PAGER_DUTY",
         R"({"type":"PAGER_DUTY","serviceKey":"00000000000000000000000000000022"})",
         {{"serviceKey", "****************************0022"}}},
        {"SLACK",
         R"({"type":"SLACK","apiToken":"xoxb-0000-0000-abcd","teamName":"t","channelName":"#c"})",
         {{"apiToken", "***************abcd"}, {"channelName", "#c"}, {"teamName", "t"}}},
        {"OPS_GENIE",
         R"({"type":"OPS_GENIE","apiKey":"11111111-2222-3333-4444-555555555555"})",
         {{"apiKey", std::string(32, '*') + "5555"}}},
        {"VICTOR_OPS",
         R"({"type":"VICTOR_OPS","apiKey":"00000000-0000-0000-0000-000000000033","routingKey":"test"})",
         {{"apiKey", std::string(32, '*') + "0033"}, {"routingKey", "test"}}},
        {"WEBHOOK",
         R"({"type":"WEBHOOK","url":"https://example.com/51c0ef87e9951c3e147accf0e12101","secret":")" +
             secret30 + "\"}",
         {{"url", "https://example.com/****2101"}, {"secret", std::string(26, '*') + "2101"}}},
        {"PROMETHEUS",
         R"({"type":"PROMETHEUS","username":"prom","password":"hunter2-hunter2","serviceDiscovery":"http","enabled":true})",
         {{"password", "<absent>"}, {"username", "prom"}}},
        {"NEW_RELIC",
         R"({"type":"NEW_RELIC","accountId":"777","licenseKey":"license-key-1111","readToken":"read-2222","writeToken":"write-3333"})",
         {{"licenseKey", std::string(12, '*') + "1111"}, {"accountId", "777"}}},
        {"MICROSOFT_TEAMS",
         R"({"type":"MICROSOFT_TEAMS","microsoftTeamsWebhookUrl":"https://acme.webhook.office.com/webhookb2/0000-1111-2222-3333"})",
         {{"microsoftTeamsWebhookUrl", "https://acme.webhook.office.com/****3333"}},
         true},
        {"DATADOG",
         R"({"type":"DATADOG","apiKey":"0123456789abcdef0123456789abcdef"})",
         {{"apiKey", std::string(28, '*') + "cdef"}},
         true},
    };
    for (auto& r : rows) {
        BOOST_TEST_CONTEXT(r.type) {
            auto& cl = r.atlas ? at : cm;
            auto base = r.atlas ? v2 : v1;
            auto project = r.atlas ? atlas_project : cm_project;
            auto created = cl.send("POST", integration(base, project, r.type), r.body);
            BOOST_TEST_REQUIRE(created.status == 200, created.body);
            auto got = get_one(cl, base, project, r.type);
            for (auto& [field, want] : r.answered) BOOST_TEST(str_at(got, field) == want, field);
            // No secret of the body in clear in either answer.
            for (auto secret : {"00000000000000000000000000000022", "xoxb-0000-0000-abcd",
                                "51c0ef87e99", "hunter2", "license-key", "0123456789abcdef0123"})
                BOOST_TEST(created.body.find(secret) == std::string::npos, secret);
        }
    }
}

BOOST_AUTO_TEST_CASE(defaults_ids_and_v2_shapes) {
    fixture f;
    auto at = f.atlas();
    auto post = [&](const std::string& type, const std::string& body) {
        auto r = at.send("POST", integration(v2, atlas_project, type), body);
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        return get_one(at, v2, atlas_project, type);
    };
    auto pd =
        post("PAGER_DUTY", R"({"type":"PAGER_DUTY","serviceKey":")" + std::string(32, 'a') + "\"}");
    BOOST_TEST(str_at(pd, "region") == "US");
    BOOST_TEST(is_object_id(str_at(pd, "id")));
    BOOST_TEST(str_at(post("OPS_GENIE", R"({"type":"OPS_GENIE","apiKey":"k-0001"})"), "region") ==
               "US");
    auto dd = post("DATADOG", R"({"type":"DATADOG","apiKey":"abcdef0123"})");
    BOOST_TEST(str_at(dd, "region") == "US");
    for (auto toggle : {"sendCollectionLatencyMetrics", "sendDatabaseMetrics",
                        "sendQueryStatsMetrics", "sendUserProvidedResourceTags"})
        BOOST_TEST(str_at(dd, toggle) == "false", toggle);
    BOOST_TEST(str_at(dd, "customEndpoint") == "<null>");
    auto wh = post("WEBHOOK", R"({"type":"WEBHOOK","url":"https://h.example/hook/abcd"})");
    BOOST_TEST(str_at(wh, "bodyTemplate") == "<null>");
    BOOST_TEST(str_at(wh, "headersTemplate") == "<null>");
    // v2 needs no Prometheus password; the v2 toggle defaults to false.
    auto prom =
        post("PROMETHEUS",
             R"({"type":"PROMETHEUS","username":"u","serviceDiscovery":"file","enabled":true})");
    BOOST_TEST(str_at(prom, "sendUserProvidedResourceTagsEnabled") == "false");
    // Every integration has its own id, in the list too.
    auto list = body_of(at.send("GET", v2 + "/groups/" + atlas_project + "/integrations"));
    std::set<std::string> ids;
    for (auto& i : list.at("results").as_array()) {
        BOOST_TEST(is_object_id(str_at(i, "id")), str_at(i, "type"));
        ids.insert(str_at(i, "id"));
    }
    BOOST_TEST(ids.size() == list.at("results").as_array().size());
    // The same project on Atlas v1.0: the same types, without v2's fields.
    core_client a1 = f.client("initech-owner", "initech-secret");
    auto dd1 = get_one(a1, atlas_v1, atlas_project, "DATADOG");
    BOOST_TEST(str_at(dd1, "region") == "US");
    BOOST_TEST(str_at(dd1, "sendDatabaseMetrics") == "<absent>");
    BOOST_TEST(str_at(dd1, "customEndpoint") == "<absent>");
    BOOST_TEST(str_at(dd1, "id") == str_at(dd, "id"));
    // Cloud Manager fills the region too.
    auto cm = f.cm();
    BOOST_TEST(cm.send("POST", integration(v1, cm_project, "PAGER_DUTY"),
                       R"({"type":"PAGER_DUTY","serviceKey":")" + std::string(32, 'b') + "\"}")
                   .status == 200);
    BOOST_TEST(str_at(get_one(cm, v1, cm_project, "PAGER_DUTY"), "region") == "US");
}

BOOST_AUTO_TEST_CASE(field_sets_per_flavor) {
    fixture f;
    auto at = f.atlas();
    auto cm = f.cm();
    auto slack = [](std::size_t channel) {
        return R"({"type":"SLACK","apiToken":"xoxb-1","channelName":")" +
               std::string(channel, 'c') + "\"}";
    };
    auto r = at.send("POST", integration(v2, atlas_project, "SLACK"), slack(81));
    BOOST_TEST(r.status == 400);
    BOOST_TEST(str_at(body_of(r), "detail").find("channelName") != std::string::npos);
    BOOST_TEST(at.send("POST", integration(v2, atlas_project, "SLACK"), slack(80)).status == 200);
    // v2's webhook templates are not Cloud Manager fields; Cloud Manager's Prometheus fields are
    // not v2 fields.
    auto wh = R"({"type":"WEBHOOK","url":"https://h.example/x","bodyTemplate":"{}"})";
    BOOST_TEST(at.send("POST", integration(v2, atlas_project, "WEBHOOK"), wh).status == 200);
    BOOST_TEST(cm.send("POST", integration(v1, cm_project, "WEBHOOK"), wh).status == 400);
    auto prom = std::string(
        R"({"type":"PROMETHEUS","username":"u","password":"p","serviceDiscovery":"http","enabled":true,"listenAddress":"0.0.0.0:9216"})");
    BOOST_TEST(at.send("POST", integration(v2, atlas_project, "PROMETHEUS"), prom).status == 400);
    BOOST_TEST(cm.send("POST", integration(v1, cm_project, "PROMETHEUS"), prom).status == 200);
    // Cloud Manager requires the password.
    r = cm.send("PUT", integration(v1, cm_project, "PROMETHEUS"),
                R"({"type":"PROMETHEUS","username":"u","serviceDiscovery":"http","enabled":true})");
    BOOST_TEST(r.status == 400);
    BOOST_TEST(body_of(r).at("parameters").at(0).as_string() == "password");
    // Read-only fields are refused, on every flavor.
    r = cm.send(
        "PUT", integration(v1, cm_project, "PROMETHEUS"),
        R"({"type":"PROMETHEUS","id":"6a0000000000000000000009","username":"u","password":"p","serviceDiscovery":"http","enabled":true})");
    expect_error(r, 400, "ATTRIBUTE_READ_ONLY",
                 "The attribute id is read-only and cannot be changed by the user.");
    r = at.send("POST", integration(v2, atlas_project, "DATADOG"),
                R"({"type":"DATADOG","apiKey":"abcd","customEndpoint":null})");
    BOOST_TEST(str_at(body_of(r), "errorCode") == "ATTRIBUTE_READ_ONLY");
    // PUT replaces the configuration: a field not sent is gone.
    BOOST_TEST(
        cm.send(
              "PUT", integration(v1, cm_project, "PROMETHEUS"),
              R"({"type":"PROMETHEUS","username":"u2","password":"p","serviceDiscovery":"file","enabled":false})")
            .status == 200);
    BOOST_TEST(str_at(get_one(cm, v1, cm_project, "PROMETHEUS"), "listenAddress") == "<absent>");
}

BOOST_AUTO_TEST_CASE(type_lists_per_flavor) {
    fixture f;
    auto cm = f.cm();
    auto at = f.atlas();
    for (auto type : {"DATADOG", "MICROSOFT_TEAMS", "HIP_CHAT"}) {
        auto r = cm.send("GET", integration(v1, cm_project, type));
        BOOST_TEST(r.status == 400, type);
        BOOST_TEST(str_at(body_of(r), "detail").find("not available on Cloud Manager") !=
                       std::string::npos,
                   type);
    }
    // HIP_CHAT on Atlas: listed, read and deleted (masked), never configured.
    auto list = body_of(at.send("GET", v2 + "/groups/" + atlas_project + "/integrations"));
    BOOST_TEST(str_at(list.at("results").at(0), "type") == "HIP_CHAT");
    BOOST_TEST(str_at(list.at("results").at(0), "notificationToken") == "*********7777");
    auto post = at.send("POST", integration(v2, atlas_project, "HIP_CHAT"),
                        R"({"type":"HIP_CHAT","notificationToken":"t","roomName":"r"})");
    BOOST_TEST(post.status == 400);
    BOOST_TEST(at.send("DELETE", integration(v2, atlas_project, "HIP_CHAT")).status == 204);
    BOOST_TEST(at.send("GET", integration(v2, atlas_project, "HIP_CHAT")).status == 404);

    // Ops Manager: DATADOG yes, PROMETHEUS and MICROSOFT_TEAMS no.
    auto om_seed = json::parse(R"({"orgs":[{"id":")" + acme +
                               R"(","name":"o","projects":[{"id":")" + cm_project +
                               R"(","name":"p"}]}],"apiKeys":[{"publicKey":"k",)"
                               R"("privateKey":"s","orgIds":[")" +
                               acme + R"("]}]})");
    core om({}, world::from_json(om_seed, service_kind::ops_manager), f.t0);
    core_client ocl{om, f.t0};
    ocl.user = "k";
    ocl.password = "s";
    BOOST_TEST(ocl.send("POST", integration(v1, cm_project, "DATADOG"),
                        R"({"type":"DATADOG","apiKey":"00ff"})")
                   .status == 200);
    BOOST_TEST(ocl.send("GET", integration(v1, cm_project, "PROMETHEUS")).status == 400);
    BOOST_TEST(ocl.send("GET", integration(v1, cm_project, "MICROSOFT_TEAMS")).status == 400);
    // An Ops Manager serves no Atlas base and no token endpoint.
    BOOST_TEST(ocl.send("GET", v2 + "/groups").status == 404);
    request token;
    token.method = "POST";
    token.target = "/api/oauth/token";
    BOOST_TEST(om.handle(token, f.t0).status == 404);
}

BOOST_AUTO_TEST_CASE(unknown_project_is_group_not_found) {
    fixture f;
    auto cm = f.cm();
    const std::string missing = "6a00000000000000000000ff";
    auto r = cm.send("GET", v1 + "/groups/" + missing + "/integrations");
    expect_error(r, 404, "GROUP_NOT_FOUND", "No group with ID " + missing + " exists.");
    BOOST_TEST(r.header("X-Error-Code") == "GROUP_NOT_FOUND");
    BOOST_TEST(body_of(r).at("parameters") == json::array{json::value(missing)});
}

BOOST_AUTO_TEST_CASE(another_orgs_project_gets_the_wrong_keys_401) {
    fixture f;
    auto cm = f.cm();
    BOOST_TEST(cm.send("GET", v1 + "/groups/" + cm_project + "/integrations").status == 200);
    auto nonce_before = cm.ch.nonce;
    auto denied = cm.once("GET", v1 + "/groups/" + other_project + "/integrations");
    BOOST_TEST(denied.status == 401);
    BOOST_TEST(denied.body == unauthorized_401);
    auto challenge = digest::parse_challenge(denied.header("WWW-Authenticate"));
    BOOST_REQUIRE(challenge.has_value());
    BOOST_TEST(!challenge->stale);
    BOOST_TEST(challenge->nonce != nonce_before);  // a fresh challenge
    // A wrong key's answer has the same body and the same header shape.
    auto wrong = f.client("acme-owner", "not-the-secret");
    auto w = wrong.send("GET", v1 + "/groups/" + cm_project + "/integrations");
    BOOST_TEST(w.status == 401);
    BOOST_TEST(w.body == denied.body);
    BOOST_TEST(w.header("WWW-Authenticate").find("stale=false") != std::string::npos);
    // Writes, the project itself and the other org: the same.
    for (auto target :
         {v1 + "/groups/" + other_project, v1 + "/groups/" + other_project + "/integrations/SLACK",
          v1 + "/orgs/" + globex})
        BOOST_TEST(cm.send("GET", target).body == unauthorized_401, target);
    // The listings show the key's own org only.
    auto groups = body_of(cm.send("GET", v1 + "/groups"));
    BOOST_TEST(groups.at("totalCount").as_int64() == 1);
    BOOST_TEST(body_of(cm.send("GET", v1 + "/orgs")).at("totalCount").as_int64() == 1);
}

// Service accounts belong to one org too; a Bearer client gets the same 401 body (without a
// Digest challenge, which would mean nothing to it).
BOOST_AUTO_TEST_CASE(service_account_on_another_orgs_project) {
    fixture f;
    request token;
    token.method = "POST";
    token.target = "/api/oauth/token";
    token.headers["authorization"] = "Basic " + base64_encode("sa-acme:sa-secret");
    token.body = "grant_type=client_credentials";
    auto t = f.c.handle(token, f.t0);
    BOOST_TEST_REQUIRE(t.status == 200, t.body);
    request get;
    get.method = "GET";
    get.headers["authorization"] =
        "Bearer " + std::string(body_of(t).at("access_token").as_string());
    get.target = v1 + "/groups/" + cm_project + "/integrations";
    BOOST_TEST(f.c.handle(get, f.t0).status == 200);
    get.target = v1 + "/groups/" + other_project + "/integrations";
    auto denied = f.c.handle(get, f.t0);
    BOOST_TEST(denied.status == 401);
    BOOST_TEST(denied.body == unauthorized_401);
    BOOST_TEST(denied.header("WWW-Authenticate").empty());
}

BOOST_AUTO_TEST_CASE(read_only_key_cannot_write) {
    fixture f;
    auto reader = f.client("acme-reader", "reader-secret");
    BOOST_TEST(reader.send("GET", v1 + "/groups/" + cm_project + "/integrations").status == 200);
    for (auto method : {"POST", "PUT", "DELETE"}) {
        auto r = reader.send(method, integration(v1, cm_project, "SLACK"),
                             R"({"type":"SLACK","apiToken":"t","teamName":"x"})");
        expect_error(r, 401, "USER_UNAUTHORIZED",
                     "Current user is not authorized to perform this action.");
        BOOST_TEST(r.header("WWW-Authenticate").empty(), method);  // authenticated, not allowed
    }
    BOOST_TEST(f.c.state().projects.at(cm_project).integrations.empty());
}

BOOST_AUTO_TEST_CASE(atlas_projects_are_not_on_the_public_api) {
    fixture f;
    auto owner = f.client("initech-owner", "initech-secret");
    auto r = owner.send("GET", v1 + "/groups/" + atlas_project + "/integrations");
    expect_error(
        r, 404, "ATLAS_GROUP",
        "Group " + atlas_project +
            " is an Atlas group; use the Atlas Public API at /api/atlas/v1.0 to access it.");
    BOOST_TEST(owner.send("GET", atlas_v1 + "/groups/" + atlas_project + "/integrations").status ==
               200);
    // And a Cloud Manager project on the Atlas bases (the simulator's choice, documented).
    auto cm = f.client("acme-owner", "acme-secret", true);
    r = cm.send("GET", v2 + "/groups/" + cm_project + "/integrations");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(str_at(body_of(r), "errorCode") == "NOT_ATLAS_GROUP");
}

BOOST_AUTO_TEST_CASE(access_list_refuses_other_addresses) {
    core_options o;
    o.allowed = access_list::parse("10.0.0.0/8");
    fixture f(o);
    auto cm = f.cm();
    for (auto target : {v1 + "/groups", v1 + "/groups/" + cm_project + "/integrations/SLACK"}) {
        auto r = cm.send("GET", target);
        expect_error(r, 403, "IP_ADDRESS_NOT_ON_ACCESS_LIST",
                     "IP address 127.0.0.1 is not allowed to access this resource.");
        BOOST_TEST(body_of(r).at("parameters") == json::array{"127.0.0.1"});
    }
    cm.remote = "10.20.30.40";
    BOOST_TEST(cm.send("GET", v1 + "/groups").status == 200);
}

BOOST_AUTO_TEST_CASE(value_checks_datadog_hex_and_pagerduty_32_hex) {
    fixture f;
    auto at = f.atlas();
    auto r = at.send("POST", integration(v2, atlas_project, "DATADOG"),
                     R"({"type":"DATADOG","apiKey":"not-a-hex-key"})");
    expect_error(r, 400, "INVALID_INTEGRATION_SETTINGS",
                 "The provided settings for the DATADOG integration were invalid: apiKey must be "
                 "a hexadecimal string.");
    BOOST_TEST(body_of(r).at("parameters") ==
               json::array{"DATADOG apiKey must be a hexadecimal string"});
    r = at.send("POST", integration(v2, atlas_project, "PAGER_DUTY"),
                R"({"type":"PAGER_DUTY","serviceKey":"pd-key-0123"})");
    BOOST_TEST(r.status == 400);
    BOOST_TEST(str_at(body_of(r), "detail")
                   .find("Pager Duty API key must consist of 32 hexadecimal digits") !=
               std::string::npos);
    BOOST_TEST(f.c.state().projects.at(atlas_project).integrations.size() == 1u);  // HIP_CHAT
}

// "A masked value sent back is refused, not stored": every secret field, read and sent back.
BOOST_AUTO_TEST_CASE(masked_values_sent_back_are_refused) {
    fixture f;
    auto cm = f.cm();
    struct row {
        std::string type, body, field, code;
    };
    std::vector<row> rows{
        {"PAGER_DUTY", R"({"type":"PAGER_DUTY","serviceKey":")" + std::string(32, 'e') + "\"}",
         "serviceKey", "INVALID_INTEGRATION_SETTINGS"},
        {"SLACK", R"({"type":"SLACK","apiToken":"xoxb-secret-9999","teamName":"t"})", "apiToken",
         "INTEGRATION_FIELDS_INVALID"},
        {"WEBHOOK",
         R"({"type":"WEBHOOK","url":"https://h.example/hook/secret-0001","secret":"whsec-0002"})",
         "url", "INTEGRATION_FIELDS_INVALID"},
        {"WEBHOOK",
         R"({"type":"WEBHOOK","url":"https://h.example/hook/secret-0001","secret":"whsec-0002"})",
         "secret", "INTEGRATION_FIELDS_INVALID"},
        {"VICTOR_OPS", R"({"type":"VICTOR_OPS","apiKey":"victor-key-0003"})", "apiKey",
         "INTEGRATION_FIELDS_INVALID"},
    };
    for (auto& r : rows) {
        BOOST_TEST_CONTEXT(r.type << "." << r.field) {
            auto path = integration(v1, cm_project, r.type);
            BOOST_TEST_REQUIRE(cm.send("PUT", path, r.body).status == 200);
            auto stored = f.c.state().projects.at(cm_project).integrations.at(r.type);
            auto read = get_one(cm, v1, cm_project, r.type).as_object();
            auto echo = json::parse(r.body).as_object();
            echo[r.field] = read.at(r.field);  // what the client read, sent back
            auto res = cm.send("PUT", path, json::serialize(echo));
            BOOST_TEST(res.status == 400);
            BOOST_TEST(str_at(body_of(res), "errorCode") == r.code);
            BOOST_TEST(
                json::serialize(f.c.state().projects.at(cm_project).integrations.at(r.type)) ==
                json::serialize(stored));
        }
    }
}

BOOST_AUTO_TEST_CASE(content_types_and_dated_accept) {
    fixture f;
    auto at = f.atlas();
    auto list = v2 + "/groups/" + atlas_project + "/integrations";
    auto ok = at.send("GET", list);
    BOOST_TEST(ok.status == 200);
    BOOST_TEST(ok.content_type == "application/vnd.atlas.2023-01-01+json;charset=utf-8");
    auto missing = at.send("GET", list + "/SLACK");
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(missing.content_type == "application/json");
    // A later dated type resolves to the same resource.
    at.headers["accept"] = "application/vnd.atlas.2025-03-12+json";
    auto later = at.send("GET", list);
    BOOST_TEST(later.status == 200);
    BOOST_TEST(later.body == ok.body);
    BOOST_TEST(later.content_type == ok.content_type);
    at.headers["accept"] = "application/vnd.atlas.2022-12-31+json";
    BOOST_TEST(at.send("GET", list).status == 406);
    at.headers["accept"] = "application/json";
    BOOST_TEST(at.send("GET", list).status == 406);
    auto cm = f.cm();
    BOOST_TEST(cm.send("GET", v1 + "/groups").content_type == "application/json");
}

BOOST_AUTO_TEST_CASE(write_answers_self_link) {
    fixture f;
    auto at = f.atlas();
    auto path = integration(v2, atlas_project, "SLACK");
    auto r = at.send("POST", path, R"({"type":"SLACK","apiToken":"xoxb-1","channelName":"#a"})");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto b = body_of(r);
    BOOST_TEST(str_at(b.at("links").at(0), "href") ==
               "http://127.0.0.1" + path + "?includeCount=true&pageNum=1&itemsPerPage=100");
    BOOST_TEST(str_at(b.at("links").at(0), "rel") == "self");
    BOOST_TEST(b.at("totalCount").as_int64() == 2);  // HIP_CHAT and SLACK
    r = at.send("PUT", path + "?pretty=false",
                R"({"type":"SLACK","apiToken":"xoxb-2","channelName":"#a"})");
    BOOST_TEST(str_at(body_of(r).at("links").at(0), "href") ==
               "http://127.0.0.1" + path +
                   "?pretty=false&includeCount=true&pageNum=1&itemsPerPage=100");
}

BOOST_AUTO_TEST_CASE(ops_manager_global_keys_span_orgs) {
    auto seed = json::parse(R"({"orgs":[
        {"id":")" + acme + R"(","name":"a","projects":[{"id":")" +
                            cm_project + R"(","name":"p1"}]},
        {"id":")" + globex + R"(","name":"b","projects":[{"id":")" +
                            other_project + R"(","name":"p2"}]}],
      "apiKeys":[{"publicKey":"global","privateKey":"g","orgIds":[")" +
                            acme + R"(",")" + globex + R"("],"roles":["GLOBAL_OWNER"]}]})");
    auto t0 = clock_type::now();
    core om({}, world::from_json(seed, service_kind::ops_manager), t0);
    core_client cl{om, t0};
    cl.user = "global";
    cl.password = "g";
    BOOST_TEST(body_of(cl.send("GET", v1 + "/groups")).at("totalCount").as_int64() == 2);
    BOOST_TEST(cl.send("PUT", integration(v1, other_project, "DATADOG"),
                       R"({"type":"DATADOG","apiKey":"ab12"})")
                   .status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
