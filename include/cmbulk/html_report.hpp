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

/// Per-second request counters and a coarse latency histogram of one run, plus the rows that did
/// not succeed (the first `max_problem_rows`; the rest are only counted).
class run_timeline {
public:
    using clock = std::chrono::steady_clock;
    /// Counters of one second of the run.
    struct second {
        std::uint64_t requests = 0;   ///< requests that got an answer or failed in this second
        std::uint64_t throttled = 0;  ///< of which 429
        std::uint64_t retries = 0;    ///< of which attempts after the first
        std::uint64_t errors = 0;     ///< of which no response or 5xx
    };
    /// Upper edges of the latency buckets, in milliseconds (the last bucket is open).
    static constexpr std::array<double, 14> latency_edges_ms{
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000};
    static constexpr std::size_t max_seconds =
        7 * 24 * 3600;  ///< later requests count in the last second
    static constexpr std::size_t max_problem_rows = 5000;

    explicit run_timeline(clock::time_point origin = clock::now()) : origin_(origin) {}
    /// One request finished at `at`: `status` 0 when no response arrived, `retry` when it was not
    /// the request's first attempt.
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
    std::uint64_t requests() const { return requests_; }

private:
    clock::time_point origin_;
    std::vector<second> seconds_;
    std::array<std::uint64_t, latency_edges_ms.size() + 1> latency_{};
    std::vector<report_row> problems_;
    std::uint64_t problems_total_ = 0;
    std::uint64_t requests_ = 0;
};

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

/// The whole page. Sections have stable ids the tests look for: #summary, #outcomes,
/// #timeline (an <svg> with one <rect class="req"> per bar, class "throttled" for 429s and
/// <circle class="retry"> marks), #latency (an <svg> histogram), #failed (a <table> with an
/// <input id="filter"> that hides rows not matching the typed text).
std::string render_html_report(const html_report_info& info, const run_summary& summary,
                               const run_timeline& timeline);

/// Writes the page to `path` atomically (write_file_atomically: temporary file, fsync, rename,
/// directory fsync). On failure `error` says why.
boost::system::result<void> write_html_report(const std::filesystem::path& path,
                                              const html_report_info& info,
                                              const run_summary& summary,
                                              const run_timeline& timeline, std::string& error);

}  // namespace cmbulk
