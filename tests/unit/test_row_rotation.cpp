// Unit tests for row_rotation: the alert half of one apply row around its integration's write
// (is a rotation due, the old secret's journal record, what a resume takes from the checkpoint,
// the row's outcome, `partial` when an alert step failed, and its report rows per config).
#include <boost/test/unit_test.hpp>

#include "cmbulk/alert_catalogue.hpp"
#include "cmbulk/html_report.hpp"
#include "cmbulk/row_rotation.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {

const std::string old_key = "00000000000000000000000000000022";
const std::string new_key = "0000000000000000000000000000beef";
const std::string group = "6f0000010000000000000001";

retry_policy make_policy() {
    retry_policy p;
    p.max_attempts = 3;
    p.rng.seed(3);
    return p;
}

std::string masked(const std::string& k) {
    return mask_notification_value(notification_mask::last_four, k);
}

manifest_row pd_row(const std::string& key) {
    manifest_row r;
    r.line = 2;
    r.project_id = group;
    r.type = "PAGER_DUTY";
    r.fields["serviceKey"] = key;
    return r;
}

json::object integration_as_read(const std::string& key) {
    return json::object{{"type", "PAGER_DUTY"},
                        {"id", "5e0000000000000000000001"},
                        {"serviceKey", masked(key)},
                        {"region", "US"}};
}

api_call_result page_of(std::vector<json::object> configs) {
    api_call_result r;
    r.status = 200;
    json::array results;
    for (auto& c : configs) results.push_back(c);
    r.body = json::object{{"results", results}, {"links", json::array{}}};
    return r;
}

