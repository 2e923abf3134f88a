// The HTML run report: the recorder's counters and the rendering of one self-contained page
// (summary, outcome counts, requests-per-second timeline, latency histogram, failed rows with a
// filter). Everything is inline; every string from the run is escaped.
#include "cmbulk/html_report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cmbulk/fs_atomic.hpp"
#include "cmbulk/svg_chart.hpp"
#include "cmbulk/version.hpp"

namespace cmbulk {

void run_timeline::on_request(clock::time_point at, const request_record& r) {
    auto since = at < origin_ ? clock::duration::zero() : at - origin_;
    auto idx =
        static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(since).count());
    idx = std::min(idx, max_seconds - 1);
    if (seconds_.size() <= idx) seconds_.resize(idx + 1);
    seconds_[idx].add(r);
    totals_.add(r);
    if (r.http_requests <= 0) return;
    double ms = static_cast<double>(r.latency.count()) / 1000.0;
    std::size_t b = 0;
    while (b < latency_edges_ms.size() && ms > latency_edges_ms[b]) ++b;
    ++latency_[b];
}

void run_timeline::on_request(clock::time_point at, int status, bool retry,
                              std::chrono::microseconds latency) {
    request_record r;
    r.status = status;
    r.retry = retry;
    r.latency = latency;
    on_request(at, r);
}

void run_timeline::on_row(const report_row& row) {
    if (is_success(row.result)) return;
    ++problems_total_;
    if (problems_.size() < max_problem_rows) problems_.push_back(row);
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

namespace {

std::string num(double v, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string ms_text(std::chrono::microseconds d) {
    double ms = static_cast<double>(d.count()) / 1000.0;
    return ms < 10 ? num(ms, 2) + " ms" : num(ms, 0) + " ms";
}

std::string edge_label(double ms) {
    return ms >= 1000 ? num(ms / 1000, 0) + " s" : num(ms, 0) + " ms";
}

const char* const style = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:.25em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1a7f37}.bad{color:#b42318}.bar{display:inline-block;height:.8em}
svg text{font-size:11px;fill:#444}svg text.axis{font-size:12px;fill:#222}
.legend span{margin-right:1.2em}.sw{display:inline-block;width:.8em;height:.8em;margin-right:.3em}
#filter{padding:.3em;width:30em;margin-bottom:.6em}code{background:#f6f6f6;padding:0 .2em}
)";

const char* const filter_script = R"(
(function(){var f=document.getElementById('filter');if(!f)return;
var rows=document.querySelectorAll('#failed tbody tr');var c=document.getElementById('shown');
f.addEventListener('input',function(){var q=f.value.toLowerCase();var n=0;
for(var i=0;i<rows.length;i++){var m=rows[i].textContent.toLowerCase().indexOf(q)>=0;
rows[i].style.display=m?'':'none';if(m)n++;}if(c)c.textContent=n;});
var h=location.hash.match(/^#filter=(.*)$/);if(h){f.value=decodeURIComponent(h[1]);
f.dispatchEvent(new Event('input'));}})();
)";

/// The ways a request ends, in the timeline's stacking order (bottom first).
const chart_series answer_series[] = {
    {"answered", "req", "#4c78a8", "answered (not 429, not 5xx)"},
    {"429", "throttled", "#e45756", "429 Too Many Requests"},
    {"5xx", "err5xx", "#9d2a8a", "5xx server error"},
    {"reset", "reset", "#54342a", "connection reset"},
    {"timeout", "timeout", "#b8860b", "timeout"},
    {"no-answer", "noanswer", "#8c8c8c", "no usable answer (connect failed, truncated)"},
};
constexpr std::uint64_t request_tally::*answer_counts[] = {
    &request_tally::answered, &request_tally::throttled, &request_tally::server_errors,
    &request_tally::resets,   &request_tally::timeouts,  &request_tally::no_answer,
};

/// The run's seconds grouped into at most 600 bars.
std::vector<request_tally> grouped(const run_timeline& t, std::size_t group) {
    const auto& secs = t.seconds();
    std::vector<request_tally> bars((secs.size() + group - 1) / group);
    for (std::size_t i = 0; i < secs.size(); ++i) {
        auto& b = bars[i / group];
        for (auto m : answer_counts) b.*m += secs[i].*m;
        b.requests += secs[i].requests;
        b.retries += secs[i].retries;
        b.verify_reads += secs[i].verify_reads;
    }
    return bars;
}

void timeline_svg(std::ostringstream& o, const run_timeline& t) {
    std::size_t group = std::max<std::size_t>(1, (t.seconds().size() + 599) / 600);
    auto bars = grouped(t, group);
    std::string per = group > 1 ? "per " + std::to_string(group) + " s" : "per second";
    bar_chart requests;
    requests.id = "timeline-chart";
    requests.title = "requests " + per + ", by how they ended";
    requests.x_label = "time since the start of the run";
    requests.y_label = "requests " + per;
    requests.series.assign(std::begin(answer_series), std::end(answer_series));
    requests.x_step = static_cast<double>(group);
    bar_chart attempts = requests;
    attempts.id = "attempts-chart";
    attempts.title = "retries and verify read-backs " + per;
    attempts.y_label = "calls " + per;
    attempts.stacked = false;
    attempts.series = {{"retries", "retry", "#f58518", "retries (attempts after a failure)"},
                       {"verify-reads", "verify", "#54a24b", "--verify read-backs"}};
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& b = bars[i];
        std::vector<std::uint64_t> v;
        for (auto m : answer_counts) v.push_back(b.*m);
        requests.values.push_back(std::move(v));
        attempts.values.push_back({b.retries, b.verify_reads});
        auto tip = "t=" + std::to_string(i * group) + " s";
        requests.tips.push_back(tip);
        attempts.tips.push_back(tip);
    }
    o << render_bar_chart(requests);
    o << "<h3>Retries and verify read-backs</h3>\n" << render_bar_chart(attempts);
}

void latency_svg(std::ostringstream& o, const run_timeline& t) {
    bar_chart c;
    c.id = "latency-chart";
    c.title = "server latency histogram";
    c.x_label = "server latency: request sent to answer (time queued in cmbulk not included)";
    c.y_label = "requests";
    c.series = {{"latency", "lat", "#72b7b2", "requests"}};
    c.value_labels = true;
    const auto& b = t.latency_buckets();
    for (std::size_t i = 0; i < b.size(); ++i) {
        c.values.push_back({b[i]});
        std::string label = i < run_timeline::latency_edges_ms.size()
                                ? "&#8804; " + edge_label(run_timeline::latency_edges_ms[i])
                                : "&gt; " + edge_label(run_timeline::latency_edges_ms.back());
        c.bar_labels.push_back(label);
        c.tips.push_back(label);
    }
    o << render_bar_chart(c);
}

}  // namespace

