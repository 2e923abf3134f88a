// Unit tests for the simulator world's alert configurations: the seed's `alertConfigs` per project
// (read, refused when a secret is masked or integrationId is out of place, written back), the
// layout --generate --with-alerts builds (docs/simulator.md, "Generated world"), its determinism,
// and the state /__sim/state shows (secrets in clear, per-config `puts` and `patches`), restored
// by a reset.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <set>
#include <stdexcept>

#include "cmbulk/sim/core.hpp"
#include "unit/sim_core_client.hpp"

using namespace cmbulk;
using namespace cmbulk::sim;
using cmbulk::test::body_of;
using cmbulk::test::core_client;
using cmbulk::test::str_at;
namespace json = boost::json;

namespace {

world generated(int alerts, std::vector<std::string> with, flavor kind = flavor::cloud_manager) {
    generate_params g;
    g.orgs = 2;
    g.projects = 3;
    g.with_types = std::move(with);
    g.alerts_per_project = alerts;
    g.org_kind = kind;
    return world::generate(g);
}

std::vector<std::string> type_names(const json::value& config) {
    std::vector<std::string> out;
    for (auto& n : config.at("notifications").as_array()) out.push_back(str_at(n, "typeName"));
    return out;
}

const json::array& state_configs(const json::value& state, std::size_t org, std::size_t project) {
    return state.at("orgs").at(org).at("projects").at(project).at("alertConfigs").as_array();
}

std::string seed_with(const std::string& kind, const std::string& alert_configs) {
    return R"({"orgs":[{"id":"5a0000000000000000000001","name":"o","kind":")" + kind +
           R"(","projects":[{"id":"6a0000000000000000000001","name":"p",)"
           R"("integrations":[{"id":"6b0000000000000000000001","type":"SLACK",)"
           R"("apiToken":"xoxb-1-2-token0001","channelName":"#c"}],)"
           R"("alertConfigs":)" +
           alert_configs + "}]}]}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_alert_world)

// --with PAGER_DUTY,SLACK,WEBHOOK --with-alerts 3: config 0 notifies every third-party type,
// config k >= 1 the (k-1)th; EMAIL when k is even, GROUP when odd, both on 0; k % 3 == 2 off.
BOOST_AUTO_TEST_CASE(generated_alerts_follow_the_documented_layout) {
    auto w = generated(3, {"PAGER_DUTY", "SLACK", "WEBHOOK"});
    auto state = w.to_json(true);
    auto& project = state.at("orgs").at(0).at("projects").at(1);
    BOOST_TEST(str_at(project, "id") == "6f0000010000000000000002");
    auto& configs = project.at("alertConfigs").as_array();
    BOOST_TEST_REQUIRE(configs.size() == 3u);
    using names = std::vector<std::string>;
    BOOST_TEST(
        type_names(configs[0]) == (names{"PAGER_DUTY", "SLACK", "WEBHOOK", "EMAIL", "GROUP"}),
        boost::test_tools::per_element());
    BOOST_TEST(type_names(configs[1]) == (names{"PAGER_DUTY", "GROUP"}),
               boost::test_tools::per_element());
    BOOST_TEST(type_names(configs[2]) == (names{"SLACK", "EMAIL"}),
               boost::test_tools::per_element());
    BOOST_TEST(str_at(configs[0], "eventTypeName") == "HOST_DOWN");
    BOOST_TEST(configs[0].at("matchers").as_array().size() == 1u);
    BOOST_TEST(str_at(configs[1], "eventTypeName") == "OUTSIDE_METRIC_THRESHOLD");
    BOOST_TEST(str_at(configs[1].at("metricThreshold"), "metricName") == "ASSERT_REGULAR");
    BOOST_TEST(str_at(configs[2], "eventTypeName") == "NO_PRIMARY");
    BOOST_TEST(configs[0].at("enabled").as_bool());
    BOOST_TEST(configs[1].at("enabled").as_bool());
    BOOST_TEST(!configs[2].at("enabled").as_bool());
    // The copies are the project's integration secrets, in clear in the state.
    auto& p = w.projects.at("6f0000010000000000000002");
    auto integ = [&](const std::string& type, const std::string& field) {
        return std::string(p.integrations.at(type).at(field).as_string());
    };
    auto& n0 = configs[0].at("notifications").as_array();
    BOOST_TEST(str_at(n0[0], "serviceKey") == integ("PAGER_DUTY", "serviceKey"));
    BOOST_TEST(str_at(n0[1], "apiToken") == integ("SLACK", "apiToken"));
    BOOST_TEST(str_at(n0[2], "webhookUrl") == integ("WEBHOOK", "url"));
    BOOST_TEST(str_at(n0[3], "emailAddress") == "alerts-0001-00002@example.com");
    BOOST_TEST(str_at(n0[4], "roles") == R"(["GROUP_OWNER"])");
    BOOST_TEST(str_at(configs[1].at("notifications").at(0), "serviceKey") ==
               integ("PAGER_DUTY", "serviceKey"));
    // Ids: 24 hex, unique across the world; counters start at zero.
    std::set<std::string> ids;
    std::size_t expected = 0;
    for (std::size_t o = 0; o < 2; ++o)
        for (std::size_t pi = 0; pi < 3; ++pi)
            for (auto& c : state_configs(state, o, pi)) {
                BOOST_TEST(is_object_id(str_at(c, "id")));
                BOOST_TEST(str_at(c, "puts") == "0");
                BOOST_TEST(str_at(c, "patches") == "0");
                ids.insert(str_at(c, "id"));
                ++expected;
                for (auto& n : c.at("notifications").as_array()) {
                    BOOST_TEST(is_object_id(str_at(n, "notifierId")));
                    ids.insert(str_at(n, "notifierId"));
                    ++expected;
                }
            }
    BOOST_TEST(ids.size() == expected);
}

BOOST_AUTO_TEST_CASE(generation_is_deterministic) {
    auto a = generated(4, {"SLACK", "PAGER_DUTY", "OPS_GENIE"}).to_json(true);
    auto b = generated(4, {"SLACK", "PAGER_DUTY", "OPS_GENIE"}).to_json(true);
    BOOST_TEST(json::serialize(a) == json::serialize(b));
    // Config 3 (k-1 = 2: the third type in name order, SLACK) has GROUP; disabled is k = 2 only.
    auto& configs = state_configs(a, 1, 2);
    BOOST_TEST(type_names(configs[3]) == (std::vector<std::string>{"SLACK", "GROUP"}),
               boost::test_tools::per_element());
    BOOST_TEST(str_at(configs[3], "eventTypeName") == "REPLICATION_OPLOG_WINDOW_RUNNING_OUT");
    // Without --with: EMAIL and GROUP notifications only.
    auto plain = generated(2, {}).to_json(false);
    auto& only = state_configs(plain, 0, 0);
    BOOST_TEST(type_names(only[0]) == (std::vector<std::string>{"EMAIL", "GROUP"}),
               boost::test_tools::per_element());
    BOOST_TEST(!only[0].as_object().contains("puts"));
    // Atlas orgs (Microsoft Teams and Datadog have notification types too).
    auto atlas = generated(1, {"MICROSOFT_TEAMS", "DATADOG"}, flavor::atlas).to_json(false);
    BOOST_TEST(type_names(state_configs(atlas, 0, 0)[0]) ==
                   (std::vector<std::string>{"DATADOG", "MICROSOFT_TEAMS", "EMAIL", "GROUP"}),
               boost::test_tools::per_element());
}

// /__sim/state: the API's fields, secrets in clear, `puts` and `patches` per config; a reset
// brings the seed back; the state reads back as a seed with ids, notifierIds and dates kept.
BOOST_AUTO_TEST_CASE(state_counts_puts_and_patches_per_config) {
    auto t0 = clock_type::now();
    core c({}, generated(3, {"PAGER_DUTY"}), t0);
    core_client cl{c, t0};
    const std::string project = "6f0000010000000000000001";
    const std::string path = "/api/public/v1.0/groups/" + project + "/alertConfigs";
    auto list = body_of(cl.send("GET", path));
    auto first = list.at("results").at(0);
    auto id = str_at(first, "id");
    auto pd_notifier = str_at(first.at("notifications").at(0), "notifierId");
    const std::string new_key = "0123456789abcdef0123456789abcdef";
    json::object doc{{"eventTypeName", "HOST_DOWN"},
                     {"enabled", true},
                     {"matchers", first.at("matchers")},
                     {"notifications", json::array{json::object{{"typeName", "PAGER_DUTY"},
                                                                {"serviceKey", new_key},
                                                                {"notifierId", pd_notifier}},
                                                   first.at("notifications").at(1),
                                                   first.at("notifications").at(2)}}};
    auto put = cl.send("PUT", path + "/" + id, json::serialize(doc));
    BOOST_TEST_REQUIRE(put.status == 200, put.body);
    auto second = str_at(list.at("results").at(1), "id");
    BOOST_TEST(cl.send("PATCH", path + "/" + second, R"({"enabled":false})").status == 200);
    auto state = c.state_json();
    auto& configs = state_configs(state, 0, 0);
    BOOST_TEST(str_at(configs[0], "puts") == "1");
    BOOST_TEST(str_at(configs[0], "patches") == "0");
    BOOST_TEST(str_at(configs[1], "puts") == "0");
    BOOST_TEST(str_at(configs[1], "patches") == "1");
    BOOST_TEST(str_at(configs[2], "puts") == "0");
    BOOST_TEST(str_at(configs[0].at("notifications").at(0), "serviceKey") == new_key);
    BOOST_TEST(str_at(configs[0].at("notifications").at(0), "notifierId") == pd_notifier);
    BOOST_TEST(str_at(configs[0], "created") == std::string(seed_alert_date));
    BOOST_TEST(str_at(configs[0], "updated") != std::string(seed_alert_date));
    // Read back as a seed: the same documents.
    auto again = world::from_json(state).to_json(false);
    auto& reread = state_configs(again, 0, 0);
    auto saved = c.state().to_json(false);
    auto& written = state_configs(saved, 0, 0);
    BOOST_TEST((reread == written), json::serialize(reread) << " vs " << json::serialize(written));
    BOOST_TEST(str_at(reread[0], "eventTypeName") == "HOST_DOWN");
    c.reset(t0);
    auto after_reset = c.state_json();
    auto& fresh = state_configs(after_reset, 0, 0);
    BOOST_TEST(str_at(fresh[0], "puts") == "0");
    BOOST_TEST(str_at(fresh[0].at("notifications").at(0), "serviceKey") != new_key);
}

BOOST_AUTO_TEST_CASE(seed_alert_configs_are_checked) {
    const std::string ok =
        R"([{"eventTypeName":"HOST_DOWN","enabled":true,"created":"2025-05-05T00:00:00Z",)"
        R"("notifications":[{"typeName":"SLACK","apiToken":"xoxb-1-2-token0001",)"
        R"("channelName":"#c","notifierId":"7b0000000000000000000001"}]}])";
    auto w = world::from_json(json::parse(seed_with("cloud-manager", ok)));
    auto& a = w.projects.at("6a0000000000000000000001").alerts.configs();
    BOOST_TEST_REQUIRE(a.size() == 1u);
    BOOST_TEST(is_object_id(a[0].id));
    BOOST_TEST(str_at(a[0].doc, "created") == "2025-05-05T00:00:00Z");
    BOOST_TEST(str_at(a[0].doc.at("notifications").at(0), "notifierId") ==
               "7b0000000000000000000001");
    auto refused = [](const std::string& kind, const std::string& configs) {
        try {
            world::from_json(json::parse(seed_with(kind, configs)));
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    // A masked secret, integrationId off Atlas, a missing eventTypeName, a bad id.
    auto masked = refused("cloud-manager",
                          R"([{"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"SLACK",)"
                          R"("apiToken":"**************0001","channelName":"#c"}]}])");
    BOOST_TEST(masked.find("orgs[0].projects[0]") != std::string::npos, masked);
    BOOST_TEST(masked.find("masked") != std::string::npos, masked);
    const std::string linked =
        R"([{"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"SLACK",)"
        R"("channelName":"#c","integrationId":"6b0000000000000000000001"}]}])";
    BOOST_TEST(refused("cloud-manager", linked) != "accepted");
    BOOST_TEST(refused("atlas", linked) == "accepted");
    BOOST_TEST(refused("cloud-manager", R"([{"notifications":[{"typeName":"GROUP"}]}])") !=
               "accepted");
    BOOST_TEST(
        refused("cloud-manager",
                R"([{"id":"xyz","eventTypeName":"A","notifications":[{"typeName":"GROUP"}]}])") !=
        "accepted");
}

// An audit's copy of a fleet (`"secretsAsAnswered": true`, cmbulk audit --emit-sim-seed) keeps
// the masked secrets as the service answered them, and is answered with the same visible part;
// a secret that is not masked must still be one the service would take.
BOOST_AUTO_TEST_CASE(a_seed_of_answers_keeps_masked_notification_secrets) {
    auto as_answered = [](const std::string& configs) {
        auto text = seed_with("cloud-manager", configs);
        return json::parse(R"({"secretsAsAnswered":true,)" + text.substr(1));
    };
    const std::string masked =
        R"([{"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"SLACK",)"
        R"("apiToken":"**************0001","channelName":"#c"},{"typeName":"PAGER_DUTY",)"
        R"("serviceKey":"****************************c5d6"}]}])";
    auto w = world::from_json(as_answered(masked));
    auto& p = w.projects.at("6a0000000000000000000001");
    BOOST_TEST_REQUIRE(p.alerts.configs().size() == 1u);
    auto ctx = seed_alert_context(p, "2026-01-01T00:00:00Z");
    auto answered = answered_alert_config(p.alerts.configs()[0], ctx);
    auto& n = answered.at("notifications").as_array();
    BOOST_TEST(str_at(n.at(0), "apiToken").ends_with("0001"));
    BOOST_TEST(str_at(n.at(1), "serviceKey").ends_with("c5d6"));
    BOOST_TEST(str_at(n.at(1), "serviceKey").find("****") != std::string::npos);
    try {
        world::from_json(as_answered(
            R"([{"eventTypeName":"HOST_DOWN","notifications":[{"typeName":"PAGER_DUTY",)"
            R"("serviceKey":"not-a-key"}]}])"));
        BOOST_ERROR("a PagerDuty key that is neither masked nor 32 hex digits was taken");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("32 hexadecimal") != std::string::npos, e.what());
    }
    BOOST_CHECK_THROW(world::from_json(json::parse(R"({"secretsAsAnswered":"yes","orgs":[]})")),
                      std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
