// Unit tests of the manifest's per-flavor validation (api-facts.md's type and field tables),
// offline: `validate --flavor cloud-manager` refuses a DATADOG row naming the flavors that take
// it; v2-only fields pass on Atlas only; required fields and v2's length limit per flavor;
// read-only fields refused; --set judged per flavor too.
#include <boost/test/unit_test.hpp>

#include "manifest_support.hpp"

using namespace cmbulk;
using namespace manifest_test;

namespace {

struct tcase {
    std::string name;
    flavor fl;
    std::string content;
    std::vector<std::string> expected;
};

/// Per-flavor rules with the exact error texts expected (api-facts.md's type and field tables).
std::vector<tcase> flavor_rule_cases() {
    const std::string wh = "projectId,type,url,bodyTemplate\n" + id1 + ",WEBHOOK,https://h/x,";
    const std::string prom = "projectId,type,username,serviceDiscovery,enabled";
    return {
        {"DATADOG on Cloud Manager",
         flavor::cloud_manager,
         "projectId,type,apiKey\n" + id1 + ",DATADOG,abcd\n",
         {"m.csv:2: type: DATADOG is not offered on Cloud Manager; the flavors that take it: "
          "ops-manager, atlas, atlas-v1"}},
        {"DATADOG on Ops Manager",
         flavor::ops_manager,
         "projectId,type,apiKey\n" + id1 + ",DATADOG,abcd\n",
         {}},
        {"MICROSOFT_TEAMS on Ops Manager",
         flavor::ops_manager,
         "projectId,type,microsoftTeamsWebhookUrl\n" + id1 + ",MICROSOFT_TEAMS,https://t/x\n",
         {"m.csv:2: type: MICROSOFT_TEAMS is not offered on Ops Manager; the flavors that take "
          "it: atlas, atlas-v1"}},
        {"PROMETHEUS on Ops Manager",
         flavor::ops_manager,
         prom + ",password\n" + id1 + ",PROMETHEUS,u,http,true,p\n",
         {"m.csv:2: type: PROMETHEUS is not offered on Ops Manager; the flavors that take it: "
          "cloud-manager, atlas, atlas-v1"}},
        {"v2 field on Cloud Manager",
         flavor::cloud_manager,
         wh + "{}\n",
         {"m.csv:2: bodyTemplate: not a field of WEBHOOK on Cloud Manager; only on: atlas"}},
        {"v2 field, empty cell, on Cloud Manager", flavor::cloud_manager, wh + "\n", {}},
        {"v2 field on Atlas", flavor::atlas, wh + "{}\n", {}},
        {"v2 field on Atlas v1.0",
         flavor::atlas_v1,
         wh + "{}\n",
         {"m.csv:2: bodyTemplate: not a field of WEBHOOK on Atlas v1.0; only on: atlas"}},
        {"Datadog toggle on Ops Manager",
         flavor::ops_manager,
         "projectId,type,apiKey,sendDatabaseMetrics\n" + id1 + ",DATADOG,abcd,true\n",
         {"m.csv:2: sendDatabaseMetrics: not a field of DATADOG on Ops Manager; only on: atlas"}},
        {"Datadog toggle on Atlas",
         flavor::atlas,
         "projectId,type,apiKey,sendDatabaseMetrics\n" + id1 + ",DATADOG,abcd,true\n",
         {}},
        {"Cloud Manager's Prometheus field on Atlas",
         flavor::atlas,
         prom + ",listenAddress\n" + id1 + ",PROMETHEUS,u,http,true,0.0.0.0:9216\n",
         {"m.csv:2: listenAddress: not a field of PROMETHEUS on Atlas; only on: cloud-manager, "
          "ops-manager"}},
        {"no Prometheus password on Atlas",
         flavor::atlas,
         prom + "\n" + id1 + ",PROMETHEUS,u,http,true\n",
         {}},
        {"no Prometheus password on Cloud Manager",
         flavor::cloud_manager,
         prom + "\n" + id1 + ",PROMETHEUS,u,http,true\n",
         {"m.csv:2: password: missing required field"}},
        {"no Prometheus password on Atlas v1.0",
         flavor::atlas_v1,
         prom + "\n" + id1 + ",PROMETHEUS,u,http,true\n",
         {"m.csv:2: password: missing required field (Atlas v1.0)"}},
        {"channelName of 81 on Atlas",
         flavor::atlas,
         "projectId,type,apiToken,channelName\n" + id1 + ",SLACK,t," + std::string(81, 'c') + "\n",
         {"m.csv:2: channelName: too long: 81 characters, at most 80 on Atlas"}},
        {"channelName of 80 on Atlas",
         flavor::atlas,
         "projectId,type,apiToken,channelName\n" + id1 + ",SLACK,t," + std::string(80, 'c') + "\n",
         {}},
        {"channelName of 81 on Cloud Manager",
         flavor::cloud_manager,
         "projectId,type,apiToken,teamName,channelName\n" + id1 + ",SLACK,t,team," +
             std::string(81, 'c') + "\n",
         {}},
        // (A CSV header refuses columns no type has; a JSON row reaches the field check.)
        {"read-only id",
         flavor::atlas,
         "[{\"projectId\":\"" + id1 +
             "\",\"type\":\"SLACK\",\"apiToken\":\"t\",\"channelName\":\"#c\",\"id\":\"" + id2 +
             "\"}]",
         {"m.json:1: id: read-only: the API sets it; remove it from the manifest"}},
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_flavors)

// Per-flavor rules offline (api-facts.md's type and field tables): the types a flavor offers,
// the fields it has, what it requires, v2's length limit, and read-only fields.
BOOST_AUTO_TEST_CASE(per_flavor_rules_with_exact_text) {
    test::temp_dir dir;
    for (auto& tc : flavor_rule_cases()) {
        BOOST_TEST_CONTEXT(tc.name) {
            auto o = opts_with_env();
            o.target_flavor = tc.fl;
            auto name = tc.content.starts_with("[") ? "m.json" : "m.csv";
            auto c = validate_text(dir, name, tc.content, o);
            BOOST_TEST(c.errors == tc.expected, boost::test_tools::per_element());
            BOOST_TEST(c.summary.error_count == tc.expected.size());
        }
    }
}

// --set is checked per flavor too.
BOOST_AUTO_TEST_CASE(set_fields_are_checked_per_flavor) {
    test::temp_dir dir;
    auto o = opts_with_env();
    o.set_fields = {{"bodyTemplate", "{}"}};
    auto c =
        validate_text(dir, "m.csv", "projectId,type,url\n" + id1 + ",WEBHOOK,https://h/x\n", o);
    BOOST_TEST(c.errors == std::vector<std::string>{"m.csv:2: bodyTemplate: not a field of "
                                                    "WEBHOOK on Cloud Manager; only on: atlas "
                                                    "(from --set)"},
               boost::test_tools::per_element());
    o.target_flavor = flavor::atlas;
    BOOST_TEST(
        validate_text(dir, "m.csv", "projectId,type,url\n" + id1 + ",WEBHOOK,https://h/x\n", o)
            .summary.ok());
}

BOOST_AUTO_TEST_SUITE_END()
