// Integration tests of the real cmbulk-sim binary's alert configurations, driven by Debian's
// curl --digest: a world from `--generate 2:3 --with PAGER_DUTY,SLACK,WEBHOOK --with-alerts 3`
// answered masked over HTTP and in clear in /__sim/state, a rotation-shaped PUT (the new
// PagerDuty key, every other notification kept by notifierId) that changes no other stored
// secret by one byte and counts one PUT, a masked echo refused, PATCH and DELETE; the sample
// seed's Atlas notification linked by integrationId following a rotation of the integration;
// a saved state read back as a seed; and the option errors.
#include <boost/test/unit_test.hpp>

#include "integration/test_sim_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string v1 = "/api/public/v1.0";
const std::string atlas = "/api/atlas/v2";
const std::string atlas_accept = "Accept: application/vnd.atlas.2023-01-01+json";
const std::string project = "6f0000010000000000000002";  // org 1, project 2
const std::string generated_key = "simprivate-0123456789abcdef";

std::string str(const json::value& v, std::string_view key) {
    auto* p = v.is_object() ? v.get_object().if_contains(key) : nullptr;
    if (!p) return "<absent>";
    return p->is_string() ? std::string(p->get_string()) : json::serialize(*p);
}

json::value admin_state(unsigned short port) {
    auto r = http_request(port, "GET", "/__sim/state");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return json::parse(r.body);
}

/// The state's project of that id.
json::object state_project(const json::value& state, const std::string& id) {
    for (auto& o : state.at("orgs").as_array())
        for (auto& p : o.at("projects").as_array())
            if (str(p, "id") == id) return p.as_object();
    BOOST_FAIL("no project " + id);
    return {};
}

std::string alerts(const std::string& base, const std::string& id) {
    return base + "/groups/" + id + "/alertConfigs";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_alerts)

BOOST_AUTO_TEST_CASE(generated_alerts_rotate_by_notifier_id) {
    sim_process sim(
        {"--generate", "2:3", "--with", "PAGER_DUTY,SLACK,WEBHOOK", "--with-alerts", "3"});
    curl_client cl(sim.port(), "simpublic", generated_key);
    auto list = cl.call("GET", alerts(v1, project) + "?itemsPerPage=2");
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    auto page = list.json();
    BOOST_TEST(page.at("totalCount").as_int64() == 3);
    BOOST_TEST(page.at("results").as_array().size() == 2u);
    BOOST_TEST(str(page.at("links").at(1), "rel") == "next");
    auto first = page.at("results").at(0);
    auto& ns = first.at("notifications").as_array();
    BOOST_TEST_REQUIRE(ns.size() == 5u);
    BOOST_TEST(str(ns[0], "serviceKey").substr(0, 28) == std::string(28, '*'));
    BOOST_TEST(str(ns[2], "webhookUrl").find("https://hooks.example.com/****") == 0u);

    auto before = state_project(admin_state(sim.port()), project);
    auto& stored = before.at("alertConfigs").as_array();
    BOOST_TEST_REQUIRE(stored.size() == 3u);
    auto old_pd = str(before.at("integrations").at(0), "serviceKey");
    BOOST_TEST(str(stored[0].at("notifications").at(0), "serviceKey") == old_pd);  // in clear

    // A careless echo of what was read is refused and changes nothing.
    json::object echo = first.as_object();
    for (auto k : {"id", "groupId", "created", "updated", "links"}) echo.erase(k);
    auto id = str(first, "id");
    auto refused = cl.call("PUT", alerts(v1, project) + "/" + id, json::serialize(echo));
    BOOST_TEST(refused.status == 400, refused.body);
    BOOST_TEST(refused.body.find("Pager Duty API key must consist of 32 hexadecimal digits") !=
               std::string::npos);

    // The rotation's PUT: the new key in the PagerDuty notification, the rest by notifierId.
    const std::string new_pd = "fedcba9876543210fedcba9876543210";
    json::array rewritten;
    for (auto& n : ns) {
        json::object keep{{"typeName", n.at("typeName")}, {"notifierId", n.at("notifierId")}};
        for (auto f : {"channelName", "emailAddress", "roles", "emailEnabled", "smsEnabled",
                       "delayMin", "intervalMin"})
            if (auto* v = n.as_object().if_contains(f)) keep[f] = *v;
        if (str(n, "typeName") == "PAGER_DUTY") keep["serviceKey"] = new_pd;
        rewritten.push_back(std::move(keep));
    }
    json::object doc{{"eventTypeName", first.at("eventTypeName")},
                     {"enabled", first.at("enabled")},
                     {"matchers", first.at("matchers")},
                     {"notifications", std::move(rewritten)}};
    auto put = cl.call("PUT", alerts(v1, project) + "/" + id, json::serialize(doc));
    BOOST_TEST_REQUIRE(put.status == 200, put.body);
    BOOST_TEST(str(put.json().at("notifications").at(0), "serviceKey") ==
               std::string(28, '*') + "3210");

    auto after = state_project(admin_state(sim.port()), project);
    auto& now = after.at("alertConfigs").as_array();
    BOOST_TEST(str(now[0], "puts") == "1");
    BOOST_TEST(str(now[1], "puts") == "0");
    BOOST_TEST(str(now[2], "puts") == "0");
    auto& n0 = now[0].at("notifications").as_array();
    auto& b0 = stored[0].at("notifications").as_array();
    BOOST_TEST(str(n0[0], "serviceKey") == new_pd);
    for (std::size_t i = 1; i < n0.size(); ++i)  // not one byte of the others changed
        BOOST_TEST((n0[i] == b0[i]), json::serialize(n0[i]) << " vs " << json::serialize(b0[i]));
    BOOST_TEST((now[1] == stored[1]));
    BOOST_TEST((now[2] == stored[2]));

    // PATCH and DELETE.
    auto third = str(stored[2], "id");
    auto patched = cl.call("PATCH", alerts(v1, project) + "/" + third, R"({"enabled":true})");
    BOOST_TEST(patched.status == 200, patched.body);
    BOOST_TEST(str(state_project(admin_state(sim.port()), project).at("alertConfigs").at(2),
                   "patches") == "1");
    auto gone = cl.call("DELETE", alerts(v1, project) + "/" + third);
    BOOST_TEST(gone.status == 200);
    BOOST_TEST(gone.body.empty());
    auto missing = cl.call("GET", alerts(v1, project) + "/" + third);
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(str(missing.json(), "errorCode") == "ALERT_CONFIG_NOT_FOUND");
}

