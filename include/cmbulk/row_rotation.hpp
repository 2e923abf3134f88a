// The alert half of one apply row (`cmbulk apply` and `plan`, issue 14): what the row's
// integration showed before its write (the old secret's visible part, its id), whether the row
// rotates a secret that alert notifications copy, the alert_rotation machine that runs after the
// integration's write, and what the row records: a journal step per alert configuration, a report
// row per configuration, and the row's outcome (`partial` when an alert step did not succeed).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cmbulk/alert_rotation.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/manifest.hpp"
#include "cmbulk/report.hpp"

namespace cmbulk {

/// The run's rotation options (apply_options).
struct rotation_options {
    bool enabled = true;     ///< not --integrations-only, not a dry run
    bool link = false;       ///< --link-alerts
    std::string from_last4;  ///< --from-last4
    bool verify = false;     ///< --verify
    int page_size = 100;
};

/// The journal step that holds the old secret's last four (written before the integration's
/// write), and the prefix of each alert configuration's step.
inline constexpr std::string_view old_secret_step = "old-secret";
inline constexpr std::string_view alert_step_prefix = "alert:";

class row_rotation {
public:
    /// `previous`: what the checkpoint recorded for the row (nullptr: nothing).
    row_rotation(const rotation_options& opts, const manifest_row& row, row_action action,
                 const journal_row_state* previous);
    /// The row changes a secret that alert notifications copy (update or upsert).
    bool wanted() const { return wanted_; }
    /// The integration must be read before its write: for the old secret (no --from-last4, none
    /// in the checkpoint) or, with --link-alerts, for its id.
    bool needs_read() const { return wanted_ && (rotation_.from_last4.empty() || opts_.link); }
    /// An answer of one of the row's integration reads: `before_write` for the reads before the
    /// write (the old secret), else the read-back of --verify (the id, when not known yet).
    void on_integration_read(const boost::json::object& body, bool before_write);
    /// The journal record of the old secret's last four, due before the integration's write
    /// (once; nullopt when there is none to record or the checkpoint has it already).
    std::optional<journal_outcome> old_secret_record();
    /// The rotation the alert half would run after the integration ended with `integration`
    /// (`plan` asks with the outcome a write would have), or nullopt when none is due.
    std::optional<secret_rotation> planned(outcome integration);
    /// After the integration's row_plan ended with `integration`: the alert machine's first
    /// step, or nullopt when no alert step is due.
    std::optional<item_step> start(outcome integration, retry_policy& policy);
    bool active() const { return machine_.has_value(); }
    /// The alert machine once started (nullptr before).
    const alert_rotation* machine() const { return machine_ ? &*machine_ : nullptr; }
    item_step next(api_call_result r, retry_policy& policy) { return machine_->next(r, policy); }
    /// The journal step name of the request in flight ("alert:<id>").
    std::string current_step() const;

    /// The row's outcome and detail after its integration ended with `integration`.
    outcome row_outcome(outcome integration, std::string& detail) const;
    /// The journal outcome of each configuration this run finished, with its step name.
    std::vector<std::pair<std::string, journal_outcome>> step_records() const;
    /// The report rows of the row's alert configurations: this run's, then those an earlier run
    /// finished that this run did not touch again. `base` is the integration's row.
    std::vector<report_row> report_rows(const report_row& base) const;

private:
    secret_rotation rotation_;
    rotation_options opts_;
    const journal_row_state* previous_ = nullptr;
    std::string project_id_;
    bool wanted_ = false, read_before_ = false, recorded_old_ = false;
    std::string old_last4_, integration_id_;
    std::optional<alert_rotation> machine_;
    std::string skipped_;  ///< why no alert step ran although wanted ("" when it ran)
};

/// The report row of one alert configuration's journal step ("alert:<id>"), beside the row's
/// integration row `base`.
report_row alert_report_row(const report_row& base, const std::string& step,
                            const journal_outcome& o);
/// The report rows of the alert steps an earlier run finished (success), but for `exclude`.
std::vector<report_row> journal_alert_rows(const report_row& base, const journal_row_state& prev,
                                           const std::set<std::string>& exclude);

/// A config's report detail: "HOST_DOWN: PAGER_DUTY serviceKey 0022 -> beef" (never a secret).
std::string describe_alert_step(const alert_step_result& r);

}  // namespace cmbulk
