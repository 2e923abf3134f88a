// Unit tests of the alert configurations' before-images in the checkpoint (issue 17): a `before`
// record of an alert step carries the configuration as read (masked) and what the rewrite
// changed ("w"); replay keeps the first; a checkpoint of an older cmbulk, with alert steps but
// no such records, still replays.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/alert_rewrite.hpp"
#include "cmbulk/catalogue.hpp"
#include "cmbulk/journal.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
namespace json = boost::json;
using cmbulk::test::temp_dir;

namespace {

const std::string step = "alert:64b6c0f2a1b2c3d4e5f60718";

journal_header header() {
    journal_header h;
    h.tool_version = "1.0.0";
    h.manifest_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    h.action = "update";
    h.flavor = "cloud-manager";
    h.base_url = "http://127.0.0.1:8080";
    return h;
}

journal_row_ref alert_ref() {
    return {0, 2, "5e2211c17a3e5a48f5497de3", "PAGER_DUTY", "update", step};
}

json::object config(const std::string& key) {
    return json::object{
        {"id", "64b6c0f2a1b2c3d4e5f60718"},
        {"eventTypeName", "HOST_DOWN"},
        {"enabled", true},
        {"notifications",
         json::array{json::object{{"typeName", "PAGER_DUTY"},
                                  {"serviceKey", key},
                                  {"notifierId", "aaaaaaaaaaaaaaaaaaaaaaa1"}},
                     json::object{{"typeName", "EMAIL"}, {"emailAddress", "ops@example.com"}}}}};
}

std::vector<notification_change> changes() {
    notification_change c;
    c.index = 0;
    c.type_name = "PAGER_DUTY";
    c.field = "serviceKey";
    c.old_last4 = "0022";
    c.new_last4 = "beef";
    c.fields_set = {"serviceKey"};
    return {c};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(journal_alert_before_suite)

BOOST_AUTO_TEST_CASE(an_alert_steps_before_image_and_changes_replay) {
    temp_dir dir;
    auto p = dir.path() / "run.checkpoint.jsonl";
    diagnostics diag;
    auto jw = journal_writer::create(p, header(), diag);
    BOOST_TEST_REQUIRE(jw.has_value(), to_string(diag));
    auto first = masked_alert_config(config("00000000000000000000000000000022"));
    auto wrote = changes_to_json(changes());
    BOOST_TEST_REQUIRE((*jw)->write_before(alert_ref(), &first, &wrote).has_value());
    BOOST_TEST_REQUIRE((*jw)->write_intent(alert_ref(), "PUT").has_value());
    // A resume's second before record (of a later read) does not replace the first.
    auto later = config("****************************beef");
    BOOST_TEST_REQUIRE((*jw)->write_before(alert_ref(), &later, nullptr).has_value());
    (*jw)->close();
    auto text = cmbulk::test::read_file(p);
    BOOST_TEST(text.find("00000000000000000000000000000022") == std::string::npos);
    auto r = replay_journal(p, diag);
    BOOST_TEST_REQUIRE(r.has_value(), to_string(diag));
    auto& st = r->rows.at(0).steps.at(step);
    BOOST_TEST(st.has_before);
    BOOST_TEST(st.intent_open);
    BOOST_TEST_REQUIRE(st.before.has_value());
    BOOST_TEST(json::serialize(*st.before) == json::serialize(first));
    auto back = changes_from_json(st.wrote);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST_REQUIRE(back->size() == 1u);
    BOOST_TEST((*back)[0].field == "serviceKey");
    BOOST_TEST((*back)[0].old_last4 == "0022");
    BOOST_TEST((*back)[0].new_last4 == "beef");
    BOOST_TEST((*back)[0].fields_set == std::vector<std::string>{"serviceKey"});
    BOOST_TEST(!r->rows.at(0).has_before);  // the row's own record is apart from its steps
}

BOOST_AUTO_TEST_CASE(masked_alert_config_never_keeps_a_secret_in_clear) {
    auto m = masked_alert_config(config("00000000000000000000000000000022"));
    auto& n = m.at("notifications").as_array();
    auto key = std::string(n[0].at("serviceKey").as_string());
    BOOST_TEST(key.find("0000000000") == std::string::npos);
    BOOST_TEST(key.ends_with("0022"));
    BOOST_TEST(n[1].at("emailAddress").as_string() == "ops@example.com");
    BOOST_TEST(n[0].at("notifierId").as_string() == "aaaaaaaaaaaaaaaaaaaaaaa1");
    // Already masked: kept as the server showed it.
    auto again = masked_alert_config(m);
    BOOST_TEST(json::serialize(again) == json::serialize(m));
    BOOST_TEST(!changes_from_json(json::value("not changes")).has_value());
}

BOOST_AUTO_TEST_CASE(an_older_checkpoint_with_alert_steps_still_replays) {
    diagnostics diag;
    auto path = cmbulk::test::source_dir() / "tests" / "data" / "journals" /
                "alert_steps_without_before.jsonl";
    auto r = replay_journal(path, diag);
    BOOST_TEST_REQUIRE(r.has_value(), to_string(diag));
    auto& row = r->rows.at(0);
    BOOST_TEST(row.has_before);
    auto& st = row.steps.at(step);
    BOOST_TEST(!st.has_before);
    BOOST_TEST(st.wrote.is_null());
    BOOST_TEST(!changes_from_json(st.wrote).has_value());
    BOOST_TEST((st.last_outcome->result == outcome::updated));
}

BOOST_AUTO_TEST_SUITE_END()
