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

std::optional<alert_tally> alert_tally_of(const report_row& row) {
    // Most rows have no alert half: they are told apart before anything is copied (this runs
    // for every row of every run, bench/profile.py).
    alert_tally t;
    std::string_view d = row.detail;
    auto at = d.find("alerts: ");
    if (at != std::string_view::npos) {
        unsigned long long good = 0, needed = 0, listed = 0;
        std::string part(d.substr(at));
        if (std::sscanf(part.c_str(), "alerts: %llu of %llu configs rewritten (%llu listed)", &good,
                        &needed, &listed) != 3)
            return std::nullopt;
        t.rewritten = good;
        t.failed = needed >= good ? needed - good : 0;
        t.left = listed >= needed ? listed - needed : 0;
    } else {
        t.not_read = d.find("alert configurations not read: ") != std::string_view::npos;
        t.not_changed = d.find("alerts not changed: ") != std::string_view::npos;
        if (!t.not_read && !t.not_changed) return std::nullopt;
    }
    t.project_id = row.project_id;
    t.type = row.type;
    t.result = row.result;
    return t;
}

void run_timeline::on_row(const report_row& row) {
    if (auto a = alert_tally_of(row)) {
        ++alerts_total_;
        alert_sums_.rewritten += a->rewritten;
        alert_sums_.failed += a->failed;
        alert_sums_.left += a->left;
        alerts_not_read_ += a->not_read;
        alerts_not_changed_ += a->not_changed;
        if (alerts_.size() < max_alert_rows) alerts_.push_back(std::move(*a));
    }
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
.ok{color:#1a7f37}.bad{color:#b42318}.partial{color:#b45309;background:#fef3c7}.bar{display:inline-block;height:.8em}
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

void summary_section(std::ostringstream& o, const html_report_info& info, const run_summary& s,
                     const run_timeline& t) {
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
    // An alert configuration left behind is never "succeeded", whatever the row says.
    bool alerts_ok =
        t.alert_sums().failed == 0 && t.alerts_not_read() == 0 && t.alerts_not_changed() == 0;
    std::string verdict = info.exit_status == 0 && good == rows && alerts_ok
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

/// Rotation runs: per row how many alert configurations were rewritten, left alone (they did
/// not carry the old secret) and failed; `partial` rows amber.
void alerts_section(std::ostringstream& o, const run_timeline& t) {
    if (t.alert_rows_total() == 0) return;
    auto& sum = t.alert_sums();
    o << "<h2>Alert configurations</h2>\n<section id=\"alerts\">\n<p data-summary=\"alerts\">"
      << t.alert_rows_total() << " rotation rows: " << sum.rewritten << " configs rewritten, "
      << sum.left << " left alone (no old secret), ";
    o << "<span class=\"" << (sum.failed ? "partial" : "ok") << "\">" << sum.failed
      << " failed</span>";
    if (t.alerts_not_read())
        o << ", <span class=\"partial\">" << t.alerts_not_read()
          << " rows whose alert configurations could not be read</span>";
    if (t.alerts_not_changed())
        o << ", <span class=\"partial\">" << t.alerts_not_changed()
          << " rows whose alerts were not changed</span>";
    o << "</p>\n";
    if (t.alert_rows_total() > t.alert_rows().size())
        o << "<p>The first " << t.alert_rows().size() << "; the row report has all of them.</p>\n";
    o << "<table><thead><tr><th>projectId</th><th>type</th><th>result</th>"
         "<th class=\"num\">rewritten</th><th class=\"num\">left</th>"
         "<th class=\"num\">failed</th><th>note</th></tr></thead><tbody>\n";
    for (auto& a : t.alert_rows()) {
        bool bad = a.result == outcome::partial || a.failed || a.not_read || a.not_changed;
        o << "<tr" << (bad ? " class=\"partial\"" : "") << " data-project=\""
          << html_escape(a.project_id) << "\" data-rewritten=\"" << a.rewritten << "\" data-left=\""
          << a.left << "\" data-failed=\"" << a.failed << "\"><td>" << html_escape(a.project_id)
          << "</td><td>" << html_escape(a.type) << "</td><td>" << to_string(a.result)
          << "</td><td class=\"num\">" << a.rewritten << "</td><td class=\"num\">" << a.left
          << "</td><td class=\"num\">" << a.failed << "</td><td>"
          << (a.not_read      ? "alert configurations not read"
              : a.not_changed ? "alerts not changed"
                              : "")
          << "</td></tr>\n";
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
    summary_section(o, info, s, t);
    outcomes_section(o, s);
    alerts_section(o, t);

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
          << "</td><td class=\"" << (r.result == outcome::partial ? "partial" : "bad") << "\">"
          << to_string(r.result) << "</td><td class=\"num\">"
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
