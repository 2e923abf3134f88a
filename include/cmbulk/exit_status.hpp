// The exit codes of every cmbulk command, in one place (and in --help).
#pragma once

namespace cmbulk {

enum exit_status : int {
    exit_success = 0,       ///< every row succeeded
    exit_rows_failed = 1,   ///< some rows failed (the report says which)
    exit_usage = 2,         ///< usage error or invalid manifest: nothing was sent
    exit_fatal = 3,         ///< authentication failed or server unreachable: the run stopped
    exit_changes = 4,       ///< `plan --detailed-exitcode`: there are changes to make
    exit_interrupted = 130  ///< stopped by SIGINT/SIGTERM; resume with --resume
};

}  // namespace cmbulk
