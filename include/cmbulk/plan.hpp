// `cmbulk plan MANIFEST`: reads each row's current integration (the run engine with a
// read_machine per row: bounded workers, one rate limit, retried reads) and says what `apply`
// would do: create, update (naming the fields that differ and "secret differs" by the masked
// last four), unchanged or delete. Never prints a secret.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

#include "cmbulk/api.hpp"
#include "cmbulk/compare.hpp"
#include "cmbulk/credentials_file.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/manifest.hpp"

namespace cmbulk {

/// What apply would do with one row.
enum class plan_verdict {
    create,     ///< missing: POST (or a v1.0 PUT, which creates)
    update,     ///< present and different: PUT
    unchanged,  ///< present and equal (or a delete of a missing one)
    del,        ///< present: DELETE
    exists,     ///< create of a present, different integration: apply would be refused (409)
    error,      ///< the read failed
};
/// "create", "update", "unchanged", "delete", "exists", "error".
std::string_view to_string(plan_verdict v);

/// The verdict for a row with `action` (none counts as create) when the GET found the
/// integration (`found`, compared as `diff`) or not. Pure.
plan_verdict decide(row_action action, bool found, const integration_diff& diff);

struct plan_options {
    std::filesystem::path manifest;
    manifest_options manifest_opts;
    api_config api;
    /// `--credentials FILE`: each row read with its organization's credential (as apply does).
    std::vector<org_credential> fleet;
    run_params run;  ///< concurrency, pacing, retries, grace, progress...
    bool detailed_exitcode = false;
    /// As apply's (issue 14): list the alert configurations a rotation would rewrite, unless
    /// --integrations-only; --link-alerts and --from-last4 as apply takes them.
    bool integrations_only = false;
    bool link_alerts = false;
    std::string from_last4;
    /// --report: also write one row per manifest row (line, projectId, type, plan, detail) as
    /// .csv, .json or .jsonl, atomically; never on the manifest (empty: none).
    std::filesystem::path report_path;
};

/// Runs `cmbulk plan`: one line per row on `out` in manifest order, the counts at the end.
/// Exit: 0 (no changes, or changes without --detailed-exitcode), 4 (changes, with
/// --detailed-exitcode), 1 (a read failed or was not made), 2 (usage / invalid manifest),
/// 3 (fatal), 130 (interrupted).
int run_plan(const plan_options& opts, std::ostream& out, std::ostream& err);

}  // namespace cmbulk
