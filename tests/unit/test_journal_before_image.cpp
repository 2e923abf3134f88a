// Unit tests for the before-images of issue 17 in the checkpoint journal. An integration's: the
// one an intent record carries (the current format), the separate `before` record of the
// previous format, and the rules replay keeps for both (the first image of a row wins; null
// means absent; an intent without one leaves the row without one). An alert configuration's: a
// `before` record of its step carries the configuration as read (masked) and what the rewrite
// changed ("w"); replay keeps the first; a checkpoint of an older cmbulk, with alert steps but no
// such records, still replays.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/alert_rewrite.hpp"
#include "cmbulk/catalogue.hpp"
#include "cmbulk/journal.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
namespace json = boost::json;
using cmbulk::test::read_file;
using cmbulk::test::temp_dir;
using cmbulk::test::write_file;

namespace {

journal_header sample_header() {
    journal_header h;
    h.tool_version = "0.1.0";
    h.manifest_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    h.action = "update";
    h.flavor = "cloud-manager";
    h.base_url = "http://127.0.0.1:8080";
    return h;
}

/// A new journal at `p` with sample_header().
std::unique_ptr<journal_writer> new_journal(const std::filesystem::path& p) {
    diagnostics err;
    auto w = journal_writer::create(p, sample_header(), err);
    BOOST_TEST_REQUIRE(w.has_value(), to_string(err));
    return std::move(*w);
}

journal_row_ref ref(std::uint64_t row) {
    return {row, row + 2, "5e2211c17a3e5a48f5497de3", "SLACK", "update"};
}

const journal_row_state* row_of(const journal_replay& r, std::uint64_t row) {
    for (auto& s : r.rows)
        if (s.row == row) return &s;
    return nullptr;
}

journal_replay replay(const std::filesystem::path& p) {
    diagnostics err;
    auto r = replay_journal(p, err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    return std::move(*r);
}

const boost::json::object masked_slack = {
    {"type", "SLACK"}, {"apiToken", "****3333"}, {"channelName", "#ops"}};

const std::string step = "alert:64b6c0f2a1b2c3d4e5f60718";

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

BOOST_AUTO_TEST_SUITE(journal_before_image_suite)

BOOST_AUTO_TEST_CASE(an_intent_carries_the_image_and_replay_keeps_it) {
    temp_dir dir;
    auto p = dir.path() / "run.ck";
    auto w = new_journal(p);
    BOOST_REQUIRE(w->write_intent(ref(0), "PUT", {true, &masked_slack}));
    BOOST_REQUIRE(w->write_intent(ref(1), "POST", {true, nullptr}));
    BOOST_REQUIRE(w->write_intent(ref(2), "PUT"));
    w->close();

    auto text = read_file(p);
    // One record per request: no separate `before` record is written any more.
    BOOST_TEST(text.find("\"k\":\"before\"") == std::string::npos);
    BOOST_TEST(text.find("\"m\":\"PUT\",\"b\":{") != std::string::npos);
    BOOST_TEST(text.find("\"m\":\"POST\",\"b\":null") != std::string::npos);

    auto r = replay(p);
    BOOST_TEST(r.records == 3u);
    auto* updated = row_of(r, 0);
    BOOST_REQUIRE(updated);
    BOOST_TEST(updated->intent_open);
    BOOST_TEST(updated->has_before);
    BOOST_REQUIRE(updated->before.has_value());
    BOOST_TEST(boost::json::serialize(*updated->before) == boost::json::serialize(masked_slack));

    auto* created = row_of(r, 1);
    BOOST_REQUIRE(created);
    BOOST_TEST(created->has_before);  // absent before the run: recorded as such
    BOOST_TEST(!created->before.has_value());

    auto* without = row_of(r, 2);
    BOOST_REQUIRE(without);
    BOOST_TEST(without->intent_open);
    BOOST_TEST(!without->has_before);
}

BOOST_AUTO_TEST_CASE(the_first_image_of_a_row_wins_over_a_resumed_runs) {
    temp_dir dir;
    auto p = dir.path() / "run.ck";
    auto w = new_journal(p);
    BOOST_REQUIRE(w->write_intent(ref(0), "PUT", {true, &masked_slack}));
    // A resumed run reads the integration again: by now it may show the new secret.
    const boost::json::object later = {{"type", "SLACK"}, {"apiToken", "****9999"}};
    BOOST_REQUIRE(w->write_intent(ref(0), "PUT", {true, &later}));
    w->close();
    auto r = replay(p);
    auto* s = row_of(r, 0);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->intents == 2u);
    BOOST_REQUIRE(s->before.has_value());
    BOOST_TEST(s->before->at("apiToken").as_string() == "****3333");
}

BOOST_AUTO_TEST_CASE(the_previous_formats_before_record_still_replays) {
    temp_dir dir;
    auto p = dir.path() / "old.ck";
    std::string text = journal_header_line(sample_header()) + "\n";
    text += journal_before_line(ref(0), &masked_slack) + "\n";
    text += journal_intent_line(ref(0), "PUT") + "\n";
    text += journal_before_line(ref(1), nullptr) + "\n";
    text += journal_intent_line(ref(1), "POST") + "\n";
    write_file(p, text);
    auto r = replay(p);
    auto* updated = row_of(r, 0);
    BOOST_REQUIRE(updated);
    BOOST_TEST(updated->has_before);
    BOOST_REQUIRE(updated->before.has_value());
    BOOST_TEST(updated->before->at("apiToken").as_string() == "****3333");
    auto* created = row_of(r, 1);
    BOOST_REQUIRE(created);
    BOOST_TEST(created->has_before);
    BOOST_TEST(!created->before.has_value());
}

BOOST_AUTO_TEST_CASE(an_intent_whose_image_is_not_an_object_is_refused_with_its_line) {
    temp_dir dir;
    auto p = dir.path() / "bad.ck";
    std::string text = journal_header_line(sample_header()) + "\n";
    text +=
        R"({"k":"intent","row":0,"line":2,"p":"5e2211c17a3e5a48f5497de3","t":"SLACK","m":"PUT","b":7})"
        "\n";
    text += journal_intent_line(ref(1), "PUT") + "\n";  // not the last line: not a torn tail
    write_file(p, text);
    diagnostics err;
    auto r = replay_journal(p, err);
    BOOST_TEST(!r.has_value());
    auto message = to_string(err);
    BOOST_TEST(message.find(":2:") != std::string::npos, message);
    BOOST_TEST(message.find("\"b\" must be an object or null") != std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(journal_alert_before_suite)

BOOST_AUTO_TEST_CASE(an_alert_steps_before_image_and_changes_replay) {
    temp_dir dir;
    auto p = dir.path() / "run.checkpoint.jsonl";
    diagnostics diag;
    auto jw = new_journal(p);
    auto first = masked_alert_config(config("00000000000000000000000000000022"));
    auto wrote = changes_to_json(changes());
    BOOST_TEST_REQUIRE(jw->write_before(alert_ref(), &first, &wrote).has_value());
    BOOST_TEST_REQUIRE(jw->write_intent(alert_ref(), "PUT").has_value());
    // A resume's second before record (of a later read) does not replace the first.
    auto later = config("****************************beef");
    BOOST_TEST_REQUIRE(jw->write_before(alert_ref(), &later, nullptr).has_value());
    jw->close();
    auto text = read_file(p);
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
