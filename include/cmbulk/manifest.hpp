// The manifest module: streaming readers for CSV (RFC 4180), JSON (an array of objects) and JSON
// Lines, per-row validation against the catalogue, secret references (secret_ref.hpp),
// the --type / --set overrides, and the whole-manifest validation pass behind `cmbulk validate`.
// Rows are read one at a time; only the duplicate-detection set grows with the manifest.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/diagnostics.hpp"
#include "cmbulk/manifest_error.hpp"
#include "cmbulk/secret_ref.hpp"
#include "cmbulk/utf8.hpp"

namespace cmbulk {

/// The three manifest syntaxes.
enum class manifest_format { csv, json, jsonl };

/// The format by extension (case-insensitive): .csv, .json, .jsonl / .ndjson; nullopt if unknown.
std::optional<manifest_format> format_from_path(const std::filesystem::path& p);
/// "csv", "json" or "jsonl".
std::string_view to_string(manifest_format f);
/// "csv", "json", "jsonl" or "ndjson" (for --format); nullopt otherwise.
std::optional<manifest_format> parse_format(std::string_view s);

/// What to do with one row; `none` means "use the run's --action".
enum class row_action { none, create, update, upsert, del };

/// "create", "update", "upsert", "delete"; nullopt for anything else (including "").
std::optional<row_action> parse_action(std::string_view s);
/// "create", "update", "upsert", "delete" ("" for none).
std::string_view to_string(row_action a);

/// One row of a manifest, validated and with its references resolved.
struct manifest_row {
    std::uint64_t line = 0;   ///< 1-based line where the row starts in the file
    std::uint64_t index = 0;  ///< 0-based row number (data rows only)
    std::string project_id;
    /// From an `orgId` column/key (24 hex), else empty: which organization's credential serves
    /// the row (`--credentials`, org_routing.hpp).
    std::string org_id;
    std::string type;
    row_action action = row_action::none;  ///< from an `action` column/key, else none
    /// From a `fromLast4` column/key (`audit --emit-manifest` writes it): the last four
    /// characters of older secrets that the project's alert notifications of this type may still
    /// carry (`;`-separated, e.g. "0022;beef"). A rotation rewrites those notifications too,
    /// besides the ones that show what the integration showed before its write.
    std::vector<std::string> stale_last4;
    /// The integration's fields with typed values (booleans as bool), secret references
    /// RESOLVED, `--set` applied; `type`, `projectId` and `action` are not included.
    boost::json::object fields;
};

/// How to read and validate a manifest.
struct manifest_options {
    /// Overrides the format taken from the extension.
    std::optional<manifest_format> format;
    /// --type: the type of rows whose type is empty or absent. A row naming a different type
    /// is an error ("differs from --type"); a row naming the same type is fine.
    std::string type;
    /// --set FIELD=VALUE, applied to every row, overriding the row's own value. Values may be
    /// references (${env:..}, ${file:..}; relative files are relative to the current directory
    /// for --set, since they come from the command line). Setting projectId, type or action is an
    /// error (use --type / --action).
    std::vector<std::pair<std::string, std::string>> set_fields;
    /// Required fields differ per flavor (catalogue `field_spec::required_on`).
    flavor target_flavor = flavor::cloud_manager;
    /// The action of rows without an `action` value; delete rows need no integration fields.
    row_action default_action = row_action::create;
    /// Cap on the errors validate_manifest keeps (error_count still counts all of them).
    std::size_t max_errors = 100;
    /// Whether to detect repeated (projectId, type) rows; costs memory per distinct row.
    bool check_duplicates = true;
    /// Environment lookup for ${env:NAME}; empty means ::getenv. Injectable for tests.
    std::function<std::optional<std::string>(std::string_view)> getenv;
    /// --delimiter: the CSV delimiter (',', ';' or '\t'); unset: taken from the header line
    /// (whichever of the three occurs most, ',' on a tie). JSON manifests ignore it.
    std::optional<char> delimiter;
    /// Called by validate_manifest (the pass every command makes first) with each warning, e.g.
    /// spaces trimmed around a CSV column name; the CLI prints them. May be empty.
    std::function<void(const diagnostics&)> warn;
};

/// A row as the reader returns it: usable when `errors` is empty. When it is not, `row` holds
/// what could be read (project_id / type may be empty) so a report can still name it.
struct parsed_row {
    manifest_row row;
    std::vector<manifest_error> errors;
    bool ok() const { return errors.empty(); }
};

namespace detail {
class manifest_source;
struct source_notes;
class row_checker;
}  // namespace detail

/// Streams the rows of one manifest; never holds the whole file. Usage:
///   auto r = manifest_reader::open(path, opts);
///   while (auto row = r->next()) { if (row->ok()) ... else ... }
///   r->errors();   // file-level errors: cannot open, bad header, bad syntax, empty manifest
class manifest_reader {
public:
    /// Opens the manifest and reads its header (CSV) or opening bracket (JSON). Never fails:
    /// problems are in errors(), and a reader that cannot go on returns no rows.
    static std::unique_ptr<manifest_reader> open(const std::filesystem::path& path,
                                                 const manifest_options& opts);
    ~manifest_reader();
    manifest_reader(const manifest_reader&) = delete;
    manifest_reader& operator=(const manifest_reader&) = delete;