namespace {

/// One number of the summary, in a cell tests find by its key.
std::string counted(const char* key, std::uint64_t n) {
    return "<span data-summary=\"" + std::string(key) + "\">" + std::to_string(n) + "</span>";
}

std::string spread(const latency_histogram& h) {
    return "p50 " + ms_text(h.percentile(50)) + ", p95 " + ms_text(h.percentile(95)) + ", p99 " +
           ms_text(h.percentile(99)) + ", max " + ms_text(h.max());
}

void summary_section(std::ostringstream& o, const html_report_info& info, const run_summary& s) {
    std::uint64_t done = 0, good = 0;
    for (auto& [k, n] : s.counts) {
        done += n;
        if (is_success(k)) good += n;
    }
    const std::uint64_t rows = std::max(done, s.total_rows);
    double secs = static_cast<double>(s.elapsed.count()) / 1000.0;
    o << "<h1>cmbulk run report</h1>\n<section id=\"summary\"><table>\n";
    auto row = [&](const char* k, const std::string& v) {
        o << "<tr><th>" << k << "</th><td>" << v << "</td></tr>\n";
    };
    row("command", "<code>" + html_escape(info.command) + "</code>");
    row("server", html_escape(info.base_url) + " (" + html_escape(info.flavor) + ")");
    row("finished", html_escape(info.finished_at));
    // Only what the counts say: "every row succeeded" when every row did.
    std::string verdict = info.exit_status == 0 && good == rows
                              ? " <span class=\"ok\">every row succeeded</span>"
                              : " <span class=\"bad\">" + std::to_string(rows - good) + " of " +
                                    std::to_string(rows) + " rows did not succeed</span>";
    row("exit status", std::to_string(info.exit_status) + verdict);
    row("rows", counted("rows", rows) + " (" + counted("succeeded", good) + " succeeded)");
    const auto& c = s.calls;
    row("requests",
        counted("requests", s.requests) + " in " + num(secs) + " s" +
            (secs > 0 ? ", " + num(static_cast<double>(s.requests) / secs) + " req/s" : "") + "; " +
            counted("429", s.throttled) + " x 429, " + counted("retries", s.retries) +
            " retries, " + counted("verify-reads", c.verify_reads) + " verify read-backs");
    row("errors", counted("5xx", c.server_errors) + " x 5xx, " + counted("reset", c.resets) +
                      " connection resets, " + counted("timeout", c.timeouts) + " timeouts, " +
                      counted("no-answer", c.no_answer) + " without a usable answer");
    if (s.latency.count() > 0) row("server latency (sent to answer)", spread(s.latency));
    if (s.queued.count() > 0)
        row("queued in cmbulk (pacing, Retry-After pauses)", spread(s.queued));
    row("row report", html_escape(info.report_path));
    row("checkpoint", html_escape(info.checkpoint_path));
    row("cmbulk", std::string(version()));
    o << "</table></section>\n";
}

void outcomes_section(std::ostringstream& o, const run_summary& s) {
    o << "<h2>Outcomes</h2>\n<section id=\"outcomes\"><table><thead><tr><th>outcome</th>"
         "<th class=\"num\">rows</th><th></th></tr></thead><tbody>\n";
    std::uint64_t max_n = 1;
    for (auto& [k, n] : s.counts) max_n = std::max(max_n, n);
    for (auto k : all_outcomes()) {
        auto it = s.counts.find(k);
        if (it == s.counts.end() || it->second == 0) continue;
        auto width = 300.0 * static_cast<double>(it->second) / static_cast<double>(max_n);
        o << "<tr data-outcome=\"" << to_string(k) << "\" data-count=\"" << it->second
          << "\"><td style=\"color:" << outcome_colour(k) << "\">" << to_string(k)
          << "</td><td class=\"num\">" << it->second << "</td><td><span class=\"bar\" style=\""
          << "background:" << outcome_colour(k) << ";width:" << num(width, 0)
          << "px\"></span></td></tr>\n";
    }
    o << "</tbody></table></section>\n";
}

}  // namespace