// The sample seed: atlas-prod's Slack notification is linked by integrationId; rotating the
// integration changes what it answers with no alert PUT.
BOOST_AUTO_TEST_CASE(sample_seed_linked_notification_follows_the_integration) {
    sim_process sim({"--seed", sample_seed()});
    curl_client cl(sim.port(), "initech-owner", "initech-private-0123456789abcdef");
    const std::string atlas_prod = "6a1b2c3d4e5f60718293a4b1";
    auto before = cl.call("GET", alerts(atlas, atlas_prod), {}, {atlas_accept});
    BOOST_TEST_REQUIRE(before.status == 200, before.body);
    auto slack = before.json().at("results").at(0).at("notifications").at(0);
    BOOST_TEST(str(slack, "integrationId") == "68dc3a1158e704fe60c01e73");
    BOOST_TEST(str(slack, "apiToken").ends_with("Prod"));
    auto rotate = cl.call("PUT", atlas + "/groups/" + atlas_prod + "/integrations/SLACK",
                          R"({"type":"SLACK","apiToken":"xoxb-6666666666-7777777777-rotated9z9z",)"
                          R"("channelName":"#atlas-prod"})",
                          {atlas_accept});
    BOOST_TEST_REQUIRE(rotate.status == 200, rotate.body);
    auto after = cl.call("GET", alerts(atlas, atlas_prod), {}, {atlas_accept});
    auto linked = after.json().at("results").at(0).at("notifications").at(0);
    BOOST_TEST(str(linked, "apiToken").ends_with("9z9z"));
    BOOST_TEST(str(state_project(admin_state(sim.port()), atlas_prod).at("alertConfigs").at(0),
                   "puts") == "0");
    // The sample's stale copy: checkout-prod's disabled config still holds an old PagerDuty key.
    curl_client acme(sim.port(), "acme-owner", "acme-private-0123456789abcdef");
    auto cm = acme.call("GET", alerts(v1, "5e2211c17a3e5a48f5497de4"));
    BOOST_TEST_REQUIRE(cm.status == 200, cm.body);
    auto results = cm.json().at("results").as_array();
    BOOST_TEST_REQUIRE(results.size() == 3u);
    BOOST_TEST(str(results.at(0).at("notifications").at(0), "serviceKey").ends_with("c5d6"));
    BOOST_TEST(str(results.at(2).at("notifications").at(0), "serviceKey").ends_with("e1f0"));
}

// /__sim/state is a seed: a second simulator started from it answers the same configs.
BOOST_AUTO_TEST_CASE(saved_state_reads_back_as_a_seed) {
    temp_dir dir;
    json::value state;
    {
        sim_process sim({"--generate", "1:2", "--with", "SLACK", "--with-alerts", "2"});
        state = admin_state(sim.port());
    }
    write_file(dir.path() / "state.json", json::serialize(state));
    sim_process again({"--seed", (dir.path() / "state.json").string()});
    auto reread = admin_state(again.port());
    for (auto& id : {"6f0000010000000000000001", "6f0000010000000000000002"}) {
        auto a = state_project(state, id).at("alertConfigs");
        auto b = state_project(reread, id).at("alertConfigs");
        BOOST_TEST((a == b), json::serialize(a) << " vs " << json::serialize(b));
    }
}

BOOST_AUTO_TEST_CASE(with_alerts_option_errors) {
    auto alone = run_process({sim_bin(), "--with-alerts", "3"});
    BOOST_TEST(alone.exit_code == 2);
    BOOST_TEST(alone.err.find("--with-alerts goes with --generate") != std::string::npos,
               alone.err);
    BOOST_TEST(run_process({sim_bin(), "--generate", "1:1", "--with-alerts", "-1"}).exit_code == 2);
    auto help = run_process({sim_bin(), "--help"});
    BOOST_TEST(help.out.find("--with-alerts") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
