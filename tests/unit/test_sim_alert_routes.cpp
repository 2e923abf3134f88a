// Unit tests pinning api-facts.md's "Alert configurations" on the simulator core's routes
// (stepped by hand, no sockets): the paginated list, POST, GET, PUT, PATCH and DELETE answers per
// base, the masked form of every third-party notification type, a masked secret sent back
// refused with 400 and never stored, a PUT keeping a secret by notifierId, integrationId on v2
// answering the integration's current secret (after a rotation too), the access rules and
// errors shared with the integrations routes, and the rate limit and faults in front of them.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <stdexcept>

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

const std::string slack_id = "6b0000000000000000000001";  // the Atlas project's SLACK integration
const std::string pd_key = "00000000000000000000000000000022";
const std::string pd_key2 = "0000000000000000000000000000beef";
const std::string slack_token = "xoxb-0000000000-0000000000-fidelity0001";
const std::string c1 = "7a0000000000000000000001", c2 = "7a0000000000000000000002",
                  c3 = "7a0000000000000000000003";

/// acme's project holds three configs: PagerDuty + Slack + EMAIL, GROUP only, and a disabled one
/// with EMAIL; the Atlas project a Slack integration with a known id.
world alerts_world() {
    return world::from_json(json::parse(R"({
      "orgs": [
        {"id": ")" + acme + R"(", "name": "acme", "projects": [{"id": ")" +
                                        cm_project +
                                        R"(", "name": "cm",
          "integrations": [{"type": "PAGER_DUTY", "serviceKey": ")" +
                                        pd_key + R"("}],
          "alertConfigs": [
            {"id": ")" + c1 + R"(", "eventTypeName": "HOST_DOWN", "enabled": true,
             "notifications": [
               {"typeName": "PAGER_DUTY", "serviceKey": ")" +
                                        pd_key + R"(", "notifierId": "7b0000000000000000000001"},
               {"typeName": "SLACK", "apiToken": ")" +
                                        slack_token + R"(", "channelName": "#ops",
                "notifierId": "7b0000000000000000000002", "intervalMin": 30},
               {"typeName": "EMAIL", "emailAddress": "ops@example.com", "intervalMin": 60}]},
            {"id": ")" + c2 + R"(", "eventTypeName": "NO_PRIMARY", "enabled": true,
             "notifications": [{"typeName": "GROUP", "roles": ["GROUP_OWNER"]}]},
            {"id": ")" + c3 + R"(", "eventTypeName": "JOINED_GROUP", "enabled": false,
             "notifications": [{"typeName": "EMAIL", "emailAddress": "a@example.com"}]}]}]},
        {"id": ")" + globex + R"(", "name": "globex", "projects": [{"id": ")" +
                                        other_project + R"(", "name": "other"}]},
        {"id": ")" + initech + R"(", "name": "initech", "kind": "atlas",
         "projects": [{"id": ")" + atlas_project +
                                        R"(", "name": "atlas",
           "integrations": [{"id": ")" + slack_id +
                                        R"(", "type": "SLACK", "apiToken": ")" + slack_token +
                                        R"(", "channelName": "#atlas"}]}]}],
      "apiKeys": [
        {"publicKey": "acme-owner", "privateKey": "acme-secret", "orgIds": [")" +
                                        acme + R"("]},
        {"publicKey": "acme-reader", "privateKey": "reader-secret", "orgIds": [")" +
                                        acme + R"("], "roles": ["GROUP_READ_ONLY"]},
        {"publicKey": "initech-owner", "privateKey": "initech-secret", "orgIds": [")" +
                                        initech + R"("]}]})"));
}

struct fixture {
    time_point t0 = clock_type::now();
    core c;
    explicit fixture(core_options o = {}) : c(std::move(o), alerts_world(), t0) {}
    core_client client(std::string user, std::string password, bool v2_media = false) {
        core_client cl{c, t0};
        cl.user = std::move(user);
        cl.password = std::move(password);
        if (v2_media) cl.headers["accept"] = "application/vnd.atlas.2023-01-01+json";
        return cl;
    }
    core_client cm() { return client("acme-owner", "acme-secret"); }
    core_client atlas() { return client("initech-owner", "initech-secret", true); }
    const alert_config_state& stored(const std::string& project, const std::string& id) {
        for (auto& a : c.state().projects.at(project).alerts.configs())
            if (a.id == id) return a;
        BOOST_FAIL("no config " + id);
        throw std::logic_error("unreachable");
    }
};

