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
#include <optional>
#include <string>
#include <vector>

#include "cmbulk/report.hpp"

namespace cmbulk {

/// The alert half of one rotation row (issue 14), read from the row's detail as row_rotation
/// writes it ("alerts: 2 of 3 configs rewritten (5 listed)", "alert configurations not read: ..",
/// "alerts not changed: .."); test_html_report ties the two formats together.
struct alert_tally {
    std::string project_id, type;
    outcome result = outcome::not_run;  ///< the row's outcome (`partial` when alerts failed)
    std::uint64_t rewritten = 0;        ///< configs PUT with the new secret
    std::uint64_t failed = 0;           ///< configs that needed a PUT and did not get one
    std::uint64_t left = 0;             ///< configs listed that needed nothing
    bool not_read = false;              ///< the alert configurations could not be listed
    bool not_changed = false;           ///< no alert step ran although one was due
};
/// The tally of `row`, or nullopt when its detail says nothing about alerts.
std::optional<alert_tally> alert_tally_of(const report_row& row);

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
    /// A finished report row; rows that are not a success are kept for the failed-rows table,
    /// rotation rows (alert_tally_of) for the alert section.
    void on_row(const report_row& row);
    static constexpr std::size_t max_alert_rows = 5000;
    /// The rotation rows (the first max_alert_rows) and the sums over all of them.
    const std::vector<alert_tally>& alert_rows() const { return alerts_; }
    std::uint64_t alert_rows_total() const { return alerts_total_; }
    const alert_tally& alert_sums() const { return alert_sums_; }

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
    std::vector<alert_tally> alerts_;
    std::uint64_t alerts_total_ = 0;
    alert_tally alert_sums_;  ///< not_read / not_changed: how many rows (as 0/1 sums below)
    std::uint64_t alerts_not_read_ = 0, alerts_not_changed_ = 0;

public:
    /// Rows whose alert configurations could not be listed / whose alert step did not run.
    std::uint64_t alerts_not_read() const { return alerts_not_read_; }
    std::uint64_t alerts_not_changed() const { return alerts_not_changed_; }
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
/// typed text), and for rotation runs #alerts (a row per rotation row with data-project,
/// data-rewritten, data-left, data-failed; `partial` rows have class "partial", drawn amber).
std::string render_html_report(const html_report_info& info, const run_summary& summary,
                               const run_timeline& timeline);

/// Writes the page to `path` atomically (write_file_atomically: temporary file, fsync, rename,
/// directory fsync). On failure `error` says why.
boost::system::result<void> write_html_report(const std::filesystem::path& path,
                                              const html_report_info& info,
                                              const run_summary& summary,
                                              const run_timeline& timeline, std::string& error);

}  // namespace cmbulk
