// `cmbulk revert CHECKPOINT` (issue 17): the inverse of a recorded apply run, run like any apply
// on the run engine (bounded workers, pacing, retries, its own checkpoint and --resume, a
// report). Each row the run created, updated or deleted is read as it is now and decided by
// revert_plan (revert_machine.hpp); `--plan` prints the decisions and sends nothing.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "cmbulk/api.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/revert_plan.hpp"

namespace cmbulk {

/// Everything `cmbulk revert` needs; the CLI fills it.
struct revert_options {
    std::filesystem::path source;  ///< the checkpoint of the run to revert (read only)
    api_config api;
    run_params run;
    bool plan_only = false;  ///< --plan / --dry-run: read and decide, print, send nothing
    /// --set FIELD=VALUE: an old secret for every row (resolved, in clear; never recorded).
    supplied_secrets secrets;
    /// --old-secrets FILE: old secrets per (projectId, type), over `secrets`.
    std::filesystem::path old_secrets;
    std::filesystem::path report_path;      ///< empty: <source>.revert.csv
    std::filesystem::path checkpoint_path;  ///< empty: <report>.checkpoint.jsonl
    bool resume = false;                    ///< continue the revert its checkpoint records
    std::vector<std::string> command_args;  ///< as typed, for the resume command
};

/// Runs `cmbulk revert`; returns the exit status (exit_status.hpp).
int run_revert(const revert_options& opts, std::ostream& out, std::ostream& err);

/// Reads --old-secrets FILE: a CSV with a header `projectId,type,FIELD...`, one row per
/// integration; each value is literal or a ${env:NAME} / ${file:PATH} reference. Keyed by
/// "projectId/type". False with a message (file:line, never a value) on an error.
bool read_old_secrets(const std::filesystem::path& file,
                      std::map<std::string, supplied_secrets>& out, std::string& error);

}  // namespace cmbulk
