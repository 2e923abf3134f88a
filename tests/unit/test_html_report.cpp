// Unit tests of the HTML run report: the recorder's per-second counters, latency buckets and
// bounded failed-row list; the rendered page's sections, escaping, self-containment (no external
// resources) and the JSON log events of --log-format json.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <map>
#include <regex>

#include "cmbulk/html_report.hpp"
#include "cmbulk/run_log.hpp"
#include "cmbulk/svg_chart.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;

namespace {
std::size_t count_of(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

/// data-count summed per data-series over the bars of the <svg id="`chart`">.
std::map<std::string, std::uint64_t> series_sums(const std::string& html,
                                                 const std::string& chart) {
    std::map<std::string, std::uint64_t> sums;
    auto from = html.find("<svg id=\"" + chart + "\"");
    if (from == std::string::npos) return sums;
    auto to = html.find("</svg>", from);
    std::string svg = html.substr(from, to - from);
    std::regex bar(R"re(data-series="([^"]+)" data-count="(\d+)")re");
    for (std::sregex_iterator it(svg.begin(), svg.end(), bar), end; it != end; ++it)
        sums[(*it)[1]] += std::stoull((*it)[2]);
    return sums;
}

std::uint64_t summary_value(const std::string& html, const std::string& key) {
    std::smatch m;
    std::regex re("data-summary=\"" + key + "\">(\\d+)<");
    BOOST_TEST_REQUIRE(std::regex_search(html, m, re), key);
    return std::stoull(m[1]);
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

// Rotation runs: the alert section counts per row, `partial` rows amber, and the verdict is
// never "every row succeeded" when an alert configuration was not rewritten.
BOOST_AUTO_TEST_CASE(alert_section_for_rotation_runs) {
    run_timeline t;
    report_row ok;
    ok.project_id = "6f0000010000000000000001";
    ok.type = "PAGER_DUTY";
    ok.result = outcome::updated;
    ok.detail = "alerts: 2 of 2 configs rewritten (3 listed)";
    t.on_row(ok);
    html_report_info info;
    run_summary s;
    s.counts[outcome::updated] = 1;
    s.total_rows = 1;
    auto page = render_html_report(info, s, t);
    BOOST_TEST(page.find("<section id=\"alerts\">") != std::string::npos);
    BOOST_TEST(page.find("data-rewritten=\"2\" data-left=\"1\" data-failed=\"0\"") !=
               std::string::npos);
    BOOST_TEST(page.find("every row succeeded") != std::string::npos);
    BOOST_TEST(page.find("class=\"partial\" data-project") == std::string::npos);

    report_row part = ok;
    part.project_id = "6f0000010000000000000002";
    part.result = outcome::partial;
    part.detail = "updated; alerts: 1 of 2 configs rewritten (2 listed); not rewritten: c2 failed";
    t.on_row(part);
    s.counts[outcome::partial] = 1;
    s.total_rows = 2;
    page = render_html_report(info, s, t);
    BOOST_TEST(page.find("every row succeeded") == std::string::npos);
    BOOST_TEST(count_of(page, "<tr class=\"partial\" data-project=\"6f0000010000000000000002\"") ==
               1u);
    BOOST_TEST(page.find("3 configs rewritten, 1 left alone (no old secret), <span "
                         "class=\"partial\">1 failed</span>") != std::string::npos);
    BOOST_TEST(page.find("<td class=\"partial\">partial</td>") !=
               std::string::npos);  // failed table

    // A run without rotations has no alert section.
    run_timeline plain;
    BOOST_TEST(render_html_report(info, s, plain).find("id=\"alerts\"") == std::string::npos);
    // Even with exit 0 and every row counted a success, an alert row not read is no success.
    run_timeline odd;
    report_row nr = ok;
    nr.detail = "updated; alert configurations not read: HTTP 500";
    odd.on_row(nr);
    run_summary one;
    one.counts[outcome::updated] = 1;
    one.total_rows = 1;
    BOOST_TEST(render_html_report(info, one, odd).find("every row succeeded") == std::string::npos);
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
    BOOST_TEST(count_of(html, "<rect class=\"retry\"") == 1u);      // the second with retries
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
    BOOST_TEST(html.find("requests per 3 s") != std::string::npos);  // the y axis says so
}

BOOST_AUTO_TEST_CASE(every_way_a_request_ends_is_counted_apart_and_charts_add_up) {
    auto t0 = run_timeline::clock::now();
    run_timeline t(t0);
    run_summary s;
    auto call = [&](int at_s, int status, attempt_failure f, int sent, bool retry, bool verify) {
        request_record r;
        r.status = status;
        r.failure = f;
        r.http_requests = sent;
        r.retry = retry;
        r.verify_read = verify;
        r.latency = 2ms;
        r.queued = 900ms;  // waiting in cmbulk's gate: not server latency
        s.on_request(r);
        t.on_request(t0 + std::chrono::seconds(at_s), r);
    };
    call(0, 201, attempt_failure::none, 2, false, false);  // a Digest challenge, then created
    call(0, 200, attempt_failure::none, 1, false, true);   // the verify read-back
    call(1, 429, attempt_failure::none, 1, false, false);
    call(1, 201, attempt_failure::none, 1, true, false);
    call(2, 500, attempt_failure::none, 1, false, false);
    call(2, 503, attempt_failure::bad_response, 1, true, false);  // an HTML 503: still a 5xx
    call(2, 0, attempt_failure::reset_before_send, 1, true, false);
    call(3, 0, attempt_failure::reset_after_send, 1, false, false);
    call(3, 0, attempt_failure::timeout, 1, true, false);
    call(3, 0, attempt_failure::connect_failed, 1, true, false);
    call(3, 200, attempt_failure::bad_response, 1, false, true);  // a truncated read-back
    call(4, 0, attempt_failure::cancelled, 0, true, false);       // never sent
    const auto& c = s.calls;
    BOOST_TEST(c.requests == 12u);
    BOOST_TEST(c.answered == 4u);  // the challenge, the create, the read-back, the retry
    BOOST_TEST(c.throttled == 1u);
    BOOST_TEST(c.server_errors == 2u);
    BOOST_TEST(c.resets == 2u);
    BOOST_TEST(c.timeouts == 1u);
    BOOST_TEST(c.no_answer == 2u);
    BOOST_TEST(c.errors == 7u);
    BOOST_TEST(c.retries == 6u);
    BOOST_TEST(s.retries == 6u);
    BOOST_TEST(c.verify_reads == 2u);
    BOOST_TEST(s.latency.count() == 11u);
    BOOST_TEST(s.queued.percentile(50).count() > 800'000);
    BOOST_TEST(s.latency.max().count() < 3000);
    s.requests = c.requests;  // the gate's counts, as finish_apply sets them
    s.throttled = c.throttled;
    s.counts[outcome::created] = 2;
    s.counts[outcome::failed] = 1;
    s.counts[outcome::verified] = 1;
    s.elapsed = 5s;
    auto html = render_html_report({}, s, t);
    auto req = series_sums(html, "timeline-chart");
    BOOST_TEST(req["answered"] + req["429"] + req["5xx"] + req["reset"] + req["timeout"] +
                   req["no-answer"] ==
               summary_value(html, "requests"));
    BOOST_TEST(req["429"] == summary_value(html, "429"));
    BOOST_TEST(req["5xx"] == summary_value(html, "5xx"));
    BOOST_TEST(req["reset"] == summary_value(html, "reset"));
    BOOST_TEST(req["timeout"] == summary_value(html, "timeout"));
    BOOST_TEST(req["no-answer"] == summary_value(html, "no-answer"));
    BOOST_TEST(req["5xx"] == 2u);
    auto att = series_sums(html, "attempts-chart");
    BOOST_TEST(att["retries"] == summary_value(html, "retries"));
    BOOST_TEST(att["verify-reads"] == summary_value(html, "verify-reads"));
    BOOST_TEST(att["verify-reads"] == 2u);
    BOOST_TEST(att["retries"] == 6u);
    auto lat = series_sums(html, "latency-chart");
    BOOST_TEST(lat["latency"] == 11u);  // every call that sent something, by server latency
    auto b = t.latency_buckets();
    BOOST_TEST(b[1] == 11u);  // <= 2 ms: the 900 ms spent queued is not in the histogram
    BOOST_TEST(summary_value(html, "rows") == 4u);
    BOOST_TEST(html.find("data-outcome=\"created\" data-count=\"2\"") != std::string::npos);
    BOOST_TEST(html.find("queued in cmbulk") != std::string::npos);
    BOOST_TEST(html.find("server latency (sent to answer)") != std::string::npos);
    // One row failed: the page does not say every row succeeded, whatever the exit status.
    BOOST_TEST(html.find("every row succeeded") == std::string::npos);
    BOOST_TEST(html.find("1 of 4 rows did not succeed") != std::string::npos);
    // A legend for each series, and labelled axes.
    for (const char* label :
         {"429 Too Many Requests", "5xx server error", "connection reset", "timeout",
          "--verify read-backs", "retries (attempts after a failure)",
          "time since the start of the run", "requests per second"})
        BOOST_TEST(html.find(label) != std::string::npos, label);
    auto text = format_summary(s);
    BOOST_TEST(text.find("errors 2 x 5xx, 2 connection resets, 1 timeout, 2 without an answer") !=
               std::string::npos);
    BOOST_TEST(text.find("verify read-backs 2") != std::string::npos);
    BOOST_TEST(text.find("server latency p50") != std::string::npos);
    BOOST_TEST(text.find("queued in cmbulk p50") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(round_ticks_step_by_one_two_five) {
    auto t = round_ticks(37);
    BOOST_TEST(t == (std::vector<double>{0, 10, 20, 30, 40}), boost::test_tools::per_element());
    t = round_ticks(7);
    BOOST_TEST(t == (std::vector<double>{0, 2, 4, 6, 8}), boost::test_tools::per_element());
    t = round_ticks(1800, 8);
    BOOST_TEST(t == (std::vector<double>{0, 500, 1000, 1500, 2000}),
               boost::test_tools::per_element());
    BOOST_TEST(round_ticks(0).size() == 2u);  // at least 0 and 1
    BOOST_TEST(round_ticks(1).back() == 1.0);
    for (double max : {1.0, 3.0, 9.0, 11.0, 99.0, 101.0, 12345.0, 987654.0}) {
        BOOST_TEST_CONTEXT("max " << max) {
            auto ticks = round_ticks(max);
            BOOST_TEST(ticks.back() >= max);
            double step = ticks[1] - ticks[0];
            double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
            BOOST_TEST((mantissa == 1.0 || mantissa == 2.0 || mantissa == 5.0));
            BOOST_TEST(ticks.size() <= 11u);
        }
    }
}

BOOST_AUTO_TEST_CASE(every_outcome_has_a_colour_from_the_one_table) {
    for (auto o : all_outcomes()) {
        BOOST_TEST_CONTEXT(to_string(o)) { BOOST_TEST(outcome_colour(o).starts_with("#")); }
    }
    BOOST_TEST(outcome_colour(outcome::created) != outcome_colour(outcome::failed));
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