std::string alerts(const std::string& base, const std::string& project) {
    return base + "/groups/" + project + "/alertConfigs";
}

void expect_error(const response& r, int status, const std::string& code) {
    BOOST_TEST_INFO("body: " << r.body);
    BOOST_TEST(r.status == status);
    BOOST_TEST(str_at(body_of(r), "errorCode") == code);
    BOOST_TEST(r.content_type == "application/json");
}

const json::object& notification(const json::value& config, std::size_t i) {
    return config.at("notifications").at(i).as_object();
}

/// A GET answer made ready for a PUT the way a careless client would: read-only fields dropped,
/// everything else (masked secrets included) sent back.
std::string echo_of(json::value answered) {
    auto& o = answered.as_object();
    for (auto k : {"id", "groupId", "created", "updated", "links"}) o.erase(k);
    return json::serialize(o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_alert_routes)

BOOST_AUTO_TEST_CASE(list_is_paginated_with_links_and_total) {
    fixture f;
    auto cm = f.cm();
    auto r = cm.send("GET", alerts(v1, cm_project) + "?itemsPerPage=2");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto page1 = body_of(r);
    BOOST_TEST(page1.at("totalCount").as_int64() == 3);
    BOOST_TEST(page1.at("results").as_array().size() == 2u);
    BOOST_TEST(str_at(page1.at("results").at(0), "id") == c1);
    BOOST_TEST(str_at(page1.at("results").at(0), "groupId") == cm_project);
    auto& links = page1.at("links").as_array();
    BOOST_TEST(links.size() == 2u);
    BOOST_TEST(str_at(links.at(1), "rel") == "next");
    BOOST_TEST(str_at(links.at(1), "href").find("/alertConfigs?pageNum=2&itemsPerPage=2") !=
               std::string::npos);
    auto page2 = body_of(cm.send("GET", alerts(v1, cm_project) + "?itemsPerPage=2&pageNum=2"));
    BOOST_TEST(page2.at("results").as_array().size() == 1u);
    BOOST_TEST(str_at(page2.at("results").at(0), "id") == c3);
    BOOST_TEST(str_at(page2.at("links").at(1), "rel") == "previous");
    expect_error(cm.send("GET", alerts(v1, cm_project) + "?itemsPerPage=501"), 400,
                 "VALIDATION_ERROR");
    // Atlas: includeCount=false drops totalCount; success in the versioned media type.
    auto at = f.atlas();
    auto v2r = at.send("GET", alerts(v2, atlas_project) + "?includeCount=false");
    BOOST_TEST(v2r.status == 200);
    BOOST_TEST(v2r.content_type == "application/vnd.atlas.2023-01-01+json;charset=utf-8");
    BOOST_TEST(!body_of(v2r).as_object().contains("totalCount"));
}

// "answered masked", per typeName; the others in clear; intervalMin not answered for PAGER_DUTY,
// VICTOR_OPS and OPS_GENIE; a notifierId on each.
BOOST_AUTO_TEST_CASE(masked_forms_of_every_notification_type) {
    fixture f;
    auto cm = f.cm();
    json::array ns{
        json::object{{"typeName", "PAGER_DUTY"}, {"serviceKey", pd_key}, {"intervalMin", 5}},
        json::object{{"typeName", "SLACK"}, {"apiToken", slack_token}, {"channelName", "#c"}},
        json::object{{"typeName", "OPS_GENIE"},
                     {"opsGenieApiKey", "11111111-2222-3333-4444-555555555555"},
                     {"opsGenieRegion", "EU"},
                     {"intervalMin", 5}},
        json::object{{"typeName", "VICTOR_OPS"},
                     {"victorOpsApiKey", "00000000-0000-0000-0000-000000000033"},
                     {"victorOpsRoutingKey", "routing-0042"}},
        json::object{{"typeName", "DATADOG"},
                     {"datadogApiKey", "0123456789abcdef0123456789abcdef"},
                     {"datadogRegion", "US"}},
        json::object{{"typeName", "WEBHOOK"},
                     {"webhookUrl", "https://example.com/51c0ef87e9951c3e147accf0e12101"},
                     {"webhookSecret", "whsec-000000000000000000002101"}},
        json::object{{"typeName", "MICROSOFT_TEAMS"},
                     {"microsoftTeamsWebhookUrl",
                      "https://acme.webhook.office.com/webhookb2/0000-1111-2222-3333"}},
        json::object{{"typeName", "HIP_CHAT"},
                     {"notificationToken", "hipchat-token-7777"},
                     {"roomName", "ops"}},
        json::object{{"typeName", "EMAIL"}, {"emailAddress", "ops@example.com"}},
        json::object{{"typeName", "SMS"}, {"mobileNumber", "+15550100"}},
        json::object{{"typeName", "USER"}, {"username", "ops-user"}},
        json::object{{"typeName", "GROUP"}, {"roles", json::array{"GROUP_OWNER"}}}};
    auto body = json::serialize(
        json::object{{"eventTypeName", "HOST_DOWN"}, {"enabled", true}, {"notifications", ns}});
    auto created = cm.send("POST", alerts(v1, cm_project), body);
    BOOST_TEST_REQUIRE(created.status == 200, created.body);
    auto id = str_at(body_of(created), "id");
    auto got = body_of(cm.send("GET", alerts(v1, cm_project) + "/" + id));
    std::vector<std::map<std::string, std::string>> want{
        {{"serviceKey", std::string(28, '*') + "0022"}, {"intervalMin", "<absent>"}},
        {{"apiToken", std::string(slack_token.size() - 4, '*') + "0001"}, {"channelName", "#c"}},
        {{"opsGenieApiKey", std::string(32, '*') + "5555"},
         {"opsGenieRegion", "EU"},
         {"intervalMin", "<absent>"}},
        {{"victorOpsApiKey", std::string(32, '*') + "0033"},
         {"victorOpsRoutingKey", std::string(8, '*') + "0042"}},
        {{"datadogApiKey", std::string(28, '*') + "cdef"}, {"datadogRegion", "US"}},
        {{"webhookUrl", "https://example.com/****2101"}, {"webhookSecret", std::string(30, '*')}},
        {{"microsoftTeamsWebhookUrl", "https://acme.webhook.office.com/****3333"}},
        {{"notificationToken", std::string(14, '*') + "7777"}, {"roomName", "ops"}},
        {{"emailAddress", "ops@example.com"}},
        {{"mobileNumber", "+15550100"}},
        {{"username", "ops-user"}},
        {{"roles", R"(["GROUP_OWNER"])"}}};
    BOOST_TEST_REQUIRE(got.at("notifications").as_array().size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        json::value n = notification(got, i);
        BOOST_TEST_CONTEXT(str_at(n, "typeName")) {
            for (auto& [field, value] : want[i]) BOOST_TEST(str_at(n, field) == value, field);
            BOOST_TEST(is_object_id(str_at(n, "notifierId")));
        }
    }
    // No secret in clear in the POST's answer either; the store keeps them in clear.
    for (auto secret : {pd_key.c_str(), "fidelity0001", "51c0ef87e99", "whsec-", "hipchat-token"})
        BOOST_TEST(created.body.find(secret) == std::string::npos, secret);
    auto& stored = f.stored(cm_project, id).doc.at("notifications").as_array();
    BOOST_TEST(str_at(stored.at(0), "serviceKey") == pd_key);
}

// "A PUT that carries a masked secret is refused (400; PagerDuty's message)", never stored.
BOOST_AUTO_TEST_CASE(put_of_a_masked_secret_is_refused) {
    fixture f;
    auto cm = f.cm();
    auto answered = body_of(cm.send("GET", alerts(v1, cm_project) + "/" + c1));
    auto r = cm.send("PUT", alerts(v1, cm_project) + "/" + c1, echo_of(answered));
    expect_error(r, 400, "VALIDATION_ERROR");
    BOOST_TEST(str_at(body_of(r), "detail") ==
               "Pager Duty API key must consist of 32 hexadecimal digits");
    // Slack's masked token alone is refused too.
    auto only_slack = answered;
    auto& n = only_slack.at("notifications").as_array();
    n.erase(n.begin());
    expect_error(cm.send("PUT", alerts(v1, cm_project) + "/" + c1, echo_of(only_slack)), 400,
                 "VALIDATION_ERROR");
    auto& kept = f.stored(cm_project, c1);
    BOOST_TEST(kept.puts == 0u);
    BOOST_TEST(str_at(kept.doc.at("notifications").at(0), "serviceKey") == pd_key);
    BOOST_TEST(str_at(kept.doc.at("notifications").at(1), "apiToken") == slack_token);
}

// A rotation's PUT: the new secret in one notification, the other kept by notifierId with its
// secret omitted; `enabled` omitted means disabled.
BOOST_AUTO_TEST_CASE(put_keeps_an_omitted_secret_by_notifier_id) {
    fixture f;
    auto cm = f.cm();
    json::object doc{
        {"eventTypeName", "HOST_DOWN"},
        {"enabled", true},
        {"notifications",
         json::array{json::object{{"typeName", "PAGER_DUTY"},
                                  {"serviceKey", pd_key2},
                                  {"notifierId", "7b0000000000000000000001"}},
                     json::object{{"typeName", "SLACK"},
                                  {"channelName", "#ops"},
                                  {"intervalMin", 30},
                                  {"notifierId", "7b0000000000000000000002"}},
                     json::object{{"typeName", "EMAIL"}, {"emailAddress", "ops@example.com"}}}}};
    auto r = cm.send("PUT", alerts(v1, cm_project) + "/" + c1, json::serialize(doc));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto b = body_of(r);
    BOOST_TEST(str_at(notification(b, 0), "serviceKey") == std::string(28, '*') + "beef");
    BOOST_TEST(str_at(notification(b, 1), "notifierId") == "7b0000000000000000000002");
    auto& s = f.stored(cm_project, c1);
    BOOST_TEST(s.puts == 1u);
    BOOST_TEST(str_at(s.doc.at("notifications").at(0), "serviceKey") == pd_key2);
    BOOST_TEST(str_at(s.doc.at("notifications").at(1), "apiToken") == slack_token);
    // Without the notifierId the omitted token is missing: refused, nothing changes.
    doc["notifications"].as_array().at(1).as_object().erase("notifierId");
    expect_error(cm.send("PUT", alerts(v1, cm_project) + "/" + c1, json::serialize(doc)), 400,
                 "VALIDATION_ERROR");
    BOOST_TEST(f.stored(cm_project, c1).puts == 1u);
    // enabled omitted: disabled.
    doc.erase("enabled");
    doc["notifications"].as_array().at(1).as_object()["notifierId"] = "7b0000000000000000000002";
    auto off = cm.send("PUT", alerts(v1, cm_project) + "/" + c1, json::serialize(doc));
    BOOST_TEST_REQUIRE(off.status == 200, off.body);
    BOOST_TEST(!body_of(off).at("enabled").as_bool());
    BOOST_TEST(f.stored(cm_project, c1).puts == 2u);
}

BOOST_AUTO_TEST_CASE(patch_toggles_enabled_only) {
    fixture f;
    auto cm = f.cm();
    auto r = cm.send("PATCH", alerts(v1, cm_project) + "/" + c3, R"({"enabled":true})");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(body_of(r).at("enabled").as_bool());
    BOOST_TEST(str_at(body_of(r), "eventTypeName") == "JOINED_GROUP");
    BOOST_TEST(f.stored(cm_project, c3).patches == 1u);
    BOOST_TEST(f.stored(cm_project, c3).puts == 0u);
    expect_error(cm.send("PATCH", alerts(v1, cm_project) + "/" + c3,
                         R"({"enabled":false,"eventTypeName":"X"})"),
                 400, "VALIDATION_ERROR");
    expect_error(cm.send("PATCH", alerts(v1, cm_project) + "/" + c3, "{"), 400, "INVALID_JSON");
    BOOST_TEST(f.stored(cm_project, c3).patches == 1u);
}

BOOST_AUTO_TEST_CASE(delete_answers_per_base_then_not_found) {
    fixture f;
    auto cm = f.cm();
    auto r = cm.send("DELETE", alerts(v1, cm_project) + "/" + c2);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.empty());
    auto missing = cm.send("GET", alerts(v1, cm_project) + "/" + c2);
    expect_error(missing, 404, "ALERT_CONFIG_NOT_FOUND");
    BOOST_TEST(str_at(body_of(missing), "detail") ==
               "No alert configuration with ID " + c2 + " exists in group " + cm_project + ".");
    expect_error(cm.send("DELETE", alerts(v1, cm_project) + "/" + c2), 404,
                 "ALERT_CONFIG_NOT_FOUND");
    BOOST_TEST(body_of(cm.send("GET", alerts(v1, cm_project))).at("totalCount").as_int64() == 2);
    // v2: 204 with no body.
    auto at = f.atlas();
    auto made = at.send("POST", alerts(v2, atlas_project),
                        R"({"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"GROUP"}]})");
    BOOST_TEST_REQUIRE(made.status == 200, made.body);
    auto gone = at.send("DELETE", alerts(v2, atlas_project) + "/" + str_at(body_of(made), "id"));
    BOOST_TEST(gone.status == 204);
    BOOST_TEST(gone.body.empty());
}

