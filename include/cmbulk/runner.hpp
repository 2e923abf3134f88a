// `cmbulk apply` and `cmbulk validate`: the whole manifest is validated first; then the rows go
// through the dispatcher (per-project order, resume lookup) to the run engine, each driven by its
// row_plan, and every row is recorded in the report and the checkpoint journal. `--dry-run` is
// the same run with a session that prints instead of sending.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "cmbulk/api.hpp"
#include "cmbulk/credentials_file.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/manifest.hpp"
#include "cmbulk/report.hpp"

namespace cmbulk {

/// Everything `cmbulk apply` needs; the CLI fills it from options, environment and config.
struct apply_options {
    std::filesystem::path manifest;
    manifest_options manifest_opts;  ///< format, --type, --set, flavor, default action
    api_config api;                  ///< base URL, flavor, credentials, TLS, timeouts
    /// `--credentials FILE`: one credential per organization; each row goes out with its
    /// project's org's (orgId column, else each credential's project list read once). Empty:
    /// api.creds serves every row.
    std::vector<org_credential> fleet;
    run_params run;             ///< concurrency, pacing, retries, grace, progress...
    bool skip_invalid = false;  ///< report invalid rows as `invalid` and run the rest
    bool dry_run = false;       ///< print what would be sent, send nothing
    /// Read each row's integration first; send nothing when it already is what the row says
    /// (compare.hpp), and report the row `unchanged`.
    bool skip_unchanged = false;
    /// Read each integration back after its write: `verified` or `mismatch` (exit 1).
    bool verify = false;
    /// Issue 14: a row that changes an integration's secret (update, upsert) also rewrites the
    /// project's alert configurations whose notifications still carry the old one.
    /// --integrations-only turns that off.
    bool integrations_only = false;
    /// --link-alerts (Atlas v2): link those notifications to the integration (integrationId)
    /// instead of copying the new secret into them.
    bool link_alerts = false;
    /// --from-last4 XXXX: a notification carries the old secret when it shows these last four
    /// (instead of what the integration showed before the write).
    std::string from_last4;
    std::filesystem::path report_path;  ///< empty: <manifest stem>.report.csv next to the manifest
    std::filesystem::path checkpoint_path;  ///< empty: <report>.checkpoint.jsonl
    bool no_checkpoint = false;  ///< --no-checkpoint: write no journal (no resume possible)
    bool resume = false;         ///< continue the run recorded in the checkpoint
    bool resume_failed = true;   ///< on resume, run failed rows again
    bool force = false;  ///< on resume, accept a changed manifest (rows matched by project+type)
    std::filesystem::path html_report_path;  ///< also write the HTML run report here (empty: none)
    /// `--report run.html`: the row report is the companion beside it (companion_report_path),
    /// and the HTML report is what --report named (for the messages of a path clash).
    bool report_beside_html = false;
    bool log_json = false;     ///< --log-format json: JSON Lines events on stderr (run_log.hpp)
    std::string command_line;  ///< shown in the HTML report (literal --set values masked)
    /// The command as typed (literal --set values masked), for the resume command printed when
    /// the run is interrupted.
    std::vector<std::string> command_args;
    /// The options given that the checkpoint does not record (server, pacing, progress), as
    /// typed: the printed resume command is `cmbulk apply MANIFEST --resume --checkpoint FILE`
    /// and these.
    std::vector<std::string> unrecorded_args;
};

/// Runs `cmbulk apply`; returns the exit status (exit_status.hpp). Writes human messages to `err`
/// and dry-run output to `out`.
int run_apply(const apply_options& opts, std::ostream& out, std::ostream& err);

/// Runs `cmbulk validate`: the whole-manifest validation pass, offline.
int run_validate(const std::filesystem::path& manifest, const manifest_options& opts,
                 std::ostream& out, std::ostream& err);

/// The report row a journal says for one manifest row (for `cmbulk report CHECKPOINT` and the
/// rows a resume does not touch): the last outcome, or `not-run` with a detail saying the row
/// was interrupted when an intent is open (the change may have landed) or nothing was recorded.
report_row journal_report_row(const journal_row_state& s);

}  // namespace cmbulk
