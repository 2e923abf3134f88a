// The HTML run report: the recorder's counters and the rendering of one self-contained page
// (summary, outcome counts, requests-per-second timeline, latency histogram, failed rows with a
// filter). Everything is inline; every string from the run is escaped.
#include "cmbulk/html_report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cmbulk/fs_atomic.hpp"
#include "cmbulk/version.hpp"

namespace cmbulk {

void run_timeline::on_request(clock::time_point at, int status, bool retry,
                              std::chrono::microseconds latency) {
    auto since = at < origin_ ? clock::duration::zero() : at - origin_;
    auto idx =
        static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(since).count());
    idx = std::min(idx, max_seconds - 1);
    if (seconds_.size() <= idx) seconds_.resize(idx + 1);
    auto& s = seconds_[idx];
    ++s.requests;
    ++requests_;
    if (status == 429) ++s.throttled;
    if (retry) ++s.retries;
    if (status == 0 || status >= 500) ++s.errors;
    double ms = static_cast<double>(latency.count()) / 1000.0;
    std::size_t b = 0;
    while (b < latency_edges_ms.size() && ms > latency_edges_ms[b]) ++b;
    ++latency_[b];
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
.ok{color:#1a7f37}.bad{color:#b42318}.bar{display:inline-block;height:.8em;background:#4c78a8}
.bar.bad{background:#b42318}.bar.amber{background:#d97706}svg text{font-size:11px;fill:#444}
rect.req{fill:#4c78a8}rect.throttled{fill:#e45756}rect.lat{fill:#72b7b2}circle.retry{fill:#f58518}
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

void timeline_svg(std::ostringstream& o, const run_timeline& t) {
    const auto& secs = t.seconds();
    // At most 600 bars: long runs are grouped into buckets of several seconds.
    std::size_t group = std::max<std::size_t>(1, (secs.size() + 599) / 600);
    std::vector<run_timeline::second> bars((secs.size() + group - 1) / group);
    for (std::size_t i = 0; i < secs.size(); ++i) {
        auto& b = bars[i / group];
        b.requests += secs[i].requests;
        b.throttled += secs[i].throttled;
        b.retries += secs[i].retries;
        b.errors += secs[i].errors;
    }
    std::uint64_t peak = 1;
    for (auto& b : bars) peak = std::max(peak, b.requests);
    const double w = 900, h = 220, left = 50, bottom = 30, top = 10;
    double plot_h = h - bottom - top;
    double bw = bars.empty() ? 0 : (w - left - 10) / static_cast<double>(bars.size());
    o << "<svg id=\"timeline-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w
      << "\" height=\"" << h << "\" viewBox=\"0 0 " << w << " " << h
      << "\" role=\"img\" aria-label=\"requests per second\">\n";
    double per = static_cast<double>(group);
    double peak_rate = static_cast<double>(peak) / per;
    for (int k = 0; k <= 4; ++k) {
        double y = top + plot_h - plot_h * k / 4;
        o << "<line x1=\"" << left << "\" x2=\"" << w - 10 << "\" y1=\"" << num(y) << "\" y2=\""
          << num(y) << "\" stroke=\"#eee\"/><text x=\"" << left - 5 << "\" y=\"" << num(y + 4)
          << "\" text-anchor=\"end\">" << num(peak_rate * k / 4, peak_rate < 8 ? 1 : 0)
          << "</text>\n";
    }
    for (std::size_t i = 0; i < bars.size(); ++i) {
        auto& b = bars[i];
        double x = left + bw * static_cast<double>(i);
        double rh = plot_h * static_cast<double>(b.requests) / static_cast<double>(peak);
        double th = plot_h * static_cast<double>(b.throttled) / static_cast<double>(peak);
        std::string tip = "t=" + std::to_string(i * group) + "s: " + std::to_string(b.requests) +
                          " requests, " + std::to_string(b.throttled) + " x 429, " +
                          std::to_string(b.retries) + " retries, " + std::to_string(b.errors) +
                          " errors";
        o << "<rect class=\"req\" x=\"" << num(x) << "\" y=\"" << num(top + plot_h - rh)
          << "\" width=\"" << num(std::max(bw - 1, 0.5)) << "\" height=\"" << num(rh)
          << "\"><title>" << tip << "</title></rect>";
        if (b.throttled)
            o << "<rect class=\"throttled\" x=\"" << num(x) << "\" y=\"" << num(top + plot_h - th)
              << "\" width=\"" << num(std::max(bw - 1, 0.5)) << "\" height=\"" << num(th)
              << "\"><title>" << tip << "</title></rect>";
        if (b.retries)
            o << "<circle class=\"retry\" cx=\"" << num(x + bw / 2) << "\" cy=\""
              << num(top + plot_h - rh - 5) << "\" r=\"3\"><title>" << tip << "</title></circle>";
        o << "\n";
    }
    std::size_t total_s = secs.size();
    for (int k = 0; k <= 4 && total_s > 0; ++k) {
        double x = left + (w - left - 10) * k / 4;
        o << "<text x=\"" << num(x) << "\" y=\"" << h - 12 << "\" text-anchor=\"middle\">"
          << num(static_cast<double>(total_s) * k / 4, 0) << " s</text>";
    }
    o << "</svg>\n";
    o << "<p class=\"legend\"><span><i class=\"sw\" style=\"background:#4c78a8\"></i>requests"
      << (group > 1 ? " per second (averaged over " + std::to_string(group) + " s bars)"
                    : " per second")
      << "</span><span><i class=\"sw\" style=\"background:#e45756\"></i>429 Too Many "
         "Requests</span>"
         "<span><i class=\"sw\" style=\"background:#f58518;border-radius:50%\"></i>retries in that "
         "second</span></p>\n";
}

void latency_svg(std::ostringstream& o, const run_timeline& t) {
    const auto& b = t.latency_buckets();
    std::uint64_t peak = 1;
    for (auto n : b) peak = std::max(peak, n);
    const double w = 900, h = 200, left = 50, bottom = 40, top = 10;
    double plot_h = h - bottom - top;
    double bw = (w - left - 10) / static_cast<double>(b.size());
    o << "<svg id=\"latency-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w
      << "\" height=\"" << h << "\" viewBox=\"0 0 " << w << " " << h
      << "\" role=\"img\" aria-label=\"latency histogram\">\n";
    for (std::size_t i = 0; i < b.size(); ++i) {
        double x = left + bw * static_cast<double>(i);
        double bh = plot_h * static_cast<double>(b[i]) / static_cast<double>(peak);
        std::string label = i < run_timeline::latency_edges_ms.size()
                                ? "&#8804; " + edge_label(run_timeline::latency_edges_ms[i])
                                : "&gt; " + edge_label(run_timeline::latency_edges_ms.back());
        o << "<rect class=\"lat\" x=\"" << num(x + 2) << "\" y=\"" << num(top + plot_h - bh)
          << "\" width=\"" << num(bw - 4) << "\" height=\"" << num(bh) << "\"><title>" << label
          << ": " << b[i] << " requests</title></rect>";
        if (b[i])
            o << "<text x=\"" << num(x + bw / 2) << "\" y=\"" << num(top + plot_h - bh - 3)
              << "\" text-anchor=\"middle\">" << b[i] << "</text>";
        o << "<text x=\"" << num(x + bw / 2) << "\" y=\"" << h - 22 << "\" text-anchor=\"middle\">"
          << label << "</text>\n";
    }
    o << "</svg>\n";
}

}  // namespace

std::string render_html_report(const html_report_info& info, const run_summary& s,
                               const run_timeline& t) {
    std::ostringstream o;
    std::uint64_t done = 0, good = 0;
    for (auto& [k, n] : s.counts) {
        done += n;
        if (is_success(k)) good += n;
    }
    double secs = static_cast<double>(s.elapsed.count()) / 1000.0;
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>cmbulk run report</title>\n<style>"
      << style << "</style></head><body>\n";
    o << "<h1>cmbulk run report</h1>\n<section id=\"summary\"><table>\n";
    auto row = [&](const char* k, const std::string& v) {
        o << "<tr><th>" << k << "</th><td>" << v << "</td></tr>\n";
    };
    row("command", "<code>" + html_escape(info.command) + "</code>");
    row("server", html_escape(info.base_url) + " (" + html_escape(info.flavor) + ")");
    row("finished", html_escape(info.finished_at));
    row("exit status",
        std::to_string(info.exit_status) +
            (info.exit_status == 0 ? " <span class=\"ok\">every row succeeded</span>"
                                   : " <span class=\"bad\">see the failed rows</span>"));
    row("rows",
        std::to_string(std::max(done, s.total_rows)) + " (" + std::to_string(good) + " succeeded)");
    row("requests",
        std::to_string(s.requests) + " in " + num(secs) + " s" +
            (secs > 0 ? ", " + num(static_cast<double>(s.requests) / secs) + " req/s" : "") + "; " +
            std::to_string(s.throttled) + " x 429, " + std::to_string(s.retries) + " retries");
    if (s.latency.count() > 0)
        row("latency", "p50 " + ms_text(s.latency.percentile(50)) + ", p95 " +
                           ms_text(s.latency.percentile(95)) + ", p99 " +
                           ms_text(s.latency.percentile(99)) + ", max " + ms_text(s.latency.max()));
    row("row report", html_escape(info.report_path));
    row("checkpoint", html_escape(info.checkpoint_path));
    row("cmbulk", std::string(version()));
    o << "</table></section>\n";

    o << "<h2>Outcomes</h2>\n<section id=\"outcomes\"><table><thead><tr><th>outcome</th>"
         "<th class=\"num\">rows</th><th></th></tr></thead><tbody>\n";
    std::uint64_t max_n = 1;
    for (auto& [k, n] : s.counts) max_n = std::max(max_n, n);
    for (auto k : all_outcomes()) {
        auto it = s.counts.find(k);
        if (it == s.counts.end() || it->second == 0) continue;
        auto width = 300.0 * static_cast<double>(it->second) / static_cast<double>(max_n);
        o << "<tr data-outcome=\"" << to_string(k) << "\"><td>" << to_string(k)
          << "</td><td class=\"num\">" << it->second << "</td><td><span class=\"bar"
          << (is_success(k)                  ? ""
              : k == outcome::exists_differs ? " amber"
                                             : " bad")
          << "\" style=\"width:" << num(width, 0) << "px\"></span></td></tr>\n";
    }
    o << "</tbody></table></section>\n";

    o << "<h2>Requests per second</h2>\n<section id=\"timeline\">\n";
    timeline_svg(o, t);
    o << "</section>\n<h2>Latency</h2>\n<section id=\"latency\">\n";
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
