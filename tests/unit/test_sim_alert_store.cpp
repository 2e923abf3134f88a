// Unit tests for the simulator's alert configurations (sim/alert_store.hpp), written from
// api-facts.md "Alert configurations": masked answers, notifierId keeping a secret, masked values
// refused, enabled omitted = disabled, PATCH, DELETE per version, the documented error codes, and
// integrationId on Atlas v2.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>

#include "cmbulk/sim/alert_store.hpp"

using namespace cmbulk::sim;
namespace json = boost::json;

namespace {

const std::string pd_key = "00000000000000000000000000000022";
const std::string pd_key2 = "0000000000000000000000000000beef";
const std::string group = "6f0000010000000000000001";

struct fixture {
    std::map<std::string, json::object> integrations;
    int next = 0;
    alert_context ctx(bool v2 = false) {
        alert_context c;
        c.group_id = group;
        c.atlas_v2 = v2;
        c.now = "2026-12-01T00:00:00Z";
        c.integrations = &integrations;
        c.href_base = "http://127.0.0.1:1/api/atlas/v2";
        c.new_id = [this] {
            char buf[32];
            std::snprintf(buf, sizeof buf, "7a%022x", static_cast<unsigned>(++next));
            return std::string(buf);
        };
        return c;
    }
};

std::string config_body(std::string_view pd, bool with_enabled = true) {
    json::object c{
        {"eventTypeName", "HOST_DOWN"},
        {"matchers", json::array{json::object{
                         {"fieldName", "HOSTNAME"}, {"operator", "EQUALS"}, {"value", "h"}}}},
        {"notifications", json::array{json::object{{"typeName", "PAGER_DUTY"},
                                                   {"serviceKey", pd},
                                                   {"intervalMin", 10},
                                                   {"delayMin", 0}},
                                      json::object{{"typeName", "EMAIL"},
                                                   {"emailAddress", "ops@example.com"},
                                                   {"intervalMin", 60}}}}};
    if (with_enabled) c["enabled"] = true;
    return json::serialize(c);
}

const json::object& notification(const json::value& config, std::size_t i) {
    return config.at("notifications").at(i).as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_alert_store)

BOOST_AUTO_TEST_CASE(create_answers_masked_with_notifier_ids) {
    fixture f;
    alert_store s;
    auto r = s.create(config_body(pd_key), f.ctx());
    BOOST_TEST_REQUIRE(r.ok());
    auto& b = r.body;
    BOOST_TEST(b.at("groupId").as_string() == group);
    BOOST_TEST(b.at("id").as_string().size() == 24u);
    BOOST_TEST(b.at("enabled").as_bool());
    BOOST_TEST(b.at("created").as_string() == "2026-12-01T00:00:00Z");
    BOOST_TEST(b.at("links").at(0).at("href").as_string() ==
               "http://127.0.0.1:1/api/atlas/v2/groups/" + group + "/alertConfigs/" +
                   std::string(b.at("id").as_string()));
    auto& pd = notification(b, 0);
    BOOST_TEST(pd.at("serviceKey").as_string() == "****************************0022");
    BOOST_TEST(!pd.contains("intervalMin"));  // not answered for PAGER_DUTY
    BOOST_TEST(pd.at("notifierId").as_string().size() == 24u);
    BOOST_TEST(notification(b, 1).at("intervalMin").as_int64() == 60);
    BOOST_TEST(notification(b, 1).at("notifierId") != pd.at("notifierId"));
    // The state keeps the secret in clear; get answers what create answered.
    auto state = s.to_json(true);
    BOOST_TEST(state.at(0).at("notifications").at(0).at("serviceKey").as_string() == pd_key);
    BOOST_TEST(state.at(0).at("puts").as_uint64() == 0u);
    auto g = s.get(b.at("id").as_string(), f.ctx());
    BOOST_TEST(g.body == b);
}

BOOST_AUTO_TEST_CASE(put_with_notifier_id_keeps_the_secret_and_masked_values_are_refused) {
    fixture f;
    alert_store s;
    auto created = s.create(config_body(pd_key), f.ctx()).body.as_object();
    std::string id(created.at("id").as_string());
    // Send back what was read, minus the read-only fields: the masked key is refused.
    json::object put = created;
    for (auto k : {"id", "groupId", "created", "updated", "links"}) put.erase(k);
    auto r = s.replace(id, json::serialize(put), f.ctx());
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.detail == "Pager Duty API key must consist of 32 hexadecimal digits");
    BOOST_TEST(s.configs().front().puts == 0u);
    // Omit the secret, keep the notifierId: the stored key stays.
    put["notifications"].as_array()[0].as_object().erase("serviceKey");
    r = s.replace(id, json::serialize(put), f.ctx());
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(s.to_json(false).at(0).at("notifications").at(0).at("serviceKey").as_string() ==
               pd_key);
    BOOST_TEST(s.configs().front().puts == 1u);
    // The new key in clear replaces it; notifierIds stay what they were.
    put["notifications"].as_array()[0].as_object()["serviceKey"] = pd_key2;
    r = s.replace(id, json::serialize(put), f.ctx());
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(notification(r.body, 0).at("serviceKey").as_string().ends_with("beef"));
    BOOST_TEST(notification(r.body, 0).at("notifierId") ==
               notification(created, 0).at("notifierId"));
    // Without the notifierId and without the key, the notification has no secret: refused.
    put["notifications"].as_array()[0].as_object().erase("serviceKey");
    put["notifications"].as_array()[0].as_object().erase("notifierId");
    r = s.replace(id, json::serialize(put), f.ctx());
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.error_code == "VALIDATION_ERROR");
}

