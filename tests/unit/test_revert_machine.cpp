// Unit tests for revert_machine.hpp, stepped by hand without sockets: read, decide, write;
// a created integration deleted only while it shows the run's secret; an updated one put back
// with the supplied old secret, or left `needs-secret` with nothing sent; an interrupted
// put-back found landed counts as done; --plan stops after the decision.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/revert_machine.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {

const std::string old_token = "xoxb-old-0000-1111";
const std::string new_token = "xoxb-new-2222-3333";

json::object slack_as_read(const std::string& token, std::string channel = "#alerts") {
    return json::object{{"type", "SLACK"},
                        {"id", "65aaaaaaaaaaaaaaaaaaaaaa"},
                        {"apiToken", mask_value(token)},
                        {"teamName", "acme"},
                        {"channelName", std::move(channel)}};
}

revert_row row_of(std::string done, std::optional<json::object> before) {
    revert_row r;
    r.ref = journal_row_ref{0, 2, "p1", "SLACK", "create", {}};
    r.change.type = "SLACK";
    r.change.done = std::move(done);
    r.has_before = true;
    r.change.before = std::move(before);
    r.change.sent_last4 = last_four(new_token);
    return r;
}

api_call_result found(const json::object& o) {
    api_call_result r;
    r.status = 200;
    r.body = o;
    return r;
}

api_call_result absent() {
    api_call_result r;
    r.status = 404;
    r.error_code = "INTEGRATION_NOT_CONFIGURED";
    r.api_error = api_errc::integration_not_configured;
    return r;
}

api_call_result answered(int status) {
    api_call_result r;
    r.status = status;
    return r;
}

/// An alert configuration's row: notification 0 rewritten from ...1111 to ...3333.
revert_row alert_row_of(const json::object& before) {
    revert_row r;
    r.ref = journal_row_ref{0, 2, "p1", "SLACK", "update", "alert:64b6c0f2a1b2c3d4e5f60718"};
    r.change.type = "SLACK";
    r.change.done = "rewritten";
    r.has_before = true;
    recorded_alert_change a;
    a.config_id = "64b6c0f2a1b2c3d4e5f60718";
    a.integration_type = "SLACK";
    a.before = before;
    notification_change c;
    c.type_name = "SLACK";
    c.field = "apiToken";
    c.old_last4 = "1111";
    c.new_last4 = "3333";
    c.fields_set = {"apiToken"};
    a.changes = {c};
    r.alert = std::move(a);
    return r;
}

