// Unit tests for alert_rotation: the alert half of a rotation stepped by hand, answer by answer
// (list pages, one PUT per config that still carries the old secret and none for the others,
// retries, a failed PUT, the re-read of a config a resume may have rewritten, --verify, links).
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/alert_catalogue.hpp"
#include "cmbulk/alert_rotation.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {

const std::string old_key = "00000000000000000000000000000022";
const std::string new_key = "0000000000000000000000000000beef";
const std::string other_key = "11111111111111111111111111119999";
const std::string group = "6f0000010000000000000001";

retry_policy make_policy() {
    retry_policy p;
    p.max_attempts = 3;
    p.backoff.base = std::chrono::milliseconds(100);
    p.backoff.cap = std::chrono::milliseconds(1000);
    p.rng.seed(7);
    return p;
}

std::string masked(const std::string& key) {
    return mask_notification_value(notification_mask::last_four, key);
}

json::object config(std::string id, const std::string& pd_key, bool linked = false) {
    json::object pd{{"typeName", "PAGER_DUTY"},
                    {"serviceKey", masked(pd_key)},
                    {"notifierId", "aaaaaaaaaaaaaaaaaaaaaa" + id.substr(id.size() - 2)}};
    if (linked) pd["integrationId"] = "5e0000000000000000000001";
    json::array ns{pd, json::object{{"typeName", "EMAIL"}, {"emailAddress", "a@example.com"}}};
    return json::object{{"id", id},
                        {"groupId", group},
                        {"eventTypeName", "HOST_DOWN"},
                        {"enabled", true},
                        {"notifications", ns}};
}

api_call_result page(std::vector<json::object> configs, bool next = false) {
    api_call_result r;
    r.status = 200;
    json::array results;
    for (auto& c : configs) results.push_back(c);
    json::array links;
    if (next) links.push_back(json::object{{"rel", "next"}, {"href", "x"}});
    r.body = json::object{{"results", results}, {"links", links}, {"totalCount", configs.size()}};
    return r;
}

api_call_result status(int s, std::string code = {}) {
    api_call_result r;
    r.status = s;
    r.error_code = code;
    r.api_error = parse_api_errc(code);
    r.credential_answered = true;
    return r;
}

api_call_result body(json::object o) {
    auto r = status(200);
    r.body = std::move(o);
    return r;
}

alert_rotation_params params() {
    alert_rotation_params p;
    p.group_id = group;
    p.rotation.integration_type = "PAGER_DUTY";
    p.rotation.old_visible["serviceKey"] = masked(old_key);
    p.rotation.new_values["serviceKey"] = new_key;
    return p;
}

bool is_put_of(const item_step& s, std::string_view id) {
    return s.kind == item_step::send && s.request.method == api_method::put && s.changes_state &&
           s.request.path.ends_with("/alertConfigs/" + std::string(id));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_rotation_suite)