BOOST_AUTO_TEST_CASE(put_replaces_the_document_enabled_omitted_means_disabled) {
    fixture f;
    alert_store s;
    std::string id(s.create(config_body(pd_key), f.ctx()).body.at("id").as_string());
    auto r = s.replace(id, config_body(pd_key2, false), f.ctx());
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(!r.body.at("enabled").as_bool());
    r = s.patch(id, R"({"enabled":true})", f.ctx());
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(r.body.at("enabled").as_bool());
    BOOST_TEST(s.configs().front().patches == 1u);
    BOOST_TEST(s.patch(id, R"({"enabled":true,"eventTypeName":"X"})", f.ctx()).status == 400);
    BOOST_TEST(s.patch(id, R"({"enabled":"yes"})", f.ctx()).status == 400);
}

BOOST_AUTO_TEST_CASE(delete_and_not_found) {
    fixture f;
    alert_store s;
    std::string id(s.create(config_body(pd_key), f.ctx()).body.at("id").as_string());
    auto r = s.remove(id, f.ctx(true));
    BOOST_TEST(r.status == 204);  // v2
    BOOST_TEST(r.body.is_null());
    r = s.get(id, f.ctx());
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.error_code == "ALERT_CONFIG_NOT_FOUND");
    BOOST_TEST(r.detail ==
               "No alert configuration with ID " + id + " exists in group " + group + ".");
    BOOST_TEST(s.remove(id, f.ctx()).status == 404);
    std::string id2(s.create(config_body(pd_key), f.ctx()).body.at("id").as_string());
    BOOST_TEST(s.remove(id2, f.ctx(false)).status == 200);  // v1.0: no body
}