json::object config(std::string id, const std::string& key) {
    return json::object{
        {"id", id},
        {"eventTypeName", "HOST_DOWN"},
        {"enabled", true},
        {"notifications", json::array{json::object{{"typeName", "PAGER_DUTY"},
                                                   {"serviceKey", masked(key)},
                                                   {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa1"}}}}};
}

api_call_result answered(int status, std::string code = {}) {
    api_call_result r;
    r.status = status;
    r.error_code = code;
    r.api_error = parse_api_errc(code);
    r.credential_answered = true;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(row_rotation_suite)

BOOST_AUTO_TEST_CASE(only_update_and_upsert_of_a_copied_secret_rotate) {
    rotation_options ro;
    BOOST_TEST(row_rotation(ro, pd_row(new_key), row_action::update, nullptr).wanted());
    BOOST_TEST(row_rotation(ro, pd_row(new_key), row_action::upsert, nullptr).wanted());
    BOOST_TEST(!row_rotation(ro, pd_row(new_key), row_action::create, nullptr).wanted());
    BOOST_TEST(!row_rotation(ro, pd_row(new_key), row_action::del, nullptr).wanted());
    auto region_only = pd_row(new_key);
    region_only.fields.erase("serviceKey");
    region_only.fields["region"] = "EU";
    BOOST_TEST(!row_rotation(ro, region_only, row_action::update, nullptr).wanted());
    ro.enabled = false;  // --integrations-only
    BOOST_TEST(!row_rotation(ro, pd_row(new_key), row_action::update, nullptr).wanted());
}

BOOST_AUTO_TEST_CASE(the_old_secret_is_recorded_once_before_the_write) {
    rotation_options ro;
    row_rotation rot(ro, pd_row(new_key), row_action::update, nullptr);
    BOOST_TEST(rot.needs_read());
    BOOST_TEST(!rot.old_secret_record().has_value());  // nothing read yet
    rot.on_integration_read(integration_as_read(old_key), true);
    auto rec = rot.old_secret_record();
    BOOST_REQUIRE(rec.has_value());
    BOOST_TEST(rec->secret_last4 == "0022");
    BOOST_TEST(!rot.old_secret_record().has_value());
}

BOOST_AUTO_TEST_CASE(a_rotation_runs_after_the_write_and_a_failed_put_is_partial) {
    rotation_options ro;
    auto pol = make_policy();
    row_rotation rot(ro, pd_row(new_key), row_action::update, nullptr);
    rot.on_integration_read(integration_as_read(old_key), true);
    BOOST_TEST(!rot.start(outcome::failed, pol).has_value());
    auto s = rot.start(outcome::updated, pol);
    BOOST_REQUIRE(s.has_value());
    BOOST_TEST(s->request.path.find("/alertConfigs?") != std::string::npos);
    auto put = rot.next(page_of({config("c1", old_key), config("c2", old_key)}), pol);
    BOOST_TEST(rot.current_step() == "alert:c1");
    BOOST_TEST(put.changes_state);
    put = rot.next(answered(200), pol);
    BOOST_TEST(rot.current_step() == "alert:c2");
    auto end = rot.next(answered(400, "INVALID_JSON"), pol);
    BOOST_TEST((end.kind == item_step::done));
    std::string detail;
    BOOST_TEST((rot.row_outcome(outcome::updated, detail) == outcome::partial));
    BOOST_TEST(detail.find("1 of 2") != std::string::npos);
    BOOST_TEST(detail.find("c2") != std::string::npos);
    auto steps = rot.step_records();
    BOOST_REQUIRE(steps.size() == 2u);
    BOOST_TEST(steps[0].first == "alert:c1");
    BOOST_TEST((steps[0].second.result == outcome::updated));
    BOOST_TEST(steps[0].second.secret_last4 == "beef");
    BOOST_TEST(steps[0].second.detail.find("0022 -> beef") != std::string::npos);
    BOOST_TEST((steps[1].second.result == outcome::failed));
    report_row base;
    base.project_id = group;
    base.type = "PAGER_DUTY";
    auto rows = rot.report_rows(base);
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].target == "alertConfig:c1");
    BOOST_TEST(rows[1].target == "alertConfig:c2");
    BOOST_TEST(rows[1].http_status == 400);
}

// The HTML report's alert section reads the row's detail back (alert_tally_of): the two
// formats are tied here, so a change of one fails this test.
BOOST_AUTO_TEST_CASE(the_html_report_reads_the_row_detail_back) {
    rotation_options ro;
    auto pol = make_policy();
    row_rotation rot(ro, pd_row(new_key), row_action::update, nullptr);
    rot.on_integration_read(integration_as_read(old_key), true);
    rot.start(outcome::updated, pol);
    // Three configs listed, two carried the old key: one PUT lands, one is refused.
    rot.next(page_of({config("c1", old_key), config("c2", old_key), config("c3", new_key)}), pol);
    rot.next(answered(200), pol);
    rot.next(answered(400, "INVALID_JSON"), pol);
    report_row row;
    row.project_id = group;
    row.type = "PAGER_DUTY";
    row.result = rot.row_outcome(outcome::updated, row.detail);
    auto t = alert_tally_of(row);
    BOOST_REQUIRE(t.has_value());
    BOOST_TEST((t->result == outcome::partial));
    BOOST_TEST(t->rewritten == 1u);
    BOOST_TEST(t->failed == 1u);
    BOOST_TEST(t->left == 1u);
    // Alerts not listed, and a row without alerts.
    row.detail = "updated; alert configurations not read: HTTP 500";
    BOOST_TEST(alert_tally_of(row)->not_read);
    row.detail = "";
    BOOST_TEST(!alert_tally_of(row).has_value());
}

BOOST_AUTO_TEST_CASE(all_rewritten_keeps_the_integration_outcome) {
    rotation_options ro;
    auto pol = make_policy();
    row_rotation rot(ro, pd_row(new_key), row_action::update, nullptr);
    rot.on_integration_read(integration_as_read(old_key), true);
    rot.start(outcome::updated, pol);
    rot.next(page_of({config("c1", old_key)}), pol);
    rot.next(answered(200), pol);
    std::string detail;
    BOOST_TEST((rot.row_outcome(outcome::updated, detail) == outcome::updated));
    BOOST_TEST(detail.find("1 of 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_integration_that_already_shows_the_new_secret_needs_no_alert_step) {
    rotation_options ro;
    auto pol = make_policy();
    row_rotation rot(ro, pd_row(new_key), row_action::update, nullptr);
    rot.on_integration_read(integration_as_read(new_key), true);
    BOOST_TEST(!rot.start(outcome::updated, pol).has_value());
    std::string detail;
    BOOST_TEST((rot.row_outcome(outcome::updated, detail) == outcome::updated));
}

// audit --emit-manifest --stale-only: the integration already shows the row's secret, the row's
// fromLast4 names the notifications left behind; they are due, those in step are not, also when
// --skip-unchanged sent nothing for the integration.
BOOST_AUTO_TEST_CASE(from_last4_of_the_row_rotates_the_notifications_left_behind) {
    rotation_options ro;
    auto row = pd_row(new_key);
    row.stale_last4 = {"0022"};
    for (auto integration : {outcome::updated, outcome::unchanged}) {
        BOOST_TEST_CONTEXT(to_string(integration)) {
            row_rotation rot(ro, row, row_action::update, nullptr);
            rot.on_integration_read(integration_as_read(new_key), true);
            auto planned = rot.planned(integration);
            BOOST_REQUIRE(planned.has_value());
            BOOST_TEST(planned->old_visible.empty());  // in step: they show the new secret
            BOOST_TEST(planned->stale_last4 == std::vector<std::string>{"0022"});
            BOOST_TEST(!rot.planned(outcome::failed).has_value());
        }
    }
    // Without fromLast4, --skip-unchanged's unchanged integration starts nothing.
    row_rotation plain(ro, pd_row(new_key), row_action::update, nullptr);
    plain.on_integration_read(integration_as_read(old_key), true);
    BOOST_TEST(!plain.planned(outcome::unchanged).has_value());
}

BOOST_AUTO_TEST_CASE(resume_takes_the_old_secret_and_open_steps_from_the_checkpoint) {
    rotation_options ro;
    auto pol = make_policy();
    journal_row_state prev;
    journal_outcome old;
    old.result = outcome::unchanged;
    old.secret_last4 = "0022";
    prev.steps[std::string(old_secret_step)].last_outcome = old;
    journal_outcome done;
    done.result = outcome::updated;
    done.secret_last4 = "beef";
    prev.steps["alert:c1"].last_outcome = done;
    prev.steps["alert:c2"].intent_open = true;
    row_rotation rot(ro, pd_row(new_key), row_action::update, &prev);
    BOOST_TEST(!rot.needs_read());
    BOOST_TEST(!rot.old_secret_record().has_value());
    // The integration shows the new key already (the write landed before the kill).
    rot.on_integration_read(integration_as_read(new_key), true);
    auto s = rot.start(outcome::updated, pol);
    BOOST_REQUIRE(s.has_value());
    // c1 was done (it shows the new key); c2's PUT may have landed: it is read alone first.
    s = rot.next(page_of({config("c1", new_key), config("c2", old_key)}), pol);
    BOOST_TEST(s->request.path == "/groups/" + group + "/alertConfigs/c2");
    BOOST_TEST((s->request.method == api_method::get));
    auto r = answered(200);
    r.body = config("c2", old_key);
    auto put = rot.next(r, pol);
    BOOST_TEST(put.changes_state);
    auto end = rot.next(answered(200), pol);
    BOOST_TEST((end.kind == item_step::done));
    report_row base;
    auto rows = rot.report_rows(base);
    BOOST_REQUIRE(rows.size() == 2u);  // this run's c2, and the earlier run's c1
    BOOST_TEST(rows[0].target == "alertConfig:c2");
    BOOST_TEST(rows[1].target == "alertConfig:c1");
    BOOST_TEST(rows[1].secret_last4 == "beef");
}

BOOST_AUTO_TEST_CASE(link_needs_the_integration_id) {
    rotation_options ro;
    ro.link = true;
    auto pol = make_policy();
    row_rotation rot(ro, pd_row(new_key), row_action::update, nullptr);
    auto as_read = integration_as_read(old_key);
    as_read.erase("id");  // a v1.0 answer has none
    rot.on_integration_read(as_read, true);
    BOOST_TEST(!rot.start(outcome::updated, pol).has_value());
    std::string detail;
    BOOST_TEST((rot.row_outcome(outcome::updated, detail) == outcome::partial));
    BOOST_TEST(detail.find("--link-alerts") != std::string::npos);

    row_rotation linked(ro, pd_row(new_key), row_action::update, nullptr);
    linked.on_integration_read(integration_as_read(old_key), true);
    BOOST_TEST(linked.start(outcome::updated, pol).has_value());
    auto put = linked.next(page_of({config("c1", old_key)}), pol);
    BOOST_TEST(put.request.body->find("\"integrationId\":\"5e0000000000000000000001\"") !=
               std::string::npos);
    BOOST_TEST(put.request.body->find(new_key) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
