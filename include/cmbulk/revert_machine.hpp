// The per-row machine of `cmbulk revert` (issue 17), sans-io like row_plan: read the
// integration (or the alert configuration a rotation rewrote) as it is now, decide the inverse of
// the recorded change (revert_plan.hpp), then send it through a row_plan (DELETE, PUT of the
// before-image, or POST), whose rules keep a write from being sent twice. In plan mode it stops
// after the decision.
#pragma once

#include <optional>
#include <string>

#include "cmbulk/engine.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/read_machine.hpp"
#include "cmbulk/revert_plan.hpp"
#include "cmbulk/row_plan.hpp"

namespace cmbulk {

/// One row of the run to revert, as its checkpoint recorded it.
struct revert_row {
    journal_row_ref ref;  ///< the row of the reverted run (its checkpoint's numbering)
    recorded_integration_change change;
    /// The run recorded a before-image (old checkpoints have none: created rows need none).
    bool has_before = false;
    /// An alert configuration the run's rotation rewrote (ref.step "alert:<id>"): reverted
    /// instead of the integration (`change` then only names the type).
    std::optional<recorded_alert_change> alert;
};

/// "no-before-image": an update or delete the checkpoint holds no before-image of.
inline constexpr std::string_view no_before_image = "no-before-image";

class revert_machine {
public:
    /// `secrets`: the old secrets of this row (by field name, in clear; never journaled).
    revert_machine(revert_row row, supplied_secrets secrets, bool plan_only);

    item_step start(retry_policy& policy);
    item_step next(api_call_result r, retry_policy& policy);

    const revert_row& row() const { return row_; }
    /// The decision's name ("delete", "put-back", ..., "no-before-image"; "failed" when the
    /// read failed); valid once a step said done.
    const std::string& kind() const { return kind_; }
    /// How the row ended: deleted / updated / created (sent), unchanged (nothing to do, or left
    /// alone), failed.
    outcome result() const { return result_; }
    const std::string& detail() const { return detail_; }
    const std::string& error_code() const { return error_code_; }
    int http_status() const { return status_; }
    int attempts() const { return read_.attempts() + (write_ ? write_->attempts() : 0); }
    /// The last four characters of the secret the write sends ("" when none).
    const std::string& sent_last4() const { return sent_last4_; }

private:
    item_step decide(const api_call_result& r, retry_policy& policy);
    item_step decide_alert(const api_call_result& r, retry_policy& policy);
    item_step write(revert_decision d, retry_policy& policy);
    item_step end(outcome o, std::string code, std::string detail, int status = 0);
    item_step to_step(const plan_step& s);
    api_request request_for(plan_request p) const;

    revert_row row_;
    supplied_secrets secrets_;
    bool plan_only_;
    read_machine read_;
    std::optional<row_plan> write_;
    boost::json::object body_;   ///< what the write sends (put-back, recreate)
    bool writing_read_ = false;  ///< the write's row_plan asked for a (resolving) GET
    std::string kind_, detail_, error_code_, sent_last4_;
    outcome result_ = outcome::not_run;
    int status_ = 0;
};

/// Whether `now` already is the before-image (non-secret fields equal, each supplied secret's
/// last four shown): the revert landed before an interruption, or there is nothing to do.
bool shows_before_image(const recorded_integration_change& c, const boost::json::object& now,
                        const supplied_secrets& secrets);

}  // namespace cmbulk
