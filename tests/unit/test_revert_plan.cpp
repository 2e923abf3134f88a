// Unit tests for revert_plan.hpp: the inverse of each recorded change (delete what the run
// created, put back what it updated, recreate what it deleted), left alone when changed since,
// and never sent without the old secrets the server only shows masked.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/revert_plan.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {
json::object obj(std::string_view s) { return json::parse(s).as_object(); }

const std::string old_token = "xoxb-old-0000-1111";
const std::string new_token = "xoxb-new-2222-3333";

json::object slack_as_read(const std::string& token, std::string channel) {
    return json::object{{"type", "SLACK"},
                        {"id", "65aaaaaaaaaaaaaaaaaaaaaa"},
                        {"apiToken", mask_value(token)},
                        {"teamName", "acme"},
                        {"channelName", std::move(channel)}};
}

recorded_integration_change slack_change(std::string done, bool with_before) {
    recorded_integration_change c;
    c.type = "SLACK";
    c.done = std::move(done);
    if (with_before) c.before = slack_as_read(old_token, "#old");
    c.sent_last4 = "3333";
    return c;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(revert_plan_suite)

BOOST_AUTO_TEST_CASE(created_is_deleted_while_it_is_still_ours) {
    auto c = slack_change("created", false);
    auto d = decide_integration_revert(c, slack_as_read(new_token, "#new"), {});
    BOOST_TEST(to_string(d.kind) == "delete");
    d = decide_integration_revert(c, slack_as_read("xoxb-someone-else-9999", "#new"), {});
    BOOST_TEST(to_string(d.kind) == "changed-since");
    BOOST_TEST(d.detail.find("3333") != std::string::npos);
    d = decide_integration_revert(c, std::nullopt, {});
    BOOST_TEST(to_string(d.kind) == "nothing");
}

BOOST_AUTO_TEST_CASE(updated_is_put_back_with_the_old_secret_supplied) {
    auto c = slack_change("updated", true);
    auto now = slack_as_read(new_token, "#new");
    auto d = decide_integration_revert(c, now, {{"apiToken", old_token}});
    BOOST_TEST(to_string(d.kind) == "put-back");
    BOOST_TEST(d.body.at("apiToken").as_string() == old_token);
    BOOST_TEST(d.body.at("channelName").as_string() == "#old");
    BOOST_TEST(d.body.at("teamName").as_string() == "acme");
    BOOST_TEST(d.body.at("type").as_string() == "SLACK");
    BOOST_TEST(!d.body.contains("id"));
    // Without the old token nothing can be sent: the masked one would be refused.
    d = decide_integration_revert(c, now, {});
    BOOST_TEST(to_string(d.kind) == "needs-secret");
    BOOST_TEST(d.missing_secrets == std::vector<std::string>{"apiToken"});
    BOOST_TEST(d.body.empty());
    BOOST_TEST(d.detail.find(old_token) == std::string::npos);
    // Changed by someone else after the run: left alone.
    d = decide_integration_revert(c, slack_as_read("xoxb-third-party-7777", "#new"),
                                  {{"apiToken", old_token}});
    BOOST_TEST(to_string(d.kind) == "changed-since");
    d = decide_integration_revert(c, std::nullopt, {{"apiToken", old_token}});
    BOOST_TEST(to_string(d.kind) == "changed-since");
}

BOOST_AUTO_TEST_CASE(deleted_is_recreated_while_absent) {
    auto c = slack_change("deleted", true);
    auto d = decide_integration_revert(c, std::nullopt, {{"apiToken", old_token}});
    BOOST_TEST(to_string(d.kind) == "recreate");
    BOOST_TEST(d.body.at("apiToken").as_string() == old_token);
    d = decide_integration_revert(c, slack_as_read(new_token, "#x"), {{"apiToken", old_token}});
    BOOST_TEST(to_string(d.kind) == "changed-since");
}

BOOST_AUTO_TEST_CASE(a_secret_never_shown_must_be_supplied) {
    recorded_integration_change c;
    c.type = "PROMETHEUS";
    c.done = "deleted";
    c.before =
        obj(R"({"type":"PROMETHEUS","username":"prom","serviceDiscovery":"http","enabled":true})");
    auto d = decide_integration_revert(c, std::nullopt, {});
    BOOST_TEST(to_string(d.kind) == "needs-secret");
    BOOST_TEST(d.missing_secrets == std::vector<std::string>{"password"});
    d = decide_integration_revert(c, std::nullopt, {{"password", "p4ssw0rd-old"}});
    BOOST_TEST(to_string(d.kind) == "recreate");
    BOOST_TEST(d.body.at("password").as_string() == "p4ssw0rd-old");
}

BOOST_AUTO_TEST_CASE(alert_configuration_put_back_whole) {
    const std::string old_key = "00000000000000000000000000000022";
    const std::string new_key = "0000000000000000000000000000beef";
    json::object before{
        {"id", "64b6c0f2a1b2c3d4e5f60718"},
        {"groupId", "6f0000010000000000000001"},
        {"eventTypeName", "HOST_DOWN"},
        {"enabled", true},
        {"notifications", json::array{json::object{{"typeName", "PAGER_DUTY"},
                                                   {"serviceKey", mask_value(old_key)},
                                                   {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa1"}},
                                      json::object{{"typeName", "SLACK"},
                                                   {"apiToken", mask_value("xoxb-1111-2222-3333")},
                                                   {"channelName", "#ops"},
                                                   {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa2"}}}}};
    recorded_alert_change c;
    c.config_id = "64b6c0f2a1b2c3d4e5f60718";
    c.integration_type = "PAGER_DUTY";
    c.before = before;
    notification_change ch;
    ch.index = 0;
    ch.type_name = "PAGER_DUTY";
    ch.field = "serviceKey";
    ch.old_last4 = "0022";
    ch.new_last4 = "beef";
    ch.fields_set = {"serviceKey"};
    c.changes = {ch};
    auto now = before;
    now["notifications"].as_array()[0].as_object()["serviceKey"] = mask_value(new_key);

    auto d = decide_alert_revert(c, now, {{"serviceKey", old_key}});
    BOOST_TEST(to_string(d.kind) == "put-back");
    BOOST_TEST(!d.body.contains("id"));
    BOOST_TEST(!d.body.contains("groupId"));
    BOOST_TEST(d.body.at("enabled").as_bool());
    auto& n = d.body.at("notifications").as_array();
    BOOST_TEST(n[0].at("serviceKey").as_string() == old_key);
    BOOST_TEST(n[0].at("notifierId").as_string() == "aaaaaaaaaaaaaaaaaaaaaaa1");
    BOOST_TEST(!n[1].as_object().contains("apiToken"));  // kept by its notifierId
    BOOST_TEST(json::serialize(d.body).find("****") == std::string::npos);

    d = decide_alert_revert(c, now, {});
    BOOST_TEST(to_string(d.kind) == "needs-secret");
    BOOST_TEST(d.missing_secrets == std::vector<std::string>{"serviceKey"});

    auto changed = now;
    changed["notifications"].as_array()[0].as_object()["serviceKey"] =
        mask_value("99999999999999999999999999999999");
    d = decide_alert_revert(c, changed, {{"serviceKey", old_key}});
    BOOST_TEST(to_string(d.kind) == "changed-since");

    // A linked notification gets its copy back and loses the link.
    c.changes[0].linked = true;
    c.changes[0].new_last4.clear();
    auto linked = before;
    auto& ln = linked["notifications"].as_array()[0].as_object();
    ln.erase("serviceKey");
    ln["integrationId"] = "65aaaaaaaaaaaaaaaaaaaaaa";
    d = decide_alert_revert(c, linked, {{"serviceKey", old_key}});
    BOOST_TEST(to_string(d.kind) == "put-back");
    BOOST_TEST(!d.body.at("notifications").at(0).as_object().contains("integrationId"));
    BOOST_TEST(d.body.at("notifications").at(0).at("serviceKey").as_string() == old_key);

    // Anything else someone changed since the run (here: disabled it) leaves it alone.
    c.changes[0].linked = false;
    c.changes[0].new_last4 = "beef";
    auto disabled = now;
    disabled["enabled"] = false;
    disabled["updated"] = "2026-12-01T00:00:00Z";  // read-only fields do not count
    d = decide_alert_revert(c, disabled, {{"serviceKey", old_key}});
    BOOST_TEST(to_string(d.kind) == "changed-since");
    BOOST_TEST(d.detail.find("enabled") != std::string::npos);
    auto other = now;
    other["notifications"].as_array()[1].as_object()["apiToken"] = mask_value("xoxb-9-9-9999");
    d = decide_alert_revert(c, other, {{"serviceKey", old_key}});
    BOOST_TEST(to_string(d.kind) == "changed-since");
    auto touched = now;
    touched["updated"] = "2026-12-01T00:00:00Z";
    d = decide_alert_revert(c, touched, {{"serviceKey", old_key}});
    BOOST_TEST(to_string(d.kind) == "put-back");

    // Already put back (a revert killed after its PUT): the before-image shows again.
    BOOST_TEST(alert_shows_before(c, before));
    BOOST_TEST(!alert_shows_before(c, now));
    BOOST_TEST(!alert_shows_before(c, disabled));
}

BOOST_AUTO_TEST_SUITE_END()