BOOST_AUTO_TEST_CASE(post_answers_the_config_with_read_only_fields) {
    fixture f;
    auto at = f.atlas();
    auto r = at.send("POST", alerts(v2, atlas_project),
                     R"({"eventTypeName":"HOST_DOWN","enabled":true,"notifications":[)"
                     R"({"typeName":"EMAIL","emailAddress":"x@example.com"}]})");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto b = body_of(r);
    BOOST_TEST(is_object_id(str_at(b, "id")));
    BOOST_TEST(str_at(b, "groupId") == atlas_project);
    BOOST_TEST(str_at(b, "created").size() == 20u);  // 2026-12-02T01:43:14Z
    BOOST_TEST(str_at(b.at("links").at(0), "href") ==
               "http://127.0.0.1" + alerts(v2, atlas_project) + "/" + str_at(b, "id"));
    // Documented codes of a bad body.
    auto post = [&](const std::string& body) {
        return at.send("POST", alerts(v2, atlas_project), body);
    };
    expect_error(post("{"), 400, "INVALID_JSON");
    expect_error(post(R"({"eventTypeName":"HOST_DOWN","notifications":[]})"), 400,
                 "MISSING_NOTIFICATIONS");
    expect_error(post(R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"FAX"}]})"), 400,
                 "UNSUPPORTED_NOTIFICATION_TYPE");
    expect_error(post(R"({"eventTypeName":"HOST_DOWN","notifications":[)"
                      R"({"typeName":"EMAIL","emailAddress":"x@example.com","intervalMin":1}]})"),
                 400, "NOTIFICATION_INTERVAL_OUT_OF_RANGE");
    expect_error(post(R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"WEBHOOK"}]})"),
                 400, "WEBHOOK_URL_NOT_SET");
    expect_error(post(R"({"id":"7a0000000000000000000009","eventTypeName":"HOST_DOWN",)"
                      R"("notifications":[{"typeName":"GROUP"}]})"),
                 400, "ATTRIBUTE_READ_ONLY");
    expect_error(at.send("PUT", alerts(v2, atlas_project) + "/7a00000000000000000000ff",
                         R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"GROUP"}]})"),
                 404, "ALERT_CONFIG_NOT_FOUND");
    expect_error(at.send("PATCH", alerts(v2, atlas_project), R"({"enabled":true})"), 405,
                 "METHOD_NOT_ALLOWED");
}