std::string_view outcome_colour(outcome o) {
    // The one table of outcome colours: green for a change made, blue-green for nothing to do,
    // amber for "nothing changed but not what was asked", red for failures, grey for not run.
    struct entry {
        outcome o;
        std::string_view colour;
    };
    static constexpr entry table[] = {
        {outcome::created, "#1a7f37"},        {outcome::updated, "#1a7f37"},
        {outcome::deleted, "#1a7f37"},        {outcome::verified, "#1a7f37"},
        {outcome::unchanged, "#2b8a9e"},      {outcome::exists, "#2b8a9e"},
        {outcome::exists_differs, "#d97706"}, {outcome::partial, "#d97706"},
        {outcome::mismatch, "#b26b00"},       {outcome::failed, "#b42318"},
        {outcome::invalid, "#b42318"},        {outcome::no_access, "#b42318"},
        {outcome::forbidden_role, "#b42318"}, {outcome::not_run, "#8c8c8c"},
    };
    for (auto& e : table)
        if (e.o == o) return e.colour;
    return is_success(o) ? "#1a7f37" : "#b42318";
}

std::string render_html_report(const html_report_info& info, const run_summary& s,
                               const run_timeline& t) {
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>cmbulk run report</title>\n<style>"
      << style << "</style></head><body>\n";
    summary_section(o, info, s);
    outcomes_section(o, s);

    o << "<h2>Requests over time</h2>\n<section id=\"timeline\">\n";
    timeline_svg(o, t);
    o << "</section>\n<h2>Server latency</h2>\n<section id=\"latency\">\n";
    latency_svg(o, t);
    o << "</section>\n";

    o << "<h2>Rows that did not succeed (" << t.problem_rows_total()
      << ")</h2>\n"
         "<section id=\"failed\">\n<input id=\"filter\" type=\"search\" placeholder=\"filter: "
         "project, type, error code, detail...\" aria-label=\"filter rows\"> <span id=\"shown\">"
      << t.problem_rows().size() << "</span> shown";
    if (t.problem_rows_total() > t.problem_rows().size())
        o << " (the first " << t.problem_rows().size() << "; the row report has all of them)";
    o << "\n<table><thead><tr><th>line</th><th>projectId</th><th>type</th><th>action</th>"
         "<th>result</th><th>HTTP</th><th>errorCode</th><th>detail</th><th>attempts</th></tr>"
         "</thead><tbody>\n";
    for (auto& r : t.problem_rows()) {
        o << "<tr><td class=\"num\">" << r.line << "</td><td>" << html_escape(r.project_id)
          << "</td><td>" << html_escape(r.type) << "</td><td>" << html_escape(r.action)
          << "</td><td class=\"bad\">" << to_string(r.result) << "</td><td class=\"num\">"
          << (r.http_status ? std::to_string(r.http_status) : "") << "</td><td>"
          << html_escape(r.error_code) << "</td><td>" << html_escape(r.detail)
          << "</td><td class=\"num\">" << r.attempts << "</td></tr>\n";
    }
    o << "</tbody></table></section>\n<script>" << filter_script << "</script>\n</body></html>\n";
    return o.str();
}

boost::system::result<void> write_html_report(const std::filesystem::path& path,
                                              const html_report_info& info,
                                              const run_summary& summary,
                                              const run_timeline& timeline, std::string& error) {
    // Temporary file, fsync, rename, directory fsync: a reader never sees half a page.
    return write_file_atomically(path, render_html_report(info, summary, timeline), error);
}

}  // namespace cmbulk
