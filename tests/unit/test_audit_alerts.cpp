// Unit tests for audit_alerts: every third-party notification of a project's alert
// configurations listed and compared with the project's integration of its type; the ones left
// behind by a rotation are `stale-alert-secret`, linked ones never are.
#include <boost/test/unit_test.hpp>

#include "cmbulk/audit_alerts.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {
std::string masked(const std::string& k) {
    return mask_notification_value(notification_mask::last_four, k);
}
const std::string current = "0000000000000000000000000000beef";
const std::string old_key = "00000000000000000000000000000022";

json::object config(std::string id, json::array notifications) {
    return json::object{
        {"id", id}, {"eventTypeName", "HOST_DOWN"}, {"notifications", notifications}};
}
json::object pd(const std::string& key, bool linked = false) {
    json::object n{{"typeName", "PAGER_DUTY"}, {"serviceKey", masked(key)}};
    if (linked) n["integrationId"] = "5e0000000000000000000001";
    return n;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(audit_alerts_suite)

BOOST_AUTO_TEST_CASE(stale_copies_are_found_and_linked_ones_are_not) {
    std::vector<json::object> integrations{
        json::object{{"type", "PAGER_DUTY"}, {"serviceKey", masked(current)}}};
    std::vector<json::object> configs{
        config("c1", json::array{pd(old_key),
                                 json::object{{"typeName", "EMAIL"}, {"emailAddress", "a@b.c"}}}),
        config("c2", json::array{pd(current)}),
        config("c3", json::array{pd(old_key, true)}),
        config("c4",
               json::array{json::object{{"typeName", "SLACK"}, {"apiToken", masked(old_key)}}}),
    };
    auto rows = audit_alert_configs(configs, integrations);
    BOOST_REQUIRE(rows.size() == 4u);  // EMAIL is not third-party
    BOOST_TEST(rows[0].config_id == "c1");
    BOOST_TEST(rows[0].event_type == "HOST_DOWN");
    BOOST_TEST(rows[0].type_name == "PAGER_DUTY");
    BOOST_TEST(rows[0].secret_field == "serviceKey");
    BOOST_TEST(rows[0].visible == masked(old_key));
    BOOST_TEST(to_string(rows[0].match) == "differs");
    BOOST_TEST(rows[0].stale());
    BOOST_TEST(to_string(rows[1].match) == "match");
    BOOST_TEST(!rows[1].stale());
    // Linked: it uses the integration's secret whatever its copy shows.
    BOOST_TEST(rows[2].integration_id == "5e0000000000000000000001");
    BOOST_TEST(!rows[2].stale());
    // No Slack integration in the project: nothing to compare with, not stale.
    BOOST_TEST(!rows[3].has_integration);
    BOOST_TEST(!rows[3].stale());
    BOOST_TEST(stale_alert_secret == "stale-alert-secret");
}

BOOST_AUTO_TEST_SUITE_END()
