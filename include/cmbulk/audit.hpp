// `cmbulk audit`: finds projects (a file, organizations, or everything the key sees), reads every
// page of each project's integrations on the run engine (an audit_pager per organization, then
// per project), and writes one report row per (project, integration) with the API's masked
// values and findings; it can also turn what it saw into a manifest for `apply`
// (--emit-manifest). Finished projects are `item` records of the checkpoint journal, so
// --resume reads only the rest. Pure pieces are public for the unit tests; run_audit is the run.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/api.hpp"
#include "cmbulk/credentials_file.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/learned_limits.hpp"
#include "cmbulk/manifest.hpp"
#include "cmbulk/report.hpp"

namespace cmbulk {

/// A project to audit.
struct audit_project {
    std::string id, name, org_id;
};

/// One row of the audit report: one integration of one project, a project with none (type
/// empty), or a project / organization that could not be read (error set).
struct audit_row {
    std::string project_id, project_name, org_id, type;
    /// The integration as the API returned it (secrets masked by the API), without "type".
    boost::json::object fields;
    std::vector<std::string> findings;
    std::string error;  ///< "HTTP 403 FORBIDDEN: <detail>" when the project could not be read
};

/// The findings of one integration (its masked object as the API returned it):
/// `webhook-http` (WEBHOOK url over http://), `slack-no-channel` (SLACK without channelName),
/// `prometheus-disabled` (PROMETHEUS enabled=false), `legacy-type` (NEW_RELIC, HIP_CHAT,
/// FLOWDOCK), `unknown-type` (a type the catalogue does not know).
std::vector<std::string> findings_for(std::string_view type, const boost::json::object& fields);

/// The CSV report's field columns: every field name of the catalogue, once, in catalogue order.
std::vector<std::string> audit_field_columns();
/// The CSV report's columns for the rows of third-party alert notifications (type
/// ALERT:<typeName>), after the field columns: alertConfigId, eventTypeName, notificationType,
/// secretField, secretShown (the visible part), matchesIntegration, integrationId.
std::vector<std::string> audit_alert_columns();
/// The whole report text in `format` (CSV: projectId, projectName, orgId, type, findings, error,
/// then one column per catalogue field, then audit_alert_columns(); an ALERT row fills only the
/// latter; JSON / JSONL: objects with a "fields" object).
std::string format_audit_report(const std::vector<audit_row>& rows, report_format format);
/// Reads an audit report back (JSON / JSONL only: CSV loses JSON types). For tests and tools.
boost::system::result<std::vector<audit_row>> parse_audit_rows(std::string_view text,
                                                               report_format format,
                                                               std::string& message);
/// One report row as JSON (also the checkpoint's record of a project).
boost::json::object to_json(const audit_row& row);
audit_row audit_row_from_json(const boost::json::object& o);

/// Reads the projects of --projects FILE: CSV with a projectId column (optional name /
/// projectName and orgId), a JSON array of objects (or of id strings), or JSON Lines objects.
/// Errors name file:line.
boost::system::result<std::vector<audit_project>> read_projects_file(const std::filesystem::path& p,
                                                                     std::string& message);

/// The reference name used for a secret field without --secret-ref: TYPE_FIELD in upper snake
/// case ("SLACK_API_TOKEN" for SLACK apiToken).
std::string default_secret_ref(std::string_view type, std::string_view field);

/// The manifest row for one audited integration: projectId, type, its current non-secret fields,
/// and each secret field (present in the API's answer, or required) as `${env:NAME}` with NAME
/// from `secret_refs` (FIELD -> NAME) or default_secret_ref. A masked value is never copied.
/// nullopt for rows that are not an integration of a known type. `refs_used` gains each NAME.
std::optional<boost::json::object> manifest_row_for(
    const audit_row& row, const std::map<std::string, std::string>& secret_refs,
    std::vector<std::string>& refs_used);
/// The name of the field that holds an ALERT:<typeName> row's secret as the API shows it
/// ("serviceKey"), and that value ("****...0022"; "" when none).
std::string alert_row_secret_field(const audit_row& row);
std::string alert_row_secret_shown(const audit_row& row);
/// For --emit-manifest: the last four characters that the notifications with the finding
/// `stale-alert-secret` show, by (project id, integration type), each once, in report order.
/// A manifest row's `fromLast4`, so that `apply` rewrites them with the row's secret.
std::map<std::pair<std::string, std::string>, std::vector<std::string>> stale_alert_last4(
    const std::vector<audit_row>& rows);
/// The manifest text: CSV (projectId, [orgId,] type, [fromLast4,] then every field any row has,
/// in catalogue order) or
/// JSON Lines (one object per line), by `format` (json is written as an array).
std::string format_manifest(const std::vector<boost::json::object>& rows, manifest_format format);

/// Everything `cmbulk audit` needs.
struct audit_options {
    std::filesystem::path projects_file;  ///< --projects
    std::vector<std::string> org_ids;     ///< --org (repeatable)
    bool all = false;                     ///< --all: GET /groups
    std::vector<std::string> types;       ///< --type filter (empty: every type)
    int page_size = 100;                  ///< itemsPerPage, 1..500
    api_config api;
    /// `--credentials FILE`: each organization's projects read with its own credential; --all
    /// lists every configured credential's projects.
    std::vector<org_credential> fleet;
    run_params run;                         ///< concurrency, pacing, retries, grace, progress...
    std::filesystem::path report_path;      ///< default ./audit.csv
    std::filesystem::path checkpoint_path;  ///< default <report>.checkpoint.jsonl
    bool resume = false;                    ///< skip projects the checkpoint records as done
    std::filesystem::path emit_manifest;    ///< --emit-manifest (.csv, .json or .jsonl)
    std::filesystem::path emit_sim_seed;    ///< --emit-sim-seed (a cmbulk-sim seed, JSON)
    std::map<std::string, std::string> secret_refs;  ///< --secret-ref FIELD=NAME
    /// --stale-only: the manifest has only the integrations whose alert notifications are stale.
    bool emit_stale_only = false;
    /// The command as typed, for the resume command printed when the audit is interrupted.
    std::vector<std::string> command_args;
};

/// What an audit learned about the service's limits, for the seed (`cmbulkLimits`).
struct seed_limits {
    /// Where `sets` come from: rateLimits, the bodies of 429s, or nowhere (the simulator's
    /// live-like defaults apply).
    limits_source source = limits_source::none;
    std::vector<learned_limit> sets;      ///< cmbulk-sim reads them as if given by --limit
    std::uint64_t rate_limited_429s = 0;  ///< 429s the audit met
    double observed_requests_per_s = 0;   ///< requests / wall time of the audit
};
/// The rehearsal key of an emitted seed (made up; a seed for cmbulk-sim only).
inline constexpr std::string_view seed_public_key = "rehearsal";
inline constexpr std::string_view seed_private_key = "rehearsal-private-key-not-a-secret";
/// The org of projects whose organization the audit did not learn.
inline constexpr std::string_view seed_unknown_org = "5e0000000000000000000000";

/// --emit-sim-seed: the audited projects (`results` per project, as run_audit keeps them) as a
/// cmbulk-sim seed: orgs (by each project's orgId), projects, integrations with the fields as
/// answered (masked secrets stay masked), a rehearsal key spanning the orgs, and the limits
/// learned under `cmbulkLimits`. Unreadable projects are left out. Pure.
boost::json::object sim_seed_of(const std::vector<audit_project>& projects,
                                const std::vector<std::vector<audit_row>>& results, flavor f,
                                const seed_limits& limits);

/// Runs the audit. Exit: 0 all read, 1 a project or organization could not be read (reported
/// with its error), 2 usage, 3 authentication failed or server unreachable, 130 interrupted.
int run_audit(const audit_options& opts, std::ostream& out, std::ostream& err);

}  // namespace cmbulk
