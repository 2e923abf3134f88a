// Unit tests for the row dispatcher, without sockets: rows come out in manifest order, rows of a
// busy project wait and then go first (in their order), invalid rows and rows an earlier run
// finished are handed back to be recorded, open intents are read first, --resume-failed, the
// --force lookup by projectId+type, and drain() lists what never ran.
#include <boost/test/unit_test.hpp>
#include <deque>

#include "cmbulk/dispatcher.hpp"

using namespace cmbulk;

namespace {

const std::string p1 = "5e2211c17a3e5a48f5497de1";
const std::string p2 = "5e2211c17a3e5a48f5497de2";
const std::string p3 = "5e2211c17a3e5a48f5497de3";

parsed_row row(std::uint64_t index, std::string project, std::string type = "SLACK",
               bool invalid = false) {
    parsed_row r;
    r.row.index = index;
    r.row.line = index + 2;
    r.row.project_id = std::move(project);
    r.row.type = std::move(type);
    if (invalid) r.errors.push_back({"m.csv", index + 2, "apiToken", "missing"});
    return r;
}

/// A row source over `rows`, counting how many were read.
struct source {
    std::deque<parsed_row> rows;
    int reads = 0;
    row_dispatcher::source fn() {
        return [this]() -> std::optional<parsed_row> {
            if (rows.empty()) return std::nullopt;
            ++reads;
            auto r = std::move(rows.front());
            rows.pop_front();
            return r;
        };
    }
};

journal_row_state recorded(std::uint64_t index, std::string project, outcome o,
                           bool intent_open = false, std::string type = "SLACK") {
    journal_row_state s;
    s.row = index;
    s.line = index + 2;
    s.project_id = std::move(project);
    s.type = std::move(type);
    s.intent_open = intent_open;
    if (!intent_open || o != outcome::not_run) {
        journal_outcome jo;
        jo.result = o;
        s.last_outcome = jo;
    }
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dispatcher_suite)

BOOST_AUTO_TEST_CASE(rows_come_out_in_manifest_order_with_the_action) {
    source src{{row(0, p1), row(1, p2), row(2, p3)}};
    src.rows[1].row.action = row_action::del;
    row_dispatcher d(src.fn(), row_action::update, nullptr, true);
    auto a = d.next(), b = d.next(), c = d.next();
    BOOST_TEST(
        (a.kind == dispatched::run && b.kind == dispatched::run && c.kind == dispatched::run));
    BOOST_TEST(a.row.index == 0u);
    BOOST_TEST(b.row.index == 1u);
    BOOST_TEST(c.row.index == 2u);
    BOOST_TEST((a.action == row_action::update));  // the run's --action
    BOOST_TEST((b.action == row_action::del));     // the row's own
    BOOST_TEST((d.next().kind == dispatched::none));
}

BOOST_AUTO_TEST_CASE(a_busy_project_waits_then_goes_first_in_order) {
    // p1 has rows 0, 2 and 4; rows of p1 never run at the same time, and run 0, 2, 4.
    source src{
        {row(0, p1), row(1, p2), row(2, p1, "PAGER_DUTY"), row(3, p3), row(4, p1, "OPS_GENIE")}};
    row_dispatcher d(src.fn(), row_action::create, nullptr, true);
    BOOST_TEST(d.next().row.index == 0u);
    BOOST_TEST(d.next().row.index == 1u);
    // Row 2 (p1 busy) is passed over and waits; row 3 runs.
    BOOST_TEST(d.next().row.index == 3u);
    BOOST_TEST(d.waiting() == 1u);
    // Row 4 waits too; nothing else can run now.
    BOOST_TEST((d.next().kind == dispatched::none));
    BOOST_TEST(d.waiting() == 2u);
    d.finished(p2);
    BOOST_TEST((d.next().kind == dispatched::none));  // p2 had nothing waiting
    d.finished(p1);
    auto r2 = d.next();
    BOOST_TEST(r2.row.index == 2u);                   // p1's next row, before anything new
    BOOST_TEST((d.next().kind == dispatched::none));  // row 4 still waits for row 2
    d.finished(p1);
    BOOST_TEST(d.next().row.index == 4u);
    d.finished(p1);
    d.finished(p3);
    BOOST_TEST((d.next().kind == dispatched::none));
    BOOST_TEST(d.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(a_freed_project_goes_before_new_rows) {
    source src{{row(0, p1), row(1, p1, "PAGER_DUTY"), row(2, p2)}};
    row_dispatcher d(src.fn(), row_action::create, nullptr, true);
    BOOST_TEST(d.next().row.index == 0u);
    BOOST_TEST(d.next().row.index == 2u);  // row 1 waits for p1
    d.finished(p1);
    auto next = d.next();
    BOOST_TEST(next.row.index == 1u);
    BOOST_TEST(src.reads == 3);
}

BOOST_AUTO_TEST_CASE(invalid_rows_are_handed_back_to_be_recorded) {
    source src{{row(0, p1), row(1, p2, "SLACK", true), row(2, p3)}};
    row_dispatcher d(src.fn(), row_action::create, nullptr, true);
    BOOST_TEST((d.next().kind == dispatched::run));
    auto bad = d.next();
    BOOST_TEST((bad.kind == dispatched::invalid));
    BOOST_TEST(bad.row.index == 1u);
    BOOST_REQUIRE_EQUAL(bad.errors.size(), 1u);
    BOOST_TEST(bad.errors[0].field == "apiToken");
    // An invalid row does not make its project busy.
    BOOST_TEST((d.next().kind == dispatched::run));
}

BOOST_AUTO_TEST_CASE(resume_skips_finished_rows_and_reads_open_intents_first) {
    std::vector<journal_row_state> states{
        recorded(0, p1, outcome::created),        // done: not run again
        recorded(1, p2, outcome::failed),         // failed: run again by default
        recorded(2, p3, outcome::not_run, true),  // intent open: read first
        recorded(3, p1, outcome::updated, false, "OPS_GENIE"),
    };
    resume_index idx(states, false);
    source src{
        {row(0, p1), row(1, p2), row(2, p3), row(3, p1, "OPS_GENIE"), row(4, p2, "WEBHOOK")}};
    row_dispatcher d(src.fn(), row_action::create, &idx, true);
    auto a = d.next();
    BOOST_TEST((a.kind == dispatched::done_before));
    BOOST_REQUIRE(a.previous.has_value());
    BOOST_TEST((a.previous->result == outcome::created));
    auto b = d.next();
    BOOST_TEST((b.kind == dispatched::run));
    BOOST_TEST(b.row.index == 1u);
    BOOST_TEST(!b.resolve_first);
    auto c = d.next();
    BOOST_TEST((c.kind == dispatched::run));
    BOOST_TEST(c.resolve_first);
    // Row 3 is done although p1 is not busy; row 4's project (p2) is busy with row 1: it waits.
    BOOST_TEST((d.next().kind == dispatched::done_before));
    BOOST_TEST((d.next().kind == dispatched::none));
    BOOST_TEST(d.waiting() == 1u);

    // Without --resume-failed, a failed row keeps its outcome.
    source again{{row(1, p2)}};
    row_dispatcher keep(again.fn(), row_action::create, &idx, false);
    auto k = keep.next();
    BOOST_TEST((k.kind == dispatched::done_before));
    BOOST_TEST((k.previous->result == outcome::failed));
}

BOOST_AUTO_TEST_CASE(force_looks_rows_up_by_project_and_type) {
    // The manifest changed: the same (project, type) is row 7 now.
    resume_index idx({recorded(0, p1, outcome::created)}, true);
    BOOST_TEST(idx.by_key());
    source src{{row(7, p1), row(8, p1, "PAGER_DUTY")}};
    row_dispatcher d(src.fn(), row_action::create, &idx, true);
    auto a = d.next();
    BOOST_TEST((a.kind == dispatched::done_before));
    BOOST_TEST(a.row.index == 7u);
    BOOST_TEST((d.next().kind == dispatched::run));
    // By index (no --force), row 7 is unknown to the journal and runs.
    resume_index by_index({recorded(0, p1, outcome::created)}, false);
    source src2{{row(7, p1)}};
    row_dispatcher d2(src2.fn(), row_action::create, &by_index, true);
    BOOST_TEST((d2.next().kind == dispatched::run));
}

BOOST_AUTO_TEST_CASE(drain_lists_what_never_ran_in_manifest_order) {
    resume_index idx({recorded(5, p3, outcome::deleted)}, false);
    source src{{row(0, p1), row(1, p1, "PAGER_DUTY"), row(2, p1, "OPS_GENIE"), row(3, p2),
                row(4, p2, "SLACK", true), row(5, p3)}};
    row_dispatcher d(src.fn(), row_action::create, &idx, true);
    BOOST_TEST(d.next().row.index == 0u);
    BOOST_TEST(d.next().row.index == 3u);  // rows 1 and 2 wait for p1
    // The run stops here: drain gives the waiting rows first, then the rest of the manifest.
    std::vector<std::pair<std::uint64_t, dispatched::kind_t>> rest;
    for (auto r = d.drain(); r.kind != dispatched::none; r = d.drain())
        rest.emplace_back(r.row.index, r.kind);
    BOOST_REQUIRE_EQUAL(rest.size(), 4u);
    BOOST_TEST(rest[0].first == 1u);
    BOOST_TEST(rest[1].first == 2u);
    BOOST_TEST((rest[0].second == dispatched::run && rest[1].second == dispatched::run));
    BOOST_TEST(rest[2].first == 4u);
    BOOST_TEST((rest[2].second == dispatched::invalid));
    BOOST_TEST(rest[3].first == 5u);
    BOOST_TEST((rest[3].second == dispatched::done_before));
    BOOST_TEST(d.waiting() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