BOOST_AUTO_TEST_CASE(documented_errors) {
    struct row {
        std::string body, code;
    };
    std::vector<row> rows{
        {"{nope", "INVALID_JSON"},
        {R"({"id":"64b6c0f2a1b2c3d4e5f60718","eventTypeName":"HOST_DOWN","notifications":[{"typeName":"EMAIL","emailAddress":"a@b"}]})",
         "ATTRIBUTE_READ_ONLY"},
        {R"({"eventTypeName":"HOST_DOWN","notifications":[]})", "MISSING_NOTIFICATIONS"},
        {R"({"eventTypeName":"HOST_DOWN"})", "MISSING_NOTIFICATIONS"},
        {R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"CARRIER_PIGEON"}]})",
         "UNSUPPORTED_NOTIFICATION_TYPE"},
        {R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"EMAIL","emailAddress":"a@b","intervalMin":4}]})",
         "NOTIFICATION_INTERVAL_OUT_OF_RANGE"},
        {R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"WEBHOOK"}]})",
         "WEBHOOK_URL_NOT_SET"},
        {R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"EMAIL","emailAddress":"a@b","colour":"red"}]})",
         "VALIDATION_ERROR"},
        {R"({"notifications":[{"typeName":"EMAIL","emailAddress":"a@b"}]})", "VALIDATION_ERROR"},
        {R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"EMAIL","emailAddress":"a@b","notifierId":"aaaaaaaaaaaaaaaaaaaaaaaa"}]})",
         "VALIDATION_ERROR"},
        {R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"SLACK","apiToken":"****************abcd","channelName":"#a"}]})",
         "VALIDATION_ERROR"},
    };
    std::string many = R"({"eventTypeName":"HOST_DOWN","notifications":[)";
    for (int i = 0; i < 26; ++i)
        many += std::string(i ? "," : "") + R"({"typeName":"EMAIL","emailAddress":"a@b"})";
    rows.push_back({many + "]}", "VALIDATION_ERROR"});
    for (auto& row : rows) {
        BOOST_TEST_CONTEXT(row.body) {
            fixture f;
            alert_store s;
            auto r = s.create(row.body, f.ctx());
            BOOST_TEST(r.status == 400);
            BOOST_TEST(r.error_code == row.code);
            BOOST_TEST(s.size() == 0u);
        }
    }
    // A webhook notification without its own URL may use the project's webhook integration.
    fixture f;
    f.integrations["WEBHOOK"] = json::object{{"type", "WEBHOOK"}, {"url", "https://example.com/h"}};
    alert_store s;
    BOOST_TEST(s.create(R"({"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"WEBHOOK"}]})",
                        f.ctx())
                   .ok());
}

BOOST_AUTO_TEST_CASE(integration_id_uses_the_integrations_current_secret_on_v2) {
    fixture f;
    f.integrations["PAGER_DUTY"] = json::object{
        {"type", "PAGER_DUTY"}, {"id", "65aaaaaaaaaaaaaaaaaaaaaa"}, {"serviceKey", pd_key}};
    std::string linked =
        R"({"eventTypeName":"HOST_DOWN","enabled":true,"notifications":[{"typeName":"PAGER_DUTY","integrationId":"65aaaaaaaaaaaaaaaaaaaaaa"}]})";
    alert_store s;
    BOOST_TEST(s.create(linked, f.ctx(false)).status == 400);  // no integrationId on v1.0
    auto r = s.create(linked, f.ctx(true));
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(notification(r.body, 0).at("serviceKey").as_string().ends_with("0022"));
    // The integration is rotated: the linked notification follows without a PUT.
    f.integrations["PAGER_DUTY"]["serviceKey"] = pd_key2;
    auto g = s.get(r.body.at("id").as_string(), f.ctx(true));
    BOOST_TEST(notification(g.body, 0).at("serviceKey").as_string().ends_with("beef"));
    BOOST_TEST(notification(g.body, 0).at("integrationId").as_string() ==
               "65aaaaaaaaaaaaaaaaaaaaaa");
    // An id that is not the project's integration is refused.
    std::string wrong = linked;
    wrong.replace(wrong.find("65aaaa"), 6, "65bbbb");
    BOOST_TEST(s.create(wrong, f.ctx(true)).status == 400);
}

BOOST_AUTO_TEST_CASE(seed_keeps_given_notifier_ids) {
    fixture f;
    alert_store s;
    auto seed =
        json::parse(
            R"([{"id":"7b0000000000000000000001","eventTypeName":"HOST_DOWN","enabled":true,
        "notifications":[{"typeName":"PAGER_DUTY","serviceKey":")" +
            pd_key +
            R"(","notifierId":"7c0000000000000000000001"},{"typeName":"GROUP","roles":["GROUP_OWNER"]}]}])")
            .as_array();
    s.load(seed, f.ctx());
    BOOST_TEST_REQUIRE(s.size() == 1u);
    auto st = s.to_json(false);
    BOOST_TEST(st.at(0).at("id").as_string() == "7b0000000000000000000001");
    BOOST_TEST(st.at(0).at("notifications").at(0).at("notifierId").as_string() ==
               "7c0000000000000000000001");
    BOOST_TEST(st.at(0).at("notifications").at(1).at("notifierId").as_string().size() == 24u);
    auto bad =
        json::parse(
            R"([{"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"PAGER_DUTY","serviceKey":"****************************0022"}]}])")
            .as_array();
    alert_store s2;
    BOOST_CHECK_THROW(s2.load(bad, f.ctx()), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
