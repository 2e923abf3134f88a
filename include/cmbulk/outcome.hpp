// What happened to one item of a run (a manifest row, a project read): the outcome vocabulary
// shared by the machines, the journal, the report and the exit status. A leaf: it knows nothing
// of who records or prints an outcome.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace cmbulk {

/// What happened to one manifest row.
enum class outcome {
    created,    ///< POST succeeded (or a retried create whose first attempt landed)
    updated,    ///< PUT succeeded
    deleted,    ///< DELETE succeeded
    unchanged,  ///< nothing to do (e.g. delete of an integration that is not there)
    exists,     ///< create found the integration already configured (with our secret)
    /// Create found the integration already configured with other values: nothing changed
    /// (not a success; --action update or upsert would change it). Issue 15.
    exists_differs,
    failed,    ///< a final error
    invalid,   ///< the manifest row was invalid (--skip-invalid)
    not_run,   ///< never attempted (stopped, circuit breaker)
    verified,  ///< a check found what the manifest says
    mismatch,  ///< a check found something else
    /// The key is right (the run was answered before) but cannot reach this project: a 401 on
    /// the project's path (another organization, no role in it). Issue 13.
    no_access,
    forbidden_role,  ///< the key's role may not make this change (USER_UNAUTHORIZED)
    /// The integration was changed but some of the project's alert configurations that carry
    /// its old secret were not (issue 14): the row says which; never a success.
    partial,
};

/// "created", ..., "not-run" (the report's spelling; not_run is written with a hyphen).
std::string_view to_string(outcome o);
/// The inverse of to_string (also accepts "not_run").
std::optional<outcome> parse_outcome(std::string_view s);
/// created, updated, deleted, unchanged, exists and verified are successes (exists-differs is
/// not: nothing changed).
bool is_success(outcome o);
/// Every outcome, in declaration order.
std::span<const outcome> all_outcomes();

}  // namespace cmbulk
