// Unit tests for alert_catalogue.hpp and alert_rewrite.hpp: the notification masks of
// api-facts.md, the comparison of two shown forms of a secret, and the rewrite of an alert
// configuration for a rotation (what is sent back, what is dropped, what is refused).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/alert_catalogue.hpp"
#include "cmbulk/alert_rewrite.hpp"
#include "cmbulk/catalogue.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {

json::object obj(std::string_view s) { return json::parse(s).as_object(); }

const std::string old_key = "00000000000000000000000000000022";
const std::string new_key = "0000000000000000000000000000beef";
const std::string other_key = "11111111111111111111111111119999";

std::string shown(std::string_view type, std::string_view field, std::string_view v) {
    return mask_notification_value(find_notification_type(type)->find_field(field)->mask, v);
}

/// A configuration as the API answers it: read-only fields, matchers, a threshold, an unknown
/// field, two PagerDuty notifications (the old key and another one), Slack, email, group, and a
/// type the client does not know.
json::object answered_config() {
    json::object c = obj(R"({
        "id": "64b6c0f2a1b2c3d4e5f60718", "groupId": "6f0000010000000000000001",
        "created": "2026-01-01T00:00:00Z", "updated": "2026-01-02T00:00:00Z",
        "links": [{"rel": "self", "href": "https://example.com/x"}],
        "eventTypeName": "OUTSIDE_METRIC_THRESHOLD", "enabled": false,
        "matchers": [{"fieldName": "HOSTNAME", "operator": "EQUALS", "value": "h1"}],
        "metricThreshold": {"metricName": "ASSERT_REGULAR", "operator": "GREATER_THAN",
                            "threshold": 99.5, "units": "RAW", "mode": "AVERAGE"},
        "futureField": {"kept": [1, 2, 3]},
        "notifications": []})");
    auto& n = c["notifications"].as_array();
    n.push_back(json::object{{"typeName", "PAGER_DUTY"},
                             {"serviceKey", shown("PAGER_DUTY", "serviceKey", old_key)},
                             {"region", "EU"},
                             {"delayMin", 0},
                             {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa1"}});
    n.push_back(json::object{{"typeName", "PAGER_DUTY"},
                             {"serviceKey", shown("PAGER_DUTY", "serviceKey", other_key)},
                             {"delayMin", 5},
                             {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa2"}});
    n.push_back(json::object{{"typeName", "SLACK"},
                             {"apiToken", shown("SLACK", "apiToken", "xoxb-1111-2222-3333")},
                             {"channelName", "#ops"},
                             {"intervalMin", 60},
                             {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa3"}});
    n.push_back(json::object{{"typeName", "EMAIL"},
                             {"emailAddress", "ops@example.com"},
                             {"intervalMin", 15},
                             {"delayMin", 0}});
    n.push_back(json::object{{"typeName", "GROUP"},
                             {"roles", json::array{"GROUP_OWNER"}},
                             {"smsEnabled", false},
                             {"emailEnabled", true}});
    n.push_back(json::object{{"typeName", "FUTURE_PAGER"}, {"token", "abc"}, {"delayMin", 1}});
    return c;
}

secret_rotation pager_duty_rotation() {
    secret_rotation r;
    r.integration_type = "PAGER_DUTY";
    r.old_visible["serviceKey"] = mask_value(old_key);
    r.new_values["serviceKey"] = new_key;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_catalogue_suite)

BOOST_AUTO_TEST_CASE(masks_as_answered_live) {
    // api-facts.md: last four shown, length kept; URLs keep scheme and host, then **** + last
    // four; the webhook secret fully; in clear where nothing is masked.
    BOOST_TEST(mask_notification_value(notification_mask::last_four, old_key) ==
               "****************************0022");
    BOOST_TEST(mask_notification_value(notification_mask::url_last_four,
                                       "https://example.com/51c0ef87e9951c3e147accf0e12101") ==
               "https://example.com/****2101");
    BOOST_TEST(mask_notification_value(notification_mask::url_last_four,
                                       "https://user:pw@example.com/abcdefgh") ==
               "https:///****efgh");
    BOOST_TEST(mask_notification_value(notification_mask::hidden, "s3cr3t") == "******");
    BOOST_TEST(mask_notification_value(notification_mask::last_four, "abcd") == "****");
    BOOST_TEST(mask_notification_value(notification_mask::none, "#ops") == "#ops");
}

BOOST_AUTO_TEST_CASE(table_of_types) {
    // Every typeName of api-facts.md is known; the third-party ones copy an integration's field.
    for (auto name :
         {"PAGER_DUTY", "SLACK", "OPS_GENIE", "VICTOR_OPS", "DATADOG", "WEBHOOK", "MICROSOFT_TEAMS",
          "HIP_CHAT", "EMAIL", "SMS", "USER", "TEAM", "GROUP", "ORG"})
        BOOST_TEST_CONTEXT(name) BOOST_TEST(find_notification_type(name) != nullptr);
    BOOST_TEST(notification_type_for("OPS_GENIE")->copy_of("apiKey")->name == "opsGenieApiKey");
    BOOST_TEST(notification_type_for("WEBHOOK")->copy_of("url")->name == "webhookUrl");
    BOOST_TEST(notification_type_for("PROMETHEUS") == nullptr);
    BOOST_TEST(!find_notification_type("EMAIL")->third_party());
    BOOST_TEST(find_notification_type("DATADOG")->third_party());
    BOOST_TEST(!find_notification_type("PAGER_DUTY")->answers_interval);
}

BOOST_AUTO_TEST_CASE(visible_parts_compared) {
    struct row {
        std::string a, b;
        visible_match want;
    };
    std::vector<row> rows{
        {old_key, old_key, visible_match::same},
        {old_key, other_key, visible_match::differs},
        {mask_value(old_key), old_key, visible_match::same},
        {mask_value(old_key), mask_value(old_key), visible_match::same},
        {mask_value(old_key), mask_value(other_key), visible_match::differs},
        {"********0022", mask_value(old_key), visible_match::differs},  // lengths differ
        {mask_value(old_key), "****" + old_key.substr(4) + "x", visible_match::differs},
        {"https://example.com/****2101", "https://example.com/51c0ef87e9951c3e147accf0e12101",
         visible_match::same},
        {"https://example.com/****2101", "https://other.example.com/51c0ef87e9951c3e147ac12101",
         visible_match::differs},
        {"https://EXAMPLE.com/****2101", "https://example.com/****2101", visible_match::same},
        {"https://example.com/****2101", "https://example.com/****2102", visible_match::differs},
        {"******", "******", visible_match::unknown},
        {"******", "*******", visible_match::differs},  // a hidden value still shows its length
        {"https://example.com/****", "https://example.com/abc", visible_match::unknown},
    };
    for (auto& r : rows) BOOST_TEST_CONTEXT(r.a << " vs " << r.b) {
            BOOST_TEST(static_cast<int>(compare_visible(r.a, r.b)) == static_cast<int>(r.want));
            BOOST_TEST(static_cast<int>(compare_visible(r.b, r.a)) == static_cast<int>(r.want));
        }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alert_rewrite_suite)

BOOST_AUTO_TEST_CASE(rotation_changes_only_the_old_copies_and_sends_the_rest_back) {
    auto read = answered_config();
    auto rw = rewrite_alert_config(read, pager_duty_rotation());
    BOOST_TEST(rw.needs_put);
    BOOST_TEST(rw.refusal.empty());
    BOOST_TEST_REQUIRE(rw.changes.size() == 1u);
    BOOST_TEST(rw.changes[0].index == 0u);
    BOOST_TEST(rw.changes[0].type_name == "PAGER_DUTY");
    BOOST_TEST(rw.changes[0].field == "serviceKey");
    BOOST_TEST(rw.changes[0].old_last4 == "0022");
    BOOST_TEST(rw.changes[0].new_last4 == "beef");
    BOOST_TEST(!rw.changes[0].linked);
    BOOST_TEST(rw.changes[0].fields_set == std::vector<std::string>{"serviceKey"});

    auto& b = rw.body;
    for (auto k : {"id", "groupId", "created", "updated", "links"})
        BOOST_TEST_CONTEXT(k) BOOST_TEST(!b.contains(k));
    // Everything else comes back as it was read.
    for (auto k : {"eventTypeName", "enabled", "matchers", "metricThreshold", "futureField"})
        BOOST_TEST_CONTEXT(k) BOOST_TEST(b.at(k) == read.at(k));
    auto& n = b.at("notifications").as_array();
    BOOST_TEST_REQUIRE(n.size() == 6u);
    // The old copy gets the new key in clear, keeps its other fields and its notifierId.
    BOOST_TEST(n[0].at("serviceKey").as_string() == new_key);
    BOOST_TEST(n[0].at("region").as_string() == "EU");
    BOOST_TEST(n[0].at("notifierId").as_string() == "aaaaaaaaaaaaaaaaaaaaaaa1");
    // The other PagerDuty and the Slack notification: the masked secret is left out (never sent
    // back), the notifierId keeps the stored one, the rest is unchanged.
    BOOST_TEST(!n[1].as_object().contains("serviceKey"));
    BOOST_TEST(n[1].at("notifierId").as_string() == "aaaaaaaaaaaaaaaaaaaaaaa2");
    BOOST_TEST(n[1].at("delayMin").as_int64() == 5);
    BOOST_TEST(!n[2].as_object().contains("apiToken"));
    BOOST_TEST(n[2].at("channelName").as_string() == "#ops");
    // Email, group and the unknown type pass through unchanged.
    for (std::size_t i : {3u, 4u, 5u})
        BOOST_TEST_CONTEXT(i) BOOST_TEST(n[i] == read.at("notifications").at(i));
    // Nothing masked is left anywhere in the body.
    BOOST_TEST(json::serialize(b).find("****") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(nothing_to_do_when_no_copy_is_the_old_one) {
    auto read = answered_config();
    auto& n = read["notifications"].as_array();
    n.erase(n.begin());  // only the other PagerDuty key is left
    auto rw = rewrite_alert_config(read, pager_duty_rotation());
    BOOST_TEST(!rw.needs_put);
    BOOST_TEST(rw.changes.empty());
    // A Slack rotation does not touch PagerDuty notifications, and the reverse.
    secret_rotation slack;
    slack.integration_type = "SLACK";
    slack.old_visible["apiToken"] = mask_value("xoxb-0000-0000-0000");
    slack.new_values["apiToken"] = "xoxb-new-token-7777";
    BOOST_TEST(!rewrite_alert_config(answered_config(), slack).needs_put);
    slack.old_visible["apiToken"] = mask_value("xoxb-1111-2222-3333");
    auto rw2 = rewrite_alert_config(answered_config(), slack);
    BOOST_TEST_REQUIRE(rw2.changes.size() == 1u);
    BOOST_TEST(rw2.changes[0].index == 2u);
    BOOST_TEST(rw2.body.at("notifications").at(2).at("apiToken").as_string() ==
               "xoxb-new-token-7777");
    BOOST_TEST(!rw2.body.at("notifications").at(0).as_object().contains("serviceKey"));
}

BOOST_AUTO_TEST_CASE(from_last4_identifies_the_old_copies) {
    auto rot = pager_duty_rotation();
    rot.from_last4 = "9999";  // --from-last4 9999: the other key
    auto rw = rewrite_alert_config(answered_config(), rot);
    BOOST_TEST_REQUIRE(rw.changes.size() == 1u);
    BOOST_TEST(rw.changes[0].index == 1u);
    BOOST_TEST(rw.body.at("notifications").at(1).at("serviceKey").as_string() == new_key);
}

// A manifest row's fromLast4: copies left behind by an earlier rotation are old too, beside
// those that show what the integration showed.
BOOST_AUTO_TEST_CASE(stale_last4_adds_the_copies_left_behind) {
    auto rot = pager_duty_rotation();
    rot.stale_last4 = {"9999"};
    auto rw = rewrite_alert_config(answered_config(), rot);
    BOOST_TEST_REQUIRE(rw.changes.size() == 2u);
    BOOST_TEST(rw.changes[0].old_last4 == "0022");
    BOOST_TEST(rw.changes[1].old_last4 == "9999");
    BOOST_TEST(rw.body.at("notifications").at(1).at("serviceKey").as_string() == new_key);
    rot.old_visible.clear();  // only the ones left behind
    auto only = rewrite_alert_config(answered_config(), rot);
    BOOST_TEST_REQUIRE(only.changes.size() == 1u);
    BOOST_TEST(only.changes[0].index == 1u);
    rot.stale_last4 = {"7777"};  // no notification shows it
    BOOST_TEST(!rewrite_alert_config(answered_config(), rot).needs_put);
}

BOOST_AUTO_TEST_CASE(linked_notifications_need_nothing_and_link_alerts_links) {
    auto read = answered_config();
    auto& n0 = read["notifications"].as_array()[0].as_object();
    n0["integrationId"] = "65aaaaaaaaaaaaaaaaaaaaaa";
    auto rw = rewrite_alert_config(read, pager_duty_rotation());
    BOOST_TEST(!rw.needs_put);
    BOOST_TEST(rw.linked == 1u);

    auto rot = pager_duty_rotation();
    rot.link_integration_id = "65bbbbbbbbbbbbbbbbbbbbbb";
    auto rw2 = rewrite_alert_config(answered_config(), rot);
    BOOST_TEST_REQUIRE(rw2.changes.size() == 1u);
    BOOST_TEST(rw2.changes[0].linked);
    BOOST_TEST(rw2.changes[0].fields_set == std::vector<std::string>{"serviceKey"});
    auto& n = rw2.body.at("notifications").at(0).as_object();
    BOOST_TEST(n.at("integrationId").as_string() == "65bbbbbbbbbbbbbbbbbbbbbb");
    BOOST_TEST(!n.contains("serviceKey"));
    BOOST_TEST(n.at("notifierId").as_string() == "aaaaaaaaaaaaaaaaaaaaaaa1");
}

BOOST_AUTO_TEST_CASE(refused_when_a_masked_secret_could_not_be_kept) {
    auto read = answered_config();
    read["notifications"].as_array()[2].as_object().erase("notifierId");  // the Slack one
    auto rw = rewrite_alert_config(read, pager_duty_rotation());
    BOOST_TEST(!rw.needs_put);
    BOOST_TEST(rw.refusal.find("notification 3 (SLACK)") != std::string::npos);
    BOOST_TEST(rw.changes.size() == 1u);  // what would have changed is still said
}

BOOST_AUTO_TEST_CASE(webhook_identified_by_its_url_when_the_secret_is_hidden) {
    const std::string url = "https://hooks.example.com/services/51c0ef87e9951c3e147accf0e12101";
    const std::string secret = "old-secret-abcd1234";
    json::object c{
        {"eventTypeName", "HOST_DOWN"},
        {"enabled", true},
        {"notifications",
         json::array{json::object{{"typeName", "WEBHOOK"},
                                  {"webhookUrl", shown("WEBHOOK", "webhookUrl", url)},
                                  {"webhookSecret", shown("WEBHOOK", "webhookSecret", secret)},
                                  {"notifierId", "bbbbbbbbbbbbbbbbbbbbbbb1"}}}}};
    secret_rotation rot;
    rot.integration_type = "WEBHOOK";
    // The integration shows its URL in the same form, its secret with the last four.
    rot.old_visible["url"] = mask_notification_value(notification_mask::url_last_four, url);
    rot.old_visible["secret"] = mask_value(secret);
    rot.new_values["secret"] = "new-webhook-secret-4321";
    auto rw = rewrite_alert_config(c, rot);
    BOOST_TEST_REQUIRE(rw.changes.size() == 1u);
    BOOST_TEST(rw.changes[0].field == "webhookUrl");
    auto& n = rw.body.at("notifications").at(0).as_object();
    BOOST_TEST(n.at("webhookSecret").as_string() == "new-webhook-secret-4321");
    BOOST_TEST(!n.contains("webhookUrl"));  // masked: left to the notifierId
    BOOST_TEST(rw.body.at("enabled").as_bool());
}

BOOST_AUTO_TEST_CASE(audit_listing_and_staleness) {
    auto read = answered_config();
    auto views = third_party_notifications(read);
    BOOST_TEST_REQUIRE(views.size() == 3u);  // two PagerDuty, one Slack; not email/group/unknown
    BOOST_TEST(views[0].secret_field == "serviceKey");
    BOOST_TEST(views[0].visible == mask_value(old_key));
    BOOST_TEST(views[2].type_name == "SLACK");
    auto integration = obj(R"({"type":"PAGER_DUTY"})");
    integration["serviceKey"] = mask_value(old_key);
    auto& n = read.at("notifications").as_array();
    auto* pd = find_notification_type("PAGER_DUTY");
    BOOST_TEST(static_cast<int>(compare_with_integration(n[0].as_object(), *pd, integration)) ==
               static_cast<int>(visible_match::same));
    BOOST_TEST(static_cast<int>(compare_with_integration(n[1].as_object(), *pd, integration)) ==
               static_cast<int>(visible_match::differs));
}

BOOST_AUTO_TEST_SUITE_END()
