// The checkpoint journal: an append-only JSON Lines file with a versioned header, an `intent`
// record before each state-changing request (the first one of a row also holding the before-image
// of what it changes, issue 17; or a `before` record before it), an `outcome` record when a row
// (or one of its steps) ends, and
// `item` records holding what a finished item produced (audit's projects). Replay drops a torn last
// line (and open_append cuts it off before appending) but refuses a bad header or garbage in the
// middle with "file:line: ...". Never holds a secret (four last characters at most). Errors are
// values: journal_errc with a diagnostics object.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cmbulk/diagnostics.hpp"
#include "cmbulk/outcome.hpp"

namespace cmbulk {

/// What can go wrong with a journal (category "cmbulk.journal"); the diagnostics beside the
/// code name the file, the line and what is wrong.
enum class journal_errc {
    open_failed = 1,      ///< the file cannot be opened or created
    read_failed,          ///< a read failed
    empty,                ///< no header
    bad_header,           ///< the header is truncated, not JSON or not a journal header
    unsupported_version,  ///< a format version this build does not read
    bad_record,           ///< a record before the last line is not valid
    conflicting_record,   ///< a record names another project or type for a row seen before
    write_failed,         ///< writing, fsyncing or renaming failed
    repair_failed,        ///< the torn tail could not be cut off
};
const boost::system::error_category& journal_category();
inline boost::system::error_code make_error_code(journal_errc e) {
    return {static_cast<int>(e), journal_category()};
}

/// The journal's first line. Line format:
/// {"cmbulkJournal":1,"toolVersion":..,"manifestSha256":..,"action":..,"flavor":..,"baseUrl":..,
///  "options":{..},"createdAt":".."} (and "command":"audit" for an audit's checkpoint)
struct journal_header {
    int format_version = 1;
    /// The command whose checkpoint this is: "apply" (written as no key, as before) or "audit".
    /// manifestSha256 and action are required for apply only.
    std::string command = "apply";
    std::string tool_version, manifest_sha256, action, flavor, base_url;
    /// Options that change what is sent (e.g. "type", "set.teamName"). Values are written as
    /// given: NEVER put a secret here (hash it first, e.g. with digest::hash_hex).
    std::map<std::string, std::string> options;
    /// ISO 8601 UTC; journal_writer::create fills it when empty.
    std::string created_at;
};

/// The journal format version this build writes and reads.
inline constexpr int journal_format_version = 1;

/// Which manifest row a record is about.
struct journal_row_ref {
    std::uint64_t row = 0;   ///< 0-based index of the row in the manifest
    std::uint64_t line = 0;  ///< the row's manifest line (for messages)
    std::string project_id, type, action;
    /// Which step of the row ("" for the row itself, written as no key): a machine that runs
    /// several changes per row (an alert configuration each, issue 14) records each as a step.
    std::string step = {};
};

/// How a row ended (one `outcome` record).
/// Record: {"k":"outcome","row":..,"line":..,"p":..,"t":..,"a":..,"o":"created","s":200,
///          "e":"","d":"","n":1,"ms":12,"l4":"7890"} (empty strings and zero status omitted).
struct journal_outcome {
    outcome result = outcome::not_run;
    int http_status = 0;
    std::string error_code, detail;
    int attempts = 0;
    std::int64_t duration_ms = 0;
    /// At most the last four characters of the secret sent; longer values are clipped on write.
    std::string secret_last4;
};

/// What the journal says about one step (or the whole row) after replay.
struct journal_step_state {
    bool intent_open = false;   ///< an intent without a later outcome: the change may have landed
    std::string intent_method;  ///< HTTP method of the last intent ("POST", "PUT", "DELETE")
    std::uint32_t intents = 0;  ///< intent records seen (over all runs)
    std::optional<journal_outcome> last_outcome;  ///< the last outcome record (last one wins)
    /// Issue 17: a `before` record was read (the first one wins: the state before the run).
    bool has_before = false;
    /// With has_before: the object as the server answered before the change (masked); nullopt:
    /// absent.
    std::optional<boost::json::object> before;
    /// With has_before: what the change wrote, as its `before` record described it ("w"; null
    /// when it did not, as in older checkpoints): an alert configuration's rewritten
    /// notifications (alert_rewrite.hpp), never a secret.
    boost::json::value wrote;
};

/// What the journal says about one manifest row after replay: the row's own state (its
/// records without a step) and each named step's.
struct journal_row_state : journal_step_state {
    std::uint64_t row = 0, line = 0;
    std::string project_id, type, action;
    std::map<std::string, journal_step_state> steps;  ///< by step name
};

/// A replayed journal.
struct journal_replay {
    journal_header header;
    std::vector<journal_row_state> rows;  ///< sorted by row index, one entry per row seen
    /// What `item` records hold, by key (the last one wins): audit's finished projects.
    std::map<std::string, boost::json::value> items;
    bool torn_tail_repaired = false;  ///< a torn last line was dropped
    std::uint64_t records = 0;        ///< records read (header excluded)
    std::uint64_t valid_bytes = 0;    ///< length of the file up to the end of the last good line
    /// The state of manifest row `row`, or nullptr when the journal never mentions it.
    const journal_row_state* find(std::uint64_t row) const;
};

/// Reads a journal. A torn LAST line (bytes after the last newline, or a final line that is not
/// JSON) is dropped and reported via torn_tail_repaired; an empty file, a truncated or invalid
/// header, an unknown format version, or a bad record before the last line is an error whose
/// message names the file and line ("path:7: ..."): rows are never silently skipped. A record
/// naming a different project or type for a row seen before is an error too.
boost::system::result<journal_replay> replay_journal(const std::filesystem::path& path,
                                                     diagnostics& diag);

/// Issue 17: the before-image an intent record carries. Not `recorded`: the record has none
/// (not the row's first change, or no image was read); `image` null: absent (nothing was there).
struct journal_before_image {
    bool recorded = false;
    const boost::json::object* image = nullptr;
};

/// Appends records to a journal. Not thread-safe (the client has one thread).
class journal_writer {
public:
    /// Starts a new journal at `path`, replacing any file there (the caller checks for an
    /// existing journal first): the header is written to "<path>.tmp-<pid>", fsynced, renamed over
    /// `path`, and the directory is fsynced. `fsync_interval` zero means fsync every record.
    static boost::system::result<std::unique_ptr<journal_writer>> create(
        std::filesystem::path path, const journal_header& header, diagnostics& diag,
        std::chrono::milliseconds fsync_interval = std::chrono::seconds(1));
    /// Opens an existing journal for --resume: replays it (errors as replay_journal), cuts off a
    /// torn tail (ftruncate + fsync) and opens it with O_APPEND. The replay is handed back
    /// through `replay` when not null, so the caller need not read the file twice.
    static boost::system::result<std::unique_ptr<journal_writer>> open_append(
        std::filesystem::path path, diagnostics& diag, journal_replay* replay = nullptr,
        std::chrono::milliseconds fsync_interval = std::chrono::seconds(1));

