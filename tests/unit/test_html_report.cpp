// Unit tests of the HTML run report: the recorder's per-second counters, latency buckets and
// bounded failed-row list; the rendered page's sections, escaping, self-containment (no external
// resources) and the JSON log events of --log-format json.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/html_report.hpp"
#include "cmbulk/run_log.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;

namespace {
std::size_t count_of(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(html_report_suite)

BOOST_AUTO_TEST_CASE(timeline_counts_per_second) {
    auto t0 = run_timeline::clock::now();
    run_timeline t(t0);
    t.on_request(t0 + 100ms, 201, false, 3ms);
    t.on_request(t0 + 900ms, 429, false, 1500us);
    t.on_request(t0 + 2500ms, 201, true, 40ms);
    t.on_request(t0 + 2600ms, 0, true, 12s);
    t.on_request(t0 - 5s, 200, false, 500us);  // before the origin: second 0
    BOOST_TEST_REQUIRE(t.seconds().size() == 3u);
    BOOST_TEST(t.seconds()[0].requests == 3u);
    BOOST_TEST(t.seconds()[0].throttled == 1u);
    BOOST_TEST(t.seconds()[1].requests == 0u);
    BOOST_TEST(t.seconds()[2].requests == 2u);
    BOOST_TEST(t.seconds()[2].retries == 2u);
    BOOST_TEST(t.seconds()[2].errors == 1u);
    BOOST_TEST(t.requests() == 5u);
    auto& b = t.latency_buckets();
    BOOST_TEST(b[0] == 1u);   // <= 1 ms: 0.5 ms
    BOOST_TEST(b[1] == 1u);   // <= 2 ms: 1.5 ms
    BOOST_TEST(b[2] == 1u);   // <= 5 ms: 3 ms
    BOOST_TEST(b[5] == 1u);   // <= 50 ms: 40 ms
    BOOST_TEST(b[13] == 1u);  // <= 30 s: 12 s (open last bucket is index 14)
    BOOST_TEST(b[14] == 0u);
}

BOOST_AUTO_TEST_CASE(only_unsuccessful_rows_are_kept_and_bounded) {
    run_timeline t;
    report_row ok;
    ok.result = outcome::created;
    t.on_row(ok);
    report_row bad;
    bad.result = outcome::failed;
    for (std::size_t i = 0; i < run_timeline::max_problem_rows + 10; ++i) t.on_row(bad);
    BOOST_TEST(t.problem_rows().size() == run_timeline::max_problem_rows);
    BOOST_TEST(t.problem_rows_total() == run_timeline::max_problem_rows + 10);
}

BOOST_AUTO_TEST_CASE(page_has_every_section_escaped_and_self_contained) {
    auto t0 = run_timeline::clock::now();
    run_timeline t(t0);
    for (int s = 0; s < 5; ++s)
        for (int i = 0; i < 10; ++i)
            t.on_request(t0 + std::chrono::seconds(s), i == 0 && s == 2 ? 429 : 201,
                         s == 3 && i < 2, 20ms);
    report_row bad;
    bad.line = 7;
    bad.project_id = "5f00<script>alert(1)</script>";
    bad.type = "SLACK";
    bad.action = "update";
    bad.result = outcome::failed;
    bad.http_status = 400;
    bad.error_code = "INVALID_ATTRIBUTE";
    bad.detail = "channel \"#x\" & more";
    t.on_row(bad);
    run_summary s;
    s.counts[outcome::updated] = 49;
    s.counts[outcome::failed] = 1;
    s.requests = 50;
    s.throttled = 1;
    s.retries = 2;
    s.elapsed = 5s;
    s.total_rows = 50;
    for (int i = 0; i < 50; ++i) s.latency.add(20ms);
    html_report_info info{"cmbulk apply m.csv",
                          "http://127.0.0.1:1",
                          "cloud-manager",
                          "r.csv",
                          "r.checkpoint.jsonl",
                          "2024-01-01T00:00:00Z",
                          1};
    auto html = render_html_report(info, s, t);
    for (const char* id :
         {"id=\"summary\"", "id=\"outcomes\"", "id=\"timeline\"", "id=\"latency\"", "id=\"failed\"",
          "id=\"filter\"", "<svg id=\"timeline-chart\"", "<svg id=\"latency-chart\""})
        BOOST_TEST(html.find(id) != std::string::npos, id);
    BOOST_TEST(count_of(html, "<rect class=\"req\"") == 5u);        // one bar per second
    BOOST_TEST(count_of(html, "<rect class=\"throttled\"") == 1u);  // the second with a 429
    BOOST_TEST(count_of(html, "<circle class=\"retry\"") == 1u);    // the second with retries
    BOOST_TEST(count_of(html, "<rect class=\"lat\"") == run_timeline::latency_edges_ms.size() + 1);
    BOOST_TEST(html.find("<script>alert(1)") == std::string::npos);
    BOOST_TEST(html.find("5f00&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    BOOST_TEST(html.find("channel &quot;#x&quot; &amp; more") != std::string::npos);
    BOOST_TEST(html.find("data-outcome=\"failed\"") != std::string::npos);
    // Self-contained: nothing is loaded from anywhere.
    for (const char* ext : {"src=", "href=", "@import", "url(", "http-equiv"})
        BOOST_TEST(html.find(ext) == std::string::npos, ext);
}

BOOST_AUTO_TEST_CASE(long_runs_are_grouped_into_at_most_600_bars) {
    auto t0 = run_timeline::clock::now();
    run_timeline t(t0);
    for (int s = 0; s < 1800; ++s) t.on_request(t0 + std::chrono::seconds(s), 200, false, 1ms);
    run_summary sum;
    auto html = render_html_report({}, sum, t);
    BOOST_TEST(count_of(html, "<rect class=\"req\"") == 600u);
    BOOST_TEST(html.find("averaged over 3 s") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_events_are_one_line_objects_without_secrets) {
    report_row r;
    r.line = 3;
    r.project_id = "p1";
    r.type = "SLACK";
    r.action = "create";
    r.result = outcome::created;
    r.http_status = 201;
    r.detail = "line\nbreak \"quoted\"";
    r.secret_last4 = "9999";
    auto row = json_row_event("2024-01-01T00:00:00.000Z", r);
    BOOST_TEST(row.find('\n') == std::string::npos);
    auto v = boost::json::parse(row).as_object();
    BOOST_TEST(v.at("event").as_string() == "row");
    BOOST_TEST(v.at("result").as_string() == "created");
    BOOST_TEST(v.at("detail").as_string() == "line\nbreak \"quoted\"");
    BOOST_TEST(row.find("9999") == std::string::npos);
    auto req =
        boost::json::parse(json_request_event("t", 3, "p1", "SLACK", "POST", 2, 429, "", 1500us))
            .as_object();
    BOOST_TEST(req.at("event").as_string() == "request");
    BOOST_TEST(req.at("status").as_int64() == 429);
    BOOST_TEST(req.at("attempt").as_int64() == 2);
    BOOST_TEST(req.at("latencyMs").as_double() == 1.5);
    run_summary s;
    s.counts[outcome::created] = 2;
    s.requests = 4;
    auto sum = boost::json::parse(json_summary_event("t", s, 0)).as_object();
    BOOST_TEST(sum.at("rows").at("created").as_int64() == 2);
    BOOST_TEST(sum.at("exitStatus").as_int64() == 0);
    BOOST_TEST(utc_timestamp().size() == 24u);
}

BOOST_AUTO_TEST_SUITE_END()
