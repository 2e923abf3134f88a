// Unit tests for the checkpoint journal: replay of hand-made journals in tests/data/journals/
// (open intents, last outcome wins, torn tails repaired, bad headers and garbage in the middle
// refused with file:line), writer round trips, appending after a repair, a 100k-row journal,
// no secret on disk, and header comparison for --resume.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "cmbulk/journal.hpp"
#include "cmbulk/runner.hpp"  // journal_report_row
#include "common/test_support.hpp"

using namespace cmbulk;
using cmbulk::test::read_file;
using cmbulk::test::temp_dir;
using cmbulk::test::write_file;

namespace {

std::filesystem::path data(const std::string& name) {
    return cmbulk::test::source_dir() / "tests" / "data" / "journals" / name;
}

journal_header sample_header() {
    journal_header h;
    h.tool_version = "0.1.0";
    h.manifest_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    h.action = "create";
    h.flavor = "cloud-manager";
    h.base_url = "http://127.0.0.1:8080";
    h.options = {{"type", "SLACK"}, {"set.teamName", "ops"}};
    return h;
}

journal_row_ref ref(std::uint64_t row, std::string project = "5e2211c17a3e5a48f5497de3") {
    return {row, row + 2, std::move(project), "SLACK", "create"};
}

/// Replays a file that must fail; returns the message.
std::string replay_error(const std::filesystem::path& p) {
    diagnostics err;
    auto r = replay_journal(p, err);
    BOOST_TEST(!r.has_value());
    return to_string(err);
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(journal_suite)

BOOST_AUTO_TEST_CASE(replays_intent_only_rows_as_open) {
    diagnostics err;
    auto r = replay_journal(data("intent_only.jsonl"), err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(r->header.format_version == 1);
    BOOST_TEST(r->header.action == "create");
    BOOST_TEST(r->header.flavor == "cloud-manager");
    BOOST_TEST(r->header.base_url == "http://127.0.0.1:8080");
    BOOST_TEST(r->header.options.at("type") == "SLACK");
    BOOST_TEST(r->header.created_at == "2026-11-28T12:00:00Z");
    BOOST_TEST(r->records == 2u);
    BOOST_TEST(!r->torn_tail_repaired);
    BOOST_REQUIRE(r->rows.size() == 2u);
    for (auto& s : r->rows) {
        BOOST_TEST(s.intent_open);
        BOOST_TEST(s.intent_method == "POST");
        BOOST_TEST(!s.last_outcome.has_value());
    }
    BOOST_TEST(r->find(1)->project_id == "5e2211c17a3e5a48f5497de4");
    BOOST_TEST(r->find(1)->line == 3u);
    BOOST_TEST(r->find(2) == nullptr);
}

BOOST_AUTO_TEST_CASE(replays_intent_then_outcome) {
    diagnostics err;
    auto r = replay_journal(data("intent_then_outcome.jsonl"), err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(r->records == 4u);
    auto* a = r->find(0);
    BOOST_REQUIRE(a);
    BOOST_TEST(!a->intent_open);
    BOOST_REQUIRE(a->last_outcome.has_value());
    BOOST_TEST((a->last_outcome->result == outcome::created));
    BOOST_TEST(a->last_outcome->http_status == 200);
    BOOST_TEST(a->last_outcome->attempts == 1);
    BOOST_TEST(a->last_outcome->duration_ms == 15);
    BOOST_TEST(a->last_outcome->secret_last4 == "7890");
    auto* b = r->find(1);
    BOOST_REQUIRE(b && b->last_outcome);
    BOOST_TEST((b->last_outcome->result == outcome::failed));
    BOOST_TEST(b->last_outcome->error_code == "VALIDATION_ERROR");
    BOOST_TEST(b->last_outcome->detail == "Invalid \"teamName\", see docs");
}

BOOST_AUTO_TEST_CASE(last_outcome_wins) {
    diagnostics err;
    auto r = replay_journal(data("several_outcomes.jsonl"), err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    auto* a = r->find(0);
    BOOST_REQUIRE(a && a->last_outcome);
    BOOST_TEST((a->last_outcome->result == outcome::created));  // failed first, then created
    BOOST_TEST(a->last_outcome->error_code.empty());
    BOOST_TEST(a->intents == 2u);
    BOOST_TEST(!a->intent_open);
    auto* b = r->find(1);
    BOOST_REQUIRE(b && b->last_outcome);
    BOOST_TEST((b->last_outcome->result == outcome::exists));
    BOOST_TEST(b->last_outcome->http_status == 409);
}

BOOST_AUTO_TEST_CASE(torn_tail_is_dropped_and_reported) {
    for (auto name : {"torn_tail.jsonl", "torn_tail_nul.jsonl", "torn_last_line_garbage.jsonl"}) {
        BOOST_TEST_CONTEXT(name) {
            diagnostics err;
            auto r = replay_journal(data(name), err);
            BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
            BOOST_TEST(r->torn_tail_repaired);
            BOOST_TEST(r->valid_bytes < std::filesystem::file_size(data(name)));
            BOOST_TEST((r->find(0)->last_outcome->result == outcome::created));
        }
    }
    diagnostics err;
    auto r = replay_journal(data("torn_tail.jsonl"), err);
    BOOST_REQUIRE(r.has_value());
    // The row whose outcome was torn off is back to "intent without outcome": resolve it by a read.
    BOOST_TEST(r->find(1)->intent_open);
    BOOST_TEST(!r->find(1)->last_outcome.has_value());
    BOOST_TEST(r->records == 3u);
}

BOOST_AUTO_TEST_CASE(torn_tail_repaired_then_appending_works) {
    temp_dir d;
    auto p = d / "j.jsonl";
    std::filesystem::copy_file(data("torn_tail.jsonl"), p);
    diagnostics err;
    journal_replay replay;
    auto w = journal_writer::open_append(p, err, &replay);
    BOOST_REQUIRE_MESSAGE(w.has_value(), to_string(err));
    BOOST_TEST(replay.torn_tail_repaired);
    // The torn bytes are gone before anything is appended.
    BOOST_TEST(std::filesystem::file_size(p) == replay.valid_bytes);
    journal_outcome o;
    o.result = outcome::created;
    o.http_status = 200;
    o.attempts = 2;
    BOOST_REQUIRE((*w)->write_outcome(ref(1, "5e2211c17a3e5a48f5497de4"), o).has_value());
    (*w)->close();
    auto r = replay_journal(p, err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(!r->torn_tail_repaired);
    BOOST_TEST(r->records == 4u);
    BOOST_TEST(!r->find(1)->intent_open);
    BOOST_TEST(r->find(1)->last_outcome->attempts == 2);
    // The file is whole lines only.
    auto text = read_file(p);
    BOOST_TEST(text.back() == '\n');
    BOOST_TEST(!contains(text, "\"p\":\"5e2\n"));
}

BOOST_AUTO_TEST_CASE(only_the_last_line_may_be_torn) {
    temp_dir d;
    const std::string header = journal_header_line(sample_header()) + "\n";
    const std::string good = journal_intent_line(ref(0), "POST") + "\n";
    diagnostics err;
    // A bad complete line followed by a partial one: two bad lines cannot come from one torn
    // write, so this is refused, naming the complete one.
    write_file(d / "two.jsonl", header + good + "{\"k\":\"outc\n{\"k\":\"in");
    BOOST_TEST(contains(replay_error(d / "two.jsonl"), "two.jsonl:3:"));
    // A header followed by a torn first record: valid, nothing recorded yet.
    write_file(d / "h.jsonl", header + "{\"k\":\"intent\",\"ro");
    auto r = replay_journal(d / "h.jsonl", err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(r->torn_tail_repaired);
    BOOST_TEST(r->rows.empty());
    BOOST_TEST(r->valid_bytes == header.size());
    // A well-formed but senseless last record is not a torn write: refused.
    write_file(d / "sense.jsonl",
               header + good +
                   "{\"k\":\"outcome\",\"row\":0,\"p\":\"x\",\"t\":\"SLACK\",\"o\":\"won\"}\n");
    BOOST_TEST(contains(replay_error(d / "sense.jsonl"), "sense.jsonl:3:"));
    // A negative row index is refused.
    write_file(d / "neg.jsonl",
               header +
                   "{\"k\":\"intent\",\"row\":-1,\"p\":\"x\",\"t\":\"SLACK\",\"m\":\"POST\"}\n" +
                   good);
    BOOST_TEST(contains(replay_error(d / "neg.jsonl"), "neg.jsonl:2:"));
}

BOOST_AUTO_TEST_CASE(records_reach_the_file_before_the_fsync_interval) {
    temp_dir d;
    auto p = d / "j.jsonl";
    diagnostics err;
    auto w = journal_writer::create(p, sample_header(), err, std::chrono::hours(1));
    BOOST_REQUIRE(w.has_value());
    BOOST_REQUIRE((*w)->write_intent(ref(4), "PUT").has_value());
    BOOST_TEST((*w)->dirty());        // written, not yet fsynced
    auto r = replay_journal(p, err);  // another reader sees it at once
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(r->find(4)->intent_open);
    BOOST_REQUIRE((*w)->sync().has_value());
    BOOST_TEST(!(*w)->dirty());
}

BOOST_AUTO_TEST_CASE(truncated_header_is_an_error_naming_line_1) {
    auto err = replay_error(data("truncated_header.jsonl"));
    BOOST_TEST(contains(err, "truncated_header.jsonl:1:"), err);
    BOOST_TEST(contains(err, "header"), err);
    // And open_append refuses it too, leaving the file as it was.
    temp_dir d;
    auto p = d / "j.jsonl";
    std::filesystem::copy_file(data("truncated_header.jsonl"), p);
    diagnostics e2;
    BOOST_TEST(!journal_writer::open_append(p, e2).has_value());
    BOOST_TEST(contains(to_string(e2), ":1:"));
    BOOST_TEST(read_file(p) == read_file(data("truncated_header.jsonl")));
}

BOOST_AUTO_TEST_CASE(bad_headers_are_errors_naming_line_1) {
    for (auto name : {"bad_header.jsonl", "header_not_object.jsonl", "unknown_version.jsonl"}) {
        BOOST_TEST_CONTEXT(name) {
            auto err = replay_error(data(name));
            BOOST_TEST(contains(err, std::string(name) + ":1:"), err);
        }
    }
    BOOST_TEST(contains(replay_error(data("unknown_version.jsonl")), "version 2"));
}

BOOST_AUTO_TEST_CASE(garbage_in_the_middle_is_an_error_naming_the_line) {
    auto err = replay_error(data("garbage_middle.jsonl"));
    BOOST_TEST(contains(err, "garbage_middle.jsonl:4:"), err);
    err = replay_error(data("unknown_kind_middle.jsonl"));
    BOOST_TEST(contains(err, "unknown_kind_middle.jsonl:3:"), err);
    BOOST_TEST(contains(err, "start"), err);
    err = replay_error(data("row_identity_mismatch.jsonl"));
    BOOST_TEST(contains(err, "row_identity_mismatch.jsonl:3:"), err);
    // open_append refuses too and does not touch the file.
    temp_dir d;
    auto p = d / "j.jsonl";
    std::filesystem::copy_file(data("garbage_middle.jsonl"), p);
    diagnostics e2;
    BOOST_TEST(!journal_writer::open_append(p, e2).has_value());
    BOOST_TEST(read_file(p) == read_file(data("garbage_middle.jsonl")));
}

BOOST_AUTO_TEST_CASE(empty_file_and_missing_file) {
    auto err = replay_error(data("empty.jsonl"));
    BOOST_TEST(contains(err, "empty.jsonl:1:"), err);
    err = replay_error(data("no_such_journal.jsonl"));
    BOOST_TEST(contains(err, "no_such_journal.jsonl"), err);
    // A journal holding just its header is valid and empty.
    diagnostics e2;
    auto r = replay_journal(data("header_only.jsonl"), e2);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(e2));
    BOOST_TEST(r->rows.empty());
    BOOST_TEST(r->records == 0u);
}

BOOST_AUTO_TEST_CASE(writer_round_trip) {
    temp_dir d;
    auto p = d / "checkpoint.jsonl";
    diagnostics err;
    auto w = journal_writer::create(p, sample_header(), err, std::chrono::milliseconds(0));
    BOOST_REQUIRE_MESSAGE(w.has_value(), to_string(err));
    BOOST_TEST(std::filesystem::exists(p));
    // Records reach the file (the OS) as soon as they are written, before close.
    BOOST_REQUIRE((*w)->write_intent(ref(0), "POST").has_value());
    auto mid = replay_journal(p, err);
    BOOST_REQUIRE_MESSAGE(mid.has_value(), to_string(err));
    BOOST_TEST(mid->find(0)->intent_open);
    journal_outcome o;
    o.result = outcome::failed;
    o.http_status = 503;
    o.error_code = "SERVICE_UNAVAILABLE";
    o.detail = "line one\nline \"two\", with comma";
    o.attempts = 5;
    o.duration_ms = 4321;
    o.secret_last4 = "abcd";
    BOOST_REQUIRE((*w)->write_outcome(ref(0), o).has_value());
    BOOST_REQUIRE((*w)->write_intent(ref(7, "5e2211c17a3e5a48f5497de9"), "DELETE").has_value());
    BOOST_TEST((*w)->records_written() == 3u);
    BOOST_REQUIRE((*w)->sync().has_value());
    w->reset();  // destructor closes

    auto r = replay_journal(p, err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(compare_headers(r->header, sample_header()).empty());
    BOOST_TEST(!r->header.created_at.empty());
    BOOST_TEST(r->header.options.at("set.teamName") == "ops");
    auto* a = r->find(0);
    BOOST_REQUIRE(a && a->last_outcome);
    BOOST_TEST(a->line == 2u);
    BOOST_TEST((a->last_outcome->result == outcome::failed));
    BOOST_TEST(a->last_outcome->http_status == 503);
    BOOST_TEST(a->last_outcome->error_code == "SERVICE_UNAVAILABLE");
    BOOST_TEST(a->last_outcome->detail == o.detail);
    BOOST_TEST(a->last_outcome->attempts == 5);
    BOOST_TEST(a->last_outcome->duration_ms == 4321);
    BOOST_TEST(a->last_outcome->secret_last4 == "abcd");
    auto* b = r->find(7);
    BOOST_REQUIRE(b);
    BOOST_TEST(b->intent_open);
    BOOST_TEST(b->intent_method == "DELETE");
    // Every line is one JSON object; no temp file is left next to the journal.
    auto text = read_file(p);
    BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 4);
    for (auto& e : std::filesystem::directory_iterator(d.path()))
        BOOST_TEST(e.path().filename() == "checkpoint.jsonl");
}

BOOST_AUTO_TEST_CASE(create_replaces_atomically_and_writes_after_close_fail) {
    temp_dir d;
    auto p = d / "j.jsonl";
    write_file(p, "old content\n");
    diagnostics err;
    auto w = journal_writer::create(p, sample_header(), err);
    BOOST_REQUIRE_MESSAGE(w.has_value(), to_string(err));
    BOOST_TEST(read_file(p).rfind("{\"cmbulkJournal\":1,", 0) == 0u);
    (*w)->close();
    BOOST_TEST(!(*w)->write_intent(ref(0), "POST").has_value());
    auto bad = journal_writer::create(d / "missing-dir" / "j.jsonl", sample_header(), err);
    BOOST_TEST(!bad.has_value());
    BOOST_TEST(contains(to_string(err), "missing-dir"));
}

BOOST_AUTO_TEST_CASE(appending_to_a_clean_journal_keeps_everything) {
    temp_dir d;
    auto p = d / "j.jsonl";
    std::filesystem::copy_file(data("several_outcomes.jsonl"), p);
    auto before = read_file(p);
    diagnostics err;
    journal_replay replay;
    auto w = journal_writer::open_append(p, err, &replay);
    BOOST_REQUIRE_MESSAGE(w.has_value(), to_string(err));
    BOOST_TEST(!replay.torn_tail_repaired);
    BOOST_TEST(replay.records == 7u);
    BOOST_REQUIRE((*w)->write_intent(ref(2, "5e2211c17a3e5a48f5497de5"), "POST").has_value());
    (*w)->close();
    auto after = read_file(p);
    BOOST_TEST(after.substr(0, before.size()) == before);
    auto r = replay_journal(p, err);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->records == 8u);
    BOOST_TEST(r->find(2)->intent_open);
}

BOOST_AUTO_TEST_CASE(no_secret_reaches_the_journal) {
    // The writer's API has no field for a secret; the only secret-derived field is clipped to
    // four characters even when a caller passes the whole secret by mistake.
    temp_dir d;
    auto p = d / "j.jsonl";
    diagnostics err;
    auto w = journal_writer::create(p, sample_header(), err);
    BOOST_REQUIRE(w.has_value());
    const std::string secret = "xoxb-123456789012-SECRETSECRET-wxyz";
    journal_outcome o;
    o.result = outcome::created;
    o.secret_last4 = secret;
    BOOST_REQUIRE((*w)->write_intent(ref(0), "POST").has_value());
    BOOST_REQUIRE((*w)->write_outcome(ref(0), o).has_value());
    (*w)->close();
    auto text = read_file(p);
    BOOST_TEST(!contains(text, "SECRET"));
    BOOST_TEST(!contains(text, "123456789012"));
    BOOST_TEST(contains(text, "\"l4\":\"wxyz\""));
    auto r = replay_journal(p, err);
    BOOST_TEST(r->find(0)->last_outcome->secret_last4 == "wxyz");
    // The same holds for a hand-edited journal: replay never hands out more than four.
    BOOST_TEST(journal_outcome_line(ref(0), o).find("SECRET") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(hundred_thousand_rows_replay) {
    temp_dir d;
    auto p = d / "big.jsonl";
    diagnostics err;
    auto w = journal_writer::create(p, sample_header(), err);
    BOOST_REQUIRE(w.has_value());
    journal_outcome o;
    o.result = outcome::created;
    o.http_status = 200;
    o.attempts = 1;
    o.duration_ms = 12;
    o.secret_last4 = "7890";
    const std::uint64_t n = 100000;
    for (std::uint64_t i = 0; i < n; ++i) {
        auto r = ref(i, "5e2211c17a3e5a48f" + std::to_string(1000000 + i));
        BOOST_REQUIRE((*w)->write_intent(r, "POST").has_value());
        BOOST_REQUIRE((*w)->write_outcome(r, o).has_value());
    }
    (*w)->close();
    auto started = std::chrono::steady_clock::now();
    auto r = replay_journal(p, err);
    auto took = std::chrono::steady_clock::now() - started;
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST_MESSAGE("replayed "
                       << r->records << " records in "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                       << " ms");
    BOOST_TEST(r->records == 2 * n);
    BOOST_TEST(r->rows.size() == n);
    BOOST_TEST(!r->torn_tail_repaired);
    std::uint64_t done = 0;
    for (auto& s : r->rows)
        done += s.last_outcome && s.last_outcome->result == outcome::created && !s.intent_open;
    BOOST_TEST(done == n);
    BOOST_TEST(r->find(n - 1)->line == n + 1);
}

BOOST_AUTO_TEST_CASE(compare_headers_says_what_differs) {
    auto a = sample_header();
    BOOST_TEST(compare_headers(a, a).empty());
    auto b = a;
    b.tool_version = "0.2.0";
    b.created_at = "2030-01-01T00:00:00Z";
    BOOST_TEST(compare_headers(a, b).empty());  // a newer tool may resume

    b = a;
    b.manifest_sha256 = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
    auto diff = compare_headers(a, b);
    BOOST_REQUIRE(diff.size() == 1u);
    BOOST_TEST(diff[0] == "manifest changed (sha256 9f86d081884c... vs 2c26b46b68ff...)");

    b = a;
    b.action = "update";
    b.base_url = "https://cloud.mongodb.com";
    b.flavor = "atlas";
    diff = compare_headers(a, b);
    BOOST_REQUIRE(diff.size() == 3u);
    BOOST_TEST(diff[0] == "action differs: create vs update");
    BOOST_TEST(diff[1] == "flavor differs: cloud-manager vs atlas");
    BOOST_TEST(diff[2] == "base URL differs: http://127.0.0.1:8080 vs https://cloud.mongodb.com");

    b = a;
    b.options["type"] = "WEBHOOK";
    b.options.erase("set.teamName");
    b.options["set.channelName"] = "alerts";
    diff = compare_headers(a, b);
    BOOST_REQUIRE(diff.size() == 3u);
    BOOST_TEST(diff[0] == "option set.channelName was not set, now alerts");
    BOOST_TEST(diff[1] == "option set.teamName was ops, now not set");
    BOOST_TEST(diff[2] == "option type differs: SLACK vs WEBHOOK");
}

BOOST_AUTO_TEST_CASE(report_rows_from_a_journal) {
    diagnostics err;
    auto r = replay_journal(data("intent_then_outcome.jsonl"), err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    auto a = journal_report_row(*r->find(0));
    BOOST_TEST((a.result == outcome::created));
    BOOST_TEST(a.project_id == "5e2211c17a3e5a48f5497de3");
    BOOST_TEST(a.line == 2u);
    BOOST_TEST(a.secret_last4 == "7890");
    BOOST_TEST(a.http_status == 200);
    auto b = journal_report_row(*r->find(1));
    BOOST_TEST((b.result == outcome::failed));
    BOOST_TEST(b.error_code == "VALIDATION_ERROR");
    // An open intent is not a success, whatever came before it.
    auto open = replay_journal(data("torn_tail.jsonl"), err);
    BOOST_REQUIRE(open.has_value());
    auto c = journal_report_row(*open->find(1));
    BOOST_TEST((c.result == outcome::not_run));
    BOOST_TEST(c.detail.find("POST") != std::string::npos);
    BOOST_TEST(c.line == 3u);
}

BOOST_AUTO_TEST_CASE(record_lines_are_compact_json) {
    auto line = journal_intent_line(ref(3), "PUT");
    auto v = boost::json::parse(line).as_object();
    BOOST_TEST(v.at("k").as_string() == "intent");
    BOOST_TEST(v.at("row").to_number<int>() == 3);
    BOOST_TEST(v.at("line").to_number<int>() == 5);
    BOOST_TEST(v.at("m").as_string() == "PUT");
    journal_outcome o;
    o.result = outcome::not_run;
    auto out = boost::json::parse(journal_outcome_line(ref(3), o)).as_object();
    BOOST_TEST(out.at("o").as_string() == "not-run");
    BOOST_TEST(!out.contains("s"));  // zero status and empty texts are left out
    BOOST_TEST(!out.contains("d"));
    BOOST_TEST(!out.contains("l4"));
    BOOST_TEST(journal_intent_line(ref(3), "PUT").find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(record_lines_equal_boost_json_serialization) {
    // The lines are written key by key; they must be exactly what serializing the same object
    // with Boost.JSON gives, escapes included (quotes, backslashes, control bytes, UTF-8).
    journal_row_ref r{18446744073709551615ull, 7, "5f00000000000000000000ab", "SLACK", "create"};
    journal_outcome o;
    o.result = outcome::failed;
    o.http_status = 400;
    o.error_code = "INVALID_ATTRIBUTE";
    o.detail = "bad \"channel\"\\ name\n\ttab \x01 caf\xC3\xA9";
    o.attempts = 3;
    o.duration_ms = -1;
    o.secret_last4 = "xoxb-12\"4";
    boost::json::object want{
        {"k", "outcome"}, {"row", r.row},  {"line", r.line}, {"p", r.project_id}, {"t", r.type},
        {"a", r.action},  {"o", "failed"}, {"s", 400},       {"e", o.error_code}, {"d", o.detail},
        {"n", 3},         {"ms", -1},      {"l4", "12\"4"}};
    BOOST_TEST(journal_outcome_line(r, o) == boost::json::serialize(want));
    boost::json::object intent{{"k", "intent"},     {"row", r.row}, {"line", r.line},
                               {"p", r.project_id}, {"t", r.type},  {"a", r.action},
                               {"m", "POST"}};
    BOOST_TEST(journal_intent_line(r, "POST") == boost::json::serialize(intent));
}

BOOST_AUTO_TEST_CASE(steps_and_items_are_records_of_the_same_journal) {
    temp_dir d;
    auto p = d / "j.jsonl";
    diagnostics err;
    auto h = sample_header();
    auto w = journal_writer::create(p, h, err);
    BOOST_REQUIRE_MESSAGE(w.has_value(), to_string(err));
    // Row 0: its own intent and outcome, plus a step with an open intent (issue 14's shape).
    auto row = ref(0);
    BOOST_REQUIRE((*w)->write_intent(row, "PUT").has_value());
    journal_outcome o;
    o.result = outcome::updated;
    BOOST_REQUIRE((*w)->write_outcome(row, o).has_value());
    auto step = ref(0);
    step.step = "alert/65aa";
    BOOST_REQUIRE((*w)->write_intent(step, "PUT").has_value());
    // An item: what audit records for a finished project.
    boost::json::array rows{boost::json::object{{"projectId", "5e2211c17a3e5a48f5497de3"}}};
    BOOST_REQUIRE((*w)->write_item("5e2211c17a3e5a48f5497de3", rows).has_value());
    BOOST_REQUIRE((*w)->write_item("other", boost::json::value("first")).has_value());
    BOOST_REQUIRE((*w)->write_item("other", boost::json::value("last")).has_value());
    (*w)->close();
    auto r = replay_journal(p, err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(r->records == 6u);
    auto* s = r->find(0);
    BOOST_REQUIRE(s);
    BOOST_TEST(!s->intent_open);  // the row's own state
    BOOST_REQUIRE(s->last_outcome.has_value());
    BOOST_TEST((s->last_outcome->result == outcome::updated));
    BOOST_REQUIRE_EQUAL(s->steps.size(), 1u);
    BOOST_TEST(s->steps.at("alert/65aa").intent_open);
    BOOST_REQUIRE_EQUAL(r->items.size(), 2u);
    BOOST_TEST(r->items.at("5e2211c17a3e5a48f5497de3") == boost::json::value(rows));
    BOOST_TEST(r->items.at("other") == boost::json::value("last"));  // the last one wins
}

BOOST_AUTO_TEST_CASE(an_audit_header_needs_no_manifest_and_is_told_apart) {
    temp_dir d;
    journal_header h;
    h.command = "audit";
    h.options = {{"org", "5e2211c17a3e5a48f5497de3"}};
    diagnostics err;
    auto w = journal_writer::create(d / "a.jsonl", h, err);
    BOOST_REQUIRE_MESSAGE(w.has_value(), to_string(err));
    (*w)->close();
    BOOST_TEST(contains(read_file(d / "a.jsonl"), "\"command\":\"audit\""));
    auto r = replay_journal(d / "a.jsonl", err);
    BOOST_REQUIRE_MESSAGE(r.has_value(), to_string(err));
    BOOST_TEST(r->header.command == "audit");
    // An apply's checkpoint is not an audit's (and its header line is as before: no command).
    BOOST_TEST(!compare_headers(r->header, sample_header()).empty());
    BOOST_TEST(!contains(journal_header_line(sample_header()), "command"));
}

BOOST_AUTO_TEST_CASE(journal_errors_are_values_with_diagnostics) {
    diagnostics err;
    auto r = replay_journal(data("garbage_middle.jsonl"), err);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == journal_errc::bad_record));
    BOOST_TEST(r.error().category().name() == std::string("cmbulk.journal"));
    BOOST_TEST(err.line == 4u);
    BOOST_TEST(contains(err.file, "garbage_middle.jsonl"));
    auto v = replay_journal(data("unknown_version.jsonl"), err);
    BOOST_TEST((v.error() == journal_errc::unsupported_version));
    auto m = replay_journal(data("row_identity_mismatch.jsonl"), err);
    BOOST_TEST((m.error() == journal_errc::conflicting_record));
    auto e = replay_journal(data("empty.jsonl"), err);
    BOOST_TEST((e.error() == journal_errc::empty));
    auto n = replay_journal(data("no_such_journal.jsonl"), err);
    BOOST_TEST((n.error() == journal_errc::open_failed));
}

BOOST_AUTO_TEST_SUITE_END()
