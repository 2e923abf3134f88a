// The runner: reads a validated manifest as a stream, hands rows to a bounded set of worker
// coroutines (one keep-alive connection each), runs each row's sequence of requests (read, write,
// read-back) with retries under one run-wide pacer, and writes the report and the checkpoint
// journal. The plan of a row (which requests, what the answers mean) is pure and lives in
// row_plan.hpp; this is the shell that does the I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "cmbulk/api.hpp"
#include "cmbulk/manifest.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/retry.hpp"

namespace cmbulk {

/// How progress is shown on stderr.
enum class progress_mode { automatic, live, plain, quiet };

/// Everything `cmbulk apply` needs; the CLI fills it from options, environment and config.
struct apply_options {
    std::filesystem::path manifest;
    manifest_options manifest_opts;   ///< format, --type, --set, flavor, default action
    api_config api;                   ///< base URL, flavor, credentials, TLS, timeouts
    int concurrency = 8;              ///< worker coroutines = keep-alive connections
    pacing_params pacing;             ///< --rate / --burst (0: find the server's pace)
    int max_attempts = 5;             ///< attempts per request, first one included
    backoff_params backoff;           ///< full-jitter backoff between attempts
    double retry_budget_ratio = 0.5;  ///< retries allowed per first attempt, run-wide
    std::uint64_t max_failures = 0;   ///< stop dispatching after this many failed rows (0: off)
    bool skip_invalid = false;        ///< report invalid rows as `invalid` and run the rest
    bool dry_run = false;             ///< print what would be sent, send nothing
    /// Read each row's integration first; send nothing when it already is what the row says
    /// (compare.hpp), and report the row `unchanged`.
    bool skip_unchanged = false;
    /// Read each integration back after its write: `verified` or `mismatch` (exit 1).
    bool verify = false;
    std::filesystem::path report_path;  ///< empty: <manifest stem>.report.csv next to the manifest
    std::filesystem::path checkpoint_path;  ///< empty: <report>.checkpoint.jsonl
    bool no_checkpoint = false;  ///< --no-checkpoint: write no journal (no resume possible)
    bool resume = false;         ///< continue the run recorded in the checkpoint
    bool resume_failed = true;   ///< on resume, run failed rows again
    bool force = false;  ///< on resume, accept a changed manifest (rows matched by project+type)
    std::chrono::milliseconds grace{10000};  ///< first signal: in-flight requests get this long
    progress_mode progress = progress_mode::automatic;
    std::uint64_t fault_seed = 0;            ///< seed for jitter (0: random)
    std::filesystem::path html_report_path;  ///< also write the HTML run report here (empty: none)
    bool log_json = false;     ///< --log-format json: JSON Lines events on stderr (run_log.hpp)
    std::string command_line;  ///< shown in the HTML report
};

/// Runs `cmbulk apply`; returns the exit status (exit_status.hpp). Writes human messages to `err`
/// and dry-run output to `out`.
int run_apply(const apply_options& opts, std::ostream& out, std::ostream& err);

/// Runs `cmbulk validate`: the whole-manifest validation pass, offline.
int run_validate(const std::filesystem::path& manifest, const manifest_options& opts,
                 std::ostream& out, std::ostream& err);

}  // namespace cmbulk