BOOST_AUTO_TEST_CASE(one_put_per_config_that_carries_the_old_key) {
    auto pol = make_policy();
    alert_rotation m(params());
    auto s = m.start(pol);
    BOOST_TEST((s.request.method == api_method::get));
    BOOST_TEST(s.request.path == "/groups/" + group + "/alertConfigs?pageNum=1&itemsPerPage=100");
    BOOST_TEST(s.request.scope == group);
    BOOST_TEST(m.current_config().empty());
    // Page 1 has a next link: page 2 is read before anything is sent.
    s = m.next(page({config("c01", old_key), config("c02", other_key)}, true), pol);
    BOOST_TEST(s.request.path.find("pageNum=2") != std::string::npos);
    s = m.next(page({config("c03", old_key)}), pol);
    BOOST_TEST(is_put_of(s, "c01"));
    BOOST_TEST(m.current_config() == "c01");
    auto sent = json::parse(*s.request.body).as_object();
    BOOST_TEST(!sent.contains("id"));
    BOOST_TEST(!sent.contains("groupId"));
    BOOST_TEST(sent.at("enabled").as_bool());
    auto& n = sent.at("notifications").as_array();
    BOOST_TEST(n[0].as_object().at("serviceKey").as_string() == new_key);
    BOOST_TEST(n[1].as_object().at("emailAddress").as_string() == "a@example.com");
    s = m.next(status(200), pol);
    // c02 shows another key: no PUT for it.
    BOOST_TEST(is_put_of(s, "c03"));
    s = m.next(status(200), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(m.configs_listed() == 3u);
    BOOST_REQUIRE(m.results().size() == 2u);
    BOOST_TEST(m.results()[0].config_id == "c01");
    BOOST_TEST((m.results()[0].result == outcome::updated));
    BOOST_TEST(m.results()[0].changes.at(0).old_last4 == "0022");
    BOOST_TEST(m.results()[0].changes.at(0).new_last4 == "beef");
    BOOST_TEST(m.results()[1].config_id == "c03");
    BOOST_TEST(m.all_done());
    BOOST_TEST(m.attempts() == 4);
}

BOOST_AUTO_TEST_CASE(nothing_to_change_is_the_list_alone) {
    auto pol = make_policy();
    alert_rotation m(params());
    m.start(pol);
    auto linked = config("c01", new_key, true);
    auto s = m.next(page({config("c02", other_key), linked}), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(m.results().empty());
    BOOST_TEST(m.already_linked() == 1u);
    BOOST_TEST(m.all_done());
    BOOST_TEST(m.attempts() == 1);
}

BOOST_AUTO_TEST_CASE(from_last4_picks_the_configs_by_what_they_show) {
    auto pol = make_policy();
    auto p = params();
    p.rotation.old_visible.clear();
    p.rotation.from_last4 = "9999";
    alert_rotation m(p);
    m.start(pol);
    auto s = m.next(page({config("c01", old_key), config("c02", other_key)}), pol);
    BOOST_TEST(is_put_of(s, "c02"));
    s = m.next(status(200), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(m.results().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_throttled_put_is_sent_again_and_a_refused_one_fails_alone) {
    auto pol = make_policy();
    alert_rotation m(params());
    m.start(pol);
    auto s = m.next(page({config("c01", old_key), config("c02", old_key)}), pol);
    BOOST_TEST(is_put_of(s, "c01"));
    auto throttled = status(429, "RATE_LIMITED");
    throttled.retry_after = std::chrono::milliseconds(2000);
    s = m.next(throttled, pol);
    BOOST_TEST(is_put_of(s, "c01"));
    BOOST_TEST(s.retry);
    s = m.next(status(200), pol);
    BOOST_TEST(is_put_of(s, "c02"));
    // A 400 is definitive: c02 fails, nothing is sent again.
    s = m.next(status(400, "INVALID_JSON"), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_REQUIRE(m.results().size() == 2u);
    BOOST_TEST((m.results()[0].result == outcome::updated));
    BOOST_TEST(m.results()[0].attempts == 2);
    BOOST_TEST((m.results()[1].result == outcome::failed));
    BOOST_TEST(m.results()[1].http_status == 400);
    BOOST_TEST(m.results()[1].error_code == "INVALID_JSON");
    BOOST_TEST(!m.all_done());
}

BOOST_AUTO_TEST_CASE(a_put_without_answer_is_resent_it_is_idempotent) {
    auto pol = make_policy();
    alert_rotation m(params());
    m.start(pol);
    auto s = m.next(page({config("c01", old_key)}), pol);
    api_call_result reset;
    reset.failure = attempt_failure::reset_after_send;
    s = m.next(reset, pol);
    BOOST_TEST(is_put_of(s, "c01"));
    BOOST_TEST(s.delay.count() > 0);
    s = m.next(status(200), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST((m.results().at(0).result == outcome::updated));
}

BOOST_AUTO_TEST_CASE(a_list_that_cannot_be_read_sends_nothing) {
    auto pol = make_policy();
    alert_rotation m(params());
    m.start(pol);
    auto s = m.next(status(403, "USER_UNAUTHORIZED"), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(m.list_failed());
    BOOST_TEST(m.list_failure().find("403") != std::string::npos);
    BOOST_TEST(!m.all_done());
}

BOOST_AUTO_TEST_CASE(a_config_gone_since_the_list_is_left_alone) {
    auto pol = make_policy();
    alert_rotation m(params());
    m.start(pol);
    m.next(page({config("c01", old_key)}), pol);
    auto s = m.next(status(404, "ALERT_CONFIG_NOT_FOUND"), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST((m.results().at(0).result == outcome::unchanged));
    BOOST_TEST(m.all_done());
}

BOOST_AUTO_TEST_CASE(a_masked_secret_without_notifier_id_is_refused_unsent) {
    auto pol = make_policy();
    alert_rotation m(params());
    m.start(pol);
    auto c = config("c01", old_key);
    // A Slack notification shows a masked token and has no notifierId: a PUT would lose it.
    c["notifications"].as_array().push_back(
        json::object{{"typeName", "SLACK"}, {"apiToken", masked(other_key)}});
    auto s = m.next(page({c, config("c02", old_key)}), pol);
    BOOST_TEST(is_put_of(s, "c02"));
    BOOST_TEST((m.results().at(0).result == outcome::failed));
    BOOST_TEST(m.results().at(0).error_code == "ALERT_REWRITE_REFUSED");
}

BOOST_AUTO_TEST_CASE(resume_rereads_a_config_whose_put_may_have_landed) {
    auto pol = make_policy();
    auto p = params();
    p.reread = {"c01", "c02"};
    alert_rotation m(p);
    m.start(pol);
    // The list was read before ... the point: c01 and c02 are each read alone before a PUT.
    auto s = m.next(page({config("c01", old_key), config("c02", old_key)}), pol);
    BOOST_TEST((s.request.method == api_method::get));
    BOOST_TEST(s.request.path == "/groups/" + group + "/alertConfigs/c01");
    // c01's PUT had landed: it now shows the new key, nothing is sent for it.
    s = m.next(body(config("c01", new_key)), pol);
    BOOST_TEST(s.request.path == "/groups/" + group + "/alertConfigs/c02");
    // c02 still shows the old key: rewritten from this read.
    s = m.next(body(config("c02", old_key)), pol);
    BOOST_TEST(is_put_of(s, "c02"));
    s = m.next(status(200), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_REQUIRE(m.results().size() == 2u);
    BOOST_TEST((m.results()[0].result == outcome::updated));
    BOOST_TEST(m.results()[0].detail.find("interrupted") != std::string::npos);
    BOOST_TEST((m.results()[1].result == outcome::updated));
}

BOOST_AUTO_TEST_CASE(verify_reads_each_rewritten_config_back) {
    auto pol = make_policy();
    auto p = params();
    p.verify = true;
    alert_rotation m(p);
    m.start(pol);
    auto s = m.next(page({config("c01", old_key), config("c02", old_key)}), pol);
    s = m.next(status(200), pol);
    BOOST_TEST(s.request.path == "/groups/" + group + "/alertConfigs/c01");
    BOOST_TEST((s.request.method == api_method::get));
    s = m.next(body(config("c01", new_key)), pol);
    BOOST_TEST(is_put_of(s, "c02"));
    s = m.next(status(200), pol);
    // The server still shows the old key after the PUT: a mismatch.
    s = m.next(body(config("c02", old_key)), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST((m.results().at(0).result == outcome::verified));
    BOOST_TEST((m.results().at(1).result == outcome::mismatch));
    BOOST_TEST(!m.all_done());
}

BOOST_AUTO_TEST_CASE(link_sets_the_integration_id_and_drops_the_copy) {
    auto pol = make_policy();
    auto p = params();
    p.rotation.link_integration_id = "5e0000000000000000000001";
    p.verify = true;
    alert_rotation m(p);
    m.start(pol);
    auto s = m.next(page({config("c01", old_key)}), pol);
    BOOST_REQUIRE(is_put_of(s, "c01"));
    auto sent = json::parse(*s.request.body).as_object();
    auto& n0 = sent.at("notifications").as_array()[0].as_object();
    BOOST_TEST(n0.at("integrationId").as_string() == "5e0000000000000000000001");
    BOOST_TEST(!n0.contains("serviceKey"));
    BOOST_TEST(n0.at("notifierId").is_string());
    s = m.next(status(200), pol);
    s = m.next(body(config("c01", new_key, true)), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST((m.results().at(0).result == outcome::verified));
}

BOOST_AUTO_TEST_CASE(a_refused_key_is_fatal) {
    auto pol = make_policy();
    alert_rotation m(params());
    m.start(pol);
    m.next(page({config("c01", old_key)}), pol);
    api_call_result r = status(403, "IP_ADDRESS_NOT_ON_ACCESS_LIST");
    auto s = m.next(r, pol);
    BOOST_TEST((s.kind == item_step::fatal));
    BOOST_TEST((m.results().at(0).result == outcome::failed));
}

BOOST_AUTO_TEST_SUITE_END()