// Atlas v2: a notification linked by integrationId uses (and answers) the integration's current
// secret, so a rotation of the integration reaches it with no alert change.
BOOST_AUTO_TEST_CASE(integration_id_answers_the_integrations_current_secret) {
    fixture f;
    auto at = f.atlas();
    auto made = at.send("POST", alerts(v2, atlas_project),
                        R"({"eventTypeName":"HOST_DOWN","enabled":true,"notifications":[)"
                        R"({"typeName":"SLACK","channelName":"#atlas","integrationId":")" +
                            slack_id + R"("}]})");
    BOOST_TEST_REQUIRE(made.status == 200, made.body);
    auto id = str_at(body_of(made), "id");
    auto n = notification(body_of(made), 0);
    BOOST_TEST(str_at(n, "apiToken") == std::string(slack_token.size() - 4, '*') + "0001");
    BOOST_TEST(str_at(n, "integrationId") == slack_id);
    const std::string rotated = "xoxb-0000000000-0000000000-rotated09ab";
    auto put =
        at.send("PUT", v2 + "/groups/" + atlas_project + "/integrations/SLACK",
                R"({"type":"SLACK","apiToken":")" + rotated + R"(","channelName":"#atlas"})");
    BOOST_TEST_REQUIRE(put.status == 200, put.body);
    auto after = body_of(at.send("GET", alerts(v2, atlas_project) + "/" + id));
    BOOST_TEST(str_at(notification(after, 0), "apiToken") ==
               std::string(rotated.size() - 4, '*') + "09ab");
    BOOST_TEST(f.stored(atlas_project, id).puts == 0u);
    // Another id than the project's integration, and integrationId on v1.0: refused.
    expect_error(at.send("POST", alerts(v2, atlas_project),
                         R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"SLACK",)"
                         R"("channelName":"#a","integrationId":"6b00000000000000000000ff"}]})"),
                 400, "VALIDATION_ERROR");
    auto v1_client = f.client("initech-owner", "initech-secret");
    expect_error(v1_client.send("POST", alerts(atlas_v1, atlas_project),
                                R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":)"
                                R"("SLACK","channelName":"#a","integrationId":")" +
                                    slack_id + R"("}]})"),
                 400, "VALIDATION_ERROR");
}