json::object alert_config(const std::string& token) {
    return json::object{
        {"id", "64b6c0f2a1b2c3d4e5f60718"},
        {"eventTypeName", "HOST_DOWN"},
        {"enabled", true},
        {"notifications", json::array{json::object{{"typeName", "SLACK"},
                                                   {"apiToken", mask_value(token)},
                                                   {"channelName", "#ops"},
                                                   {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa1"}}}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(revert_machine_suite)

BOOST_AUTO_TEST_CASE(an_alert_config_is_read_then_put_back_whole) {
    retry_policy policy;
    revert_machine m(alert_row_of(alert_config(old_token)), {{"apiToken", old_token}}, false);
    auto s = m.start(policy);
    BOOST_TEST((s.request.method == api_method::get));
    BOOST_TEST(s.request.path.find("/alertConfigs/64b6c0f2a1b2c3d4e5f60718") != std::string::npos);
    s = m.next(found(alert_config(new_token)), policy);
    BOOST_TEST_REQUIRE(s.kind == item_step::send);
    BOOST_TEST((s.request.method == api_method::put));
    BOOST_TEST(s.changes_state);
    auto body = s.request.body.value_or("");
    BOOST_TEST(body.find(old_token) != std::string::npos);
    BOOST_TEST(body.find("aaaaaaaaaaaaaaaaaaaaaaa1") != std::string::npos);
    BOOST_TEST(body.find("\"id\"") == std::string::npos);
    s = m.next(answered(200), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(m.kind() == "put-back");
    BOOST_TEST((m.result() == outcome::updated));

    // Resumed after its PUT landed: nothing to send.
    revert_machine again(alert_row_of(alert_config(old_token)), {{"apiToken", old_token}}, false);
    again.start(policy);
    s = again.next(found(alert_config(old_token)), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(again.kind() == "nothing");

    // Without the old token: needs-secret, nothing sent.
    revert_machine bare(alert_row_of(alert_config(old_token)), {}, false);
    bare.start(policy);
    s = bare.next(found(alert_config(new_token)), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(bare.error_code() == "NEEDS_SECRET");
}

BOOST_AUTO_TEST_CASE(created_and_still_ours_is_deleted) {
    retry_policy policy;
    revert_machine m(row_of("created", std::nullopt), {}, false);
    auto s = m.start(policy);
    BOOST_TEST(s.kind == item_step::send);
    BOOST_TEST((s.request.method == api_method::get));
    s = m.next(found(slack_as_read(new_token)), policy);
    BOOST_TEST(s.kind == item_step::send);
    BOOST_TEST((s.request.method == api_method::del));
    BOOST_TEST(s.changes_state);
    s = m.next(answered(204), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(m.kind() == "delete");
    BOOST_TEST((m.result() == outcome::deleted));
}

BOOST_AUTO_TEST_CASE(created_then_changed_by_someone_else_is_left_alone) {
    retry_policy policy;
    revert_machine m(row_of("created", std::nullopt), {}, false);
    m.start(policy);
    auto s = m.next(found(slack_as_read("xoxb-theirs-9999-zzzz")), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(m.kind() == "changed-since");
    BOOST_TEST(m.error_code() == "CHANGED_SINCE");
    BOOST_TEST((m.result() == outcome::unchanged));
}

BOOST_AUTO_TEST_CASE(updated_is_put_back_with_the_old_secret) {
    retry_policy policy;
    revert_machine m(row_of("updated", slack_as_read(old_token, "#old")), {{"apiToken", old_token}},
                     false);
    m.start(policy);
    auto s = m.next(found(slack_as_read(new_token, "#new")), policy);
    BOOST_REQUIRE(s.kind == item_step::send);
    BOOST_TEST((s.request.method == api_method::put));
    auto body = json::parse(*s.request.body).as_object();
    BOOST_TEST(body.at("apiToken").as_string() == old_token);
    BOOST_TEST(body.at("channelName").as_string() == "#old");
    BOOST_TEST(!body.contains("id"));
    BOOST_TEST(m.sent_last4() == last_four(old_token));
    s = m.next(answered(200), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST((m.result() == outcome::updated));
}

BOOST_AUTO_TEST_CASE(updated_without_the_old_secret_sends_nothing) {
    retry_policy policy;
    revert_machine m(row_of("updated", slack_as_read(old_token)), {}, false);
    m.start(policy);
    auto s = m.next(found(slack_as_read(new_token)), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(m.kind() == "needs-secret");
    BOOST_TEST((m.result() == outcome::failed));
    BOOST_TEST(m.detail().find(old_token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_put_back_that_landed_before_a_kill_is_done) {
    retry_policy policy;
    revert_machine m(row_of("updated", slack_as_read(old_token, "#old")), {{"apiToken", old_token}},
                     false);
    m.start(policy);
    auto s = m.next(found(slack_as_read(old_token, "#old")), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(m.kind() == "nothing");
    BOOST_TEST(m.error_code().empty());
}

BOOST_AUTO_TEST_CASE(old_checkpoint_without_a_before_image) {
    retry_policy policy;
    auto row = row_of("deleted", std::nullopt);
    row.has_before = false;
    revert_machine m(row, {}, false);
    m.start(policy);
    auto s = m.next(absent(), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(m.kind() == std::string(no_before_image));
    BOOST_TEST(m.error_code() == "NO_BEFORE_IMAGE");
}

BOOST_AUTO_TEST_CASE(plan_only_stops_after_the_decision) {
    retry_policy policy;
    revert_machine m(row_of("deleted", slack_as_read(old_token)), {{"apiToken", old_token}}, true);
    m.start(policy);
    auto s = m.next(absent(), policy);
    BOOST_TEST(s.kind == item_step::done);
    BOOST_TEST(m.kind() == "recreate");
    BOOST_TEST((m.result() == outcome::not_run));
}

BOOST_AUTO_TEST_SUITE_END()
