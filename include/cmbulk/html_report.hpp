// The HTML run report: a recorder the runner feeds (requests, 429s, retries and latency per
// second of the run, plus the rows that did not succeed, in bounded memory) and a renderer that
// turns it and the run summary into one self-contained page (inline CSS, SVG and a small inline
// script; no external scripts, fonts or CDNs). Pure apart from write_html_report's file I/O.
#pragma once

#include <array>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cmbulk/report.hpp"

namespace cmbulk {

/// Per-second request counters and a coarse histogram of server latency of one run, plus the
/// rows that did not succeed (the first `max_problem_rows`; the rest are only counted).
class run_timeline {
public:
    using clock = std::chrono::steady_clock;
    /// Counters of one second of the run (request_tally: by how each request ended, retries,
    /// verify read-backs).
    using second = request_tally;
    /// Upper edges of the latency buckets, in milliseconds (the last bucket is open).
    static constexpr std::array<double, 14> latency_edges_ms{
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000};
    static constexpr std::size_t max_seconds =
        7 * 24 * 3600;  ///< later requests count in the last second
    static constexpr std::size_t max_problem_rows = 5000;

    explicit run_timeline(clock::time_point origin = clock::now()) : origin_(origin) {}
    /// One call finished at `at`; its server latency goes into the histogram.
    void on_request(clock::time_point at, const request_record& r);
    /// The same for a call of one HTTP request: `status` 0 when no response arrived, `retry`
    /// when it was not the request's first attempt.
    void on_request(clock::time_point at, int status, bool retry,
                    std::chrono::microseconds latency);
    /// A finished report row; rows that are not a success are kept for the failed-rows table.
    void on_row(const report_row& row);

    const std::vector<second>& seconds() const { return seconds_; }
    const std::array<std::uint64_t, latency_edges_ms.size() + 1>& latency_buckets() const {
        return latency_;
    }
    const std::vector<report_row>& problem_rows() const { return problems_; }
    std::uint64_t problem_rows_total() const { return problems_total_; }
    /// HTTP requests recorded.
    std::uint64_t requests() const { return totals_.requests; }
    /// The whole run's counters (the sum of seconds()).
    const request_tally& totals() const { return totals_; }

private:
    clock::time_point origin_;
    std::vector<second> seconds_;
    request_tally totals_;
    std::array<std::uint64_t, latency_edges_ms.size() + 1> latency_{};
    std::vector<report_row> problems_;
    std::uint64_t problems_total_ = 0;
};

/// The colour an outcome is drawn in (one table for the page: outcome bars and labels).
std::string_view outcome_colour(outcome o);

/// What the page shows besides the timeline.
struct html_report_info {
    std::string command;  ///< e.g. "cmbulk apply samples/slack-migration.csv"
    std::string base_url, flavor;
    std::string report_path, checkpoint_path;
    std::string finished_at;  ///< UTC, ISO 8601
    int exit_status = 0;
};

/// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);

/// The whole page. Sections have stable ids the tests look for: #summary (each count in a
/// `data-summary="KEY"` cell), #outcomes (a row per outcome with data-outcome and data-count),
/// #timeline (an <svg id="timeline-chart">: per time bar one stacked rect per way a request
/// ended: class "req" answered, "throttled" 429, "err5xx", "reset", "timeout", "noanswer"; and
/// <svg id="attempts-chart"> with "retry" and "verify" bars; each rect carries data-series and
/// data-count), #latency (an <svg id="latency-chart"> histogram of server latency, rects class
/// "lat"), #failed (a <table> with an <input id="filter"> that hides rows not matching the
/// typed text).
std::string render_html_report(const html_report_info& info, const run_summary& summary,
                               const run_timeline& timeline);

/// Writes the page to `path` atomically (write_file_atomically: temporary file, fsync, rename,
/// directory fsync). On failure `error` says why.
boost::system::result<void> write_html_report(const std::filesystem::path& path,
                                              const html_report_info& info,
                                              const run_summary& summary,
                                              const run_timeline& timeline, std::string& error);

}  // namespace cmbulk