BOOST_AUTO_TEST_CASE(access_rules_are_the_integrations) {
    fixture f;
    auto cm = f.cm();
    const std::string missing = "6a00000000000000000000ff";
    auto r = cm.send("GET", alerts(v1, missing));
    expect_error(r, 404, "GROUP_NOT_FOUND");
    BOOST_TEST(r.header("X-Error-Code") == "GROUP_NOT_FOUND");
    // Another org's project: the wrong key's 401 with a fresh challenge.
    auto denied = cm.once("GET", alerts(v1, other_project));
    BOOST_TEST(denied.status == 401);
    BOOST_TEST(str_at(body_of(denied), "errorCode") == "UNEXPECTED_ERROR");
    BOOST_TEST(!denied.header("WWW-Authenticate").empty());
    // An Atlas project on /api/public/v1.0.
    auto owner = f.client("initech-owner", "initech-secret");
    expect_error(owner.send("GET", alerts(v1, atlas_project)), 404, "ATLAS_GROUP");
    BOOST_TEST(owner.send("GET", alerts(atlas_v1, atlas_project)).status == 200);
    // A read-only key reads, and every write is 401 USER_UNAUTHORIZED without a challenge.
    auto reader = f.client("acme-reader", "reader-secret");
    BOOST_TEST(reader.send("GET", alerts(v1, cm_project) + "/" + c1).status == 200);
    for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"POST", alerts(v1, cm_project)},
             {"PUT", alerts(v1, cm_project) + "/" + c2},
             {"PATCH", alerts(v1, cm_project) + "/" + c2},
             {"DELETE", alerts(v1, cm_project) + "/" + c2}}) {
        auto w = reader.send(method, target, R"({"enabled":true})");
        expect_error(w, 401, "USER_UNAUTHORIZED");
        BOOST_TEST(w.header("WWW-Authenticate").empty(), method);
    }
    BOOST_TEST(f.c.state().projects.at(cm_project).alerts.size() == 3u);
}

BOOST_AUTO_TEST_CASE(rate_limit_and_faults_stand_in_front) {
    core_options limited;
    limited.rate_limit = 1;
    limited.rate_burst = 1;
    fixture f(limited);
    auto cm = f.cm();
    BOOST_TEST(cm.send("GET", alerts(v1, cm_project)).status == 200);
    auto r = cm.send("PUT", alerts(v1, cm_project) + "/" + c2,
                     R"({"eventTypeName":"NO_PRIMARY",)"
                     R"("notifications":[{"typeName":"GROUP"}]})");
    expect_error(r, 429, "RATE_LIMITED_TOKEN_BUCKET");
    BOOST_TEST(!r.header("Retry-After").empty());
    BOOST_TEST(f.stored(cm_project, c2).puts == 0u);
    core_options failing;
    failing.faults = {{fault_kind::http_500, 1.0}};
    fixture g(failing);
    auto cl = g.cm();
    auto e = cl.send("PUT", alerts(v1, cm_project) + "/" + c2,
                     R"({"eventTypeName":"NO_PRIMARY",)"
                     R"("notifications":[{"typeName":"GROUP"}]})");
    BOOST_TEST(e.status == 500);
    BOOST_TEST(g.stored(cm_project, c2).puts == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