    ~journal_writer();  ///< close()
    journal_writer(const journal_writer&) = delete;
    journal_writer& operator=(const journal_writer&) = delete;

    /// Records that a state-changing request (`method`: "POST", "PUT", "DELETE") is about to be
    /// sent for the row, with the before-image of what it changes when `before.recorded` (the
    /// same as a write_before first, in one record). One write(2): the record has reached the OS
    /// when this returns; fsynced when the last fsync is older than the interval. An error means
    /// "do not send".
    boost::system::result<void> write_intent(const journal_row_ref& row, std::string_view method,
                                             journal_before_image before = {});
    /// Records how the row ended. Same guarantees as write_intent. (Write errors are the
    /// system's errno codes.)
    boost::system::result<void> write_outcome(const journal_row_ref& row, const journal_outcome& o);
    /// Records what a finished item produced (`value`, compact JSON on one line; never a
    /// secret), under `key`. Same guarantees as write_intent.
    boost::system::result<void> write_item(std::string_view key, const boost::json::value& value);
    /// Issue 17: records the before-image of the change about to be sent for the row (or step):
    /// the object as the server answered it, masked (nullptr: absent). Written before the
    /// intent; replay keeps the first one. Never pass what is about to be sent.
    /// `wrote` (optional, never a secret): what the change writes, kept beside the image.
    boost::system::result<void> write_before(const journal_row_ref& row,
                                             const boost::json::object* before,
                                             const boost::json::value* wrote = nullptr);
    /// fsync now. Records written and then left idle are only fsynced by the next write past the
    /// interval, so the caller also calls sync() from a timer (about once a second) while dirty().
    boost::system::result<void> sync();
    /// Whether records were written since the last fsync.
    bool dirty() const { return dirty_; }
    /// fsync and close; later writes fail. Called by the destructor.
    void close();

    const std::filesystem::path& path() const { return path_; }
    std::uint64_t records_written() const { return records_; }

private:
    journal_writer(std::filesystem::path path, int fd, std::chrono::milliseconds fsync_interval);
    boost::system::result<void> append(const std::string& line);
    std::filesystem::path path_;
    int fd_ = -1;
    std::chrono::milliseconds fsync_interval_;
    std::chrono::steady_clock::time_point last_sync_;
    bool dirty_ = false;
    std::uint64_t records_ = 0;
};

/// Serializes a header / records exactly as the writer does (one line, no newline); for tests.
std::string journal_header_line(const journal_header& h);
/// {"k":"intent",...,"m":"PUT"} and, with before.recorded, "b" as journal_before_line's.
std::string journal_intent_line(const journal_row_ref& row, std::string_view method,
                                journal_before_image before = {});
std::string journal_outcome_line(const journal_row_ref& row, const journal_outcome& o);
std::string journal_item_line(std::string_view key, const boost::json::value& value);
/// {"k":"before","row":..,"line":..,"p":..,"t":..,"a":..,"b":{...}} ("b":null: absent), and
/// "w":.. when `wrote` is given.
std::string journal_before_line(const journal_row_ref& row, const boost::json::object* before,
                                const boost::json::value* wrote = nullptr);

/// What differs between the saved header and the run about to resume ("manifest changed
/// (sha256 0123456789ab... vs ba9876543210...)", "action differs: create vs update",
/// "base URL differs: http://a vs http://b", "option type differs: SLACK vs WEBHOOK"); empty when
/// the run may resume. The tool version and creation time may differ freely.
std::vector<std::string> compare_headers(const journal_header& saved, const journal_header& now);

}  // namespace cmbulk

template <>
struct boost::system::is_error_code_enum<cmbulk::journal_errc> : std::true_type {};
