// The exit codes of every cmbulk command, in one place (and in --help), and the one function
// from how a run ended to its exit status.
#pragma once

#include <cstdint>

namespace cmbulk {

enum exit_status : int {
    exit_success = 0,       ///< every row succeeded
    exit_rows_failed = 1,   ///< some rows failed (the report says which), or an output was lost
    exit_usage = 2,         ///< usage error or invalid manifest: nothing was sent
    exit_fatal = 3,         ///< authentication failed or server unreachable: the run stopped
    exit_changes = 4,       ///< `plan --detailed-exitcode`: there are changes to make
    exit_interrupted = 130  ///< stopped by SIGINT/SIGTERM; resume with --resume
};

/// How a run ended, as far as its exit status cares (each command fills it from its summary).
struct run_end {
    bool fatal = false;        ///< the run stopped: credentials refused, server unreachable,
                               ///< a checkpoint that could not be written
    bool interrupted = false;  ///< SIGINT or SIGTERM
    /// A report, checkpoint or other output could not be written (never exit 0).
    bool outputs_failed = false;
    /// Items that did not succeed: failed, invalid, not-run and mismatched rows; projects or
    /// organizations that could not be read; plan rows whose read failed.
    std::uint64_t unsuccessful = 0;
    bool changes = false;            ///< plan: there are changes to make
    bool detailed_exitcode = false;  ///< plan --detailed-exitcode: say so with exit 4
};

/// fatal 3, else interrupted 130, else a lost output or an unsuccessful item 1, else changes
/// with --detailed-exitcode 4, else 0.
inline exit_status exit_status_for(const run_end& e) {
    if (e.fatal) return exit_fatal;
    if (e.interrupted) return exit_interrupted;
    if (e.outputs_failed || e.unsuccessful > 0) return exit_rows_failed;
    if (e.changes && e.detailed_exitcode) return exit_changes;
    return exit_success;
}

}  // namespace cmbulk