    /// The next data row (valid or not), or nullopt at the end of the manifest or after an
    /// error that makes the rest unreadable (then errors() says why).
    std::optional<parsed_row> next();
    /// Errors that belong to no single row (they make the manifest invalid as a whole).
    const std::vector<manifest_error>& errors() const { return file_errors_; }
    /// What was read but deserves a word (spaces trimmed around a column name), in file order.
    const std::vector<diagnostics>& warnings() const { return warnings_; }
    /// Whether a file-level error occurred (the manifest must not be applied).
    bool failed() const { return !file_errors_.empty(); }
    /// Data rows returned so far.
    std::uint64_t rows() const { return rows_; }
    /// The format in use.
    manifest_format format() const { return format_; }
    /// Checks every value but keeps none in the rows' `fields` (validate_manifest's pass,
    /// which only counts errors: it saves building and freeing an object per row).
    void check_only() { check_only_ = true; }
    /// The SHA-256 (lowercase hex) of the manifest file's bytes. Reads any unread remainder of
    /// the file, so call it after next() returned nullopt. Empty if the file could not be opened.
    std::string sha256_hex();

private:
    manifest_reader() = default;
    parsed_row finish_row(std::uint64_t line, boost::json::object raw,
                          std::vector<manifest_error> pre_errors);
    void add_file_error(std::uint64_t line, std::string field, std::string message,
                        manifest_errc code);
    void take_notes(detail::source_notes& notes);

    struct state;
    friend class detail::row_checker;  // one row's checks (manifest_row.cpp)
    std::unique_ptr<state> st_;
    std::unique_ptr<detail::manifest_source> src_;
    std::vector<manifest_error> file_errors_;
    std::vector<diagnostics> warnings_;
    std::uint64_t rows_ = 0;
    manifest_format format_ = manifest_format::csv;
    bool done_ = false;
    bool check_only_ = false;
};

/// What the whole-manifest pass found.
struct validation_summary {
    std::uint64_t rows = 0;              ///< data rows read
    std::uint64_t invalid_rows = 0;      ///< rows with at least one error
    std::vector<manifest_error> errors;  ///< in file order, at most max_errors
    std::uint64_t error_count = 0;       ///< every error found, including those past the cap
    /// Errors of the file as a whole (cannot open, header, syntax that stops reading, empty
    /// manifest, --set / --type): --skip-invalid cannot skip these, nothing may be applied.
    std::uint64_t file_error_count = 0;
    std::uint64_t rows_without_org = 0;  ///< valid rows with no orgId (a fleet run looks them up)
    std::string sha256;                  ///< of the file's bytes, lowercase hex
    std::vector<diagnostics> warnings;   ///< every warning (they do not make the manifest invalid)
    bool ok() const { return error_count == 0; }
};

/// Reads the whole manifest as a stream and reports every problem (up to the cap): syntax, id
/// format, known type, required fields (per flavor and action), unknown fields with a "did you
/// mean" hint, enum values, booleans, masked secrets, duplicate (projectId, type) rows (naming
/// the first line), unresolvable references, empty manifest.
validation_summary validate_manifest(const std::filesystem::path& path,
                                     const manifest_options& opts);

}  // namespace cmbulk
