// The per-row report and the run summary. The runner hands each finished manifest row to a
// report_writer, which streams it (CSV, JSON array or JSON Lines) to a temporary file and commits
// it atomically; the run summary counts outcomes and keeps a bounded-memory latency histogram.
#pragma once

#include <array>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/fs_atomic.hpp"
#include "cmbulk/outcome.hpp"
#include "cmbulk/retry.hpp"

namespace cmbulk {

/// The report's file format.
enum class report_format { csv, json, jsonl };
/// By extension: .csv, .json, .jsonl / .ndjson (case-insensitive); nullopt otherwise.
std::optional<report_format> report_format_from_path(const std::filesystem::path& p);

/// One row of the report: what happened to one manifest row. Never holds a secret.
struct report_row {
    std::uint64_t line = 0;  ///< manifest line (1-based; 0 when unknown)
    std::string project_id, type, action;
    outcome result = outcome::not_run;
    int http_status = 0;  ///< last HTTP status seen, 0 when no response
    std::string error_code, detail;
    int attempts = 0;
    std::int64_t duration_ms = 0;
    /// The last four characters of the secret sent, as the API's mask shows them: just the four
    /// characters ("7890"), empty when the secret has four characters or fewer or none was sent.
    /// Use cmbulk::last_four() to fill it. Never more than four characters are written.
    std::string secret_last4;
    /// What the row is about (issue 14): "integration" (the project's integration of `type`), or
    /// "alertConfig:<id>" (one alert configuration a rotation rewrote, or failed to).
    std::string target = "integration";
};

/// The report's column names, in order (also the JSON keys).
std::span<const std::string_view> report_columns();

/// Streams rows to a temporary file next to `path`; commit() flushes, fsyncs and renames it over
/// `path` (atomic: readers see the old report or the new one, never half of one), then fsyncs the
/// directory. Destroying it without commit removes the temporary file and leaves `path` as it was.
class report_writer {
public:
    /// Creates the temporary file ("<path>.tmp-<pid>") in `path`'s directory. On failure the
    /// error message names the file and the reason.
    static boost::system::result<std::unique_ptr<report_writer>> open(std::filesystem::path path,
                                                                      report_format format,
                                                                      std::string& error_message);
    ~report_writer();
    report_writer(const report_writer&) = delete;
    report_writer& operator=(const report_writer&) = delete;

    /// Appends one row (buffered). Rows are written in the order given.
    void add(const report_row& row);
    /// Finishes the file and replaces `path` with it. Fails (and keeps the old file) on any
    /// write, fsync or rename error; a second commit is an error.
    boost::system::result<void> commit();
    /// Rows added so far.
    std::uint64_t rows() const { return rows_; }
    const std::filesystem::path& path() const { return file_.path(); }
    const std::filesystem::path& temp_path() const { return file_.temp_path(); }
    /// Why a write or the commit failed (names the file), empty when nothing failed.
    const std::string& error_message() const { return file_.error_message(); }

private:
    report_writer(atomic_file file, report_format format);
    void flush_buffer();
    atomic_file file_;  ///< the temporary file, committed over the report's path
    report_format format_;
    std::string buffer_;
    std::uint64_t rows_ = 0;
};

/// Serializes one row as a CSV record (RFC 4180 quoting, no line terminator; the writer ends
/// records with LF).
std::string to_csv_record(const report_row& row);
/// Serializes one row as a compact JSON object (no trailing newline).
std::string to_json_object(const report_row& row);

/// Reads a report written by report_writer back (for tests, `cmbulk report` and resume).
/// The format is taken from the path unless given. Errors name the file and line.
boost::system::result<std::vector<report_row>> read_report(const std::filesystem::path& p,
                                                           std::optional<report_format> format,
                                                           std::string& error_message);

/// Latency histogram in bounded memory: log-spaced buckets (about 2% wide) from 1 us to ~1 h,
/// so percentiles are exact within ~2%.
class latency_histogram {
public:
    void add(std::chrono::microseconds d);
    /// The p-th percentile (p in [0, 100]); zero when empty.
    std::chrono::microseconds percentile(double p) const;
    std::uint64_t count() const { return count_; }
    std::chrono::microseconds max() const { return max_; }

private:
    static constexpr std::size_t bucket_count = 1200;
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::chrono::microseconds max_{0};
};

/// One API call (one attempt of a step) as the run records it.
struct request_record {
    int status = 0;  ///< HTTP status of its last request, 0 when none arrived
    attempt_failure failure = attempt_failure::none;
    int http_requests = 1;                ///< HTTP requests it sent (a Digest challenge's 401 too)
    bool retry = false;                   ///< an attempt after a failure
    bool verify_read = false;             ///< the read-back of --verify
    std::chrono::microseconds latency{};  ///< server latency: sent to answered
    std::chrono::microseconds queued{};   ///< waiting in cmbulk's own gate before sending
};

/// HTTP requests by how they ended, plus retries and verify read-backs. Every request is in
/// exactly one of answered, throttled, server_errors, resets, timeouts and no_answer.
struct request_tally {
    std::uint64_t requests = 0;       ///< HTTP requests sent
    std::uint64_t answered = 0;       ///< answered, neither 429 nor 5xx
    std::uint64_t throttled = 0;      ///< 429
    std::uint64_t server_errors = 0;  ///< 5xx
    std::uint64_t resets = 0;         ///< connection reset before or after sending
    std::uint64_t timeouts = 0;       ///< no complete answer in time
    std::uint64_t no_answer = 0;      ///< connect failed, unusable (truncated) answer, cancelled
    std::uint64_t errors = 0;         ///< 5xx plus every request without an answer
    std::uint64_t retries = 0;        ///< calls that were attempts after a failure
    std::uint64_t verify_reads = 0;   ///< calls that were --verify read-backs
    /// Counts one call: its last request by how it ended, the ones before it (a Digest
    /// challenge) as answered; a call that sent nothing counts only as a retry or read-back.
    void add(const request_record& r);
};

/// What a run did, for the summary printed at the end.
struct run_summary {
    std::map<outcome, std::uint64_t> counts;  ///< rows per outcome
    std::uint64_t requests = 0;               ///< HTTP requests sent (reads included)
    std::uint64_t throttled = 0;              ///< 429 answers
    std::uint64_t retries = 0;                ///< attempts after the first
    std::chrono::milliseconds elapsed{};
    latency_histogram latency;     ///< per call: server latency (sent to answered)
    latency_histogram queued;      ///< per call: time waiting in cmbulk's gate before sending
    request_tally calls;           ///< the calls recorded with on_request
    std::uint64_t total_rows = 0;  ///< manifest rows
    /// exists-differs rows per integration type (for the summary's "what did not happen").
    std::map<std::string, std::uint64_t> exists_differs_types;
    /// Counts one finished row.
    void add(outcome o) { ++counts[o]; }
    /// Counts one call (its latencies, retry, and how it ended).
    void on_request(const request_record& r);
};

/// Human text for stderr, several lines, e.g.
///   rows 1000: created 998, failed 2
///   requests 1012 (3 x 429, 12 retries) in 10.6 s, 95.5 req/s
///   errors 2 x 5xx, 1 connection reset, 0 timeouts, 0 without an answer   (when there are any)
///   verify read-backs 998                                                 (when there are any)
///   server latency p50 12 ms, p95 40 ms, max 80 ms
///   queued in cmbulk p50 0 us, p95 3.1 ms, max 1.2 s
/// and, per type with exists-differs rows, "3 rows already had SLACK configured with other
/// values: nothing changed; use --action update or upsert".
std::string format_summary(const run_summary& s);

}  // namespace cmbulk
