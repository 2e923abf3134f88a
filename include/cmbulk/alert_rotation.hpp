// The alert half of a rotation (issue 14) as a sans-io machine on the run engine: after a row
// changed a project's integration secret, list the project's alert configurations (every page),
// rewrite each (alert_rewrite.hpp) and PUT the ones whose notifications still carry the old
// secret, one config after the other; with --verify read each rewritten config back and check
// that it shows the new secret's last four (or the link). A config whose step has an open intent
// in the checkpoint is read again by itself before its PUT (a resume never rewrites from a read
// made before the kill). The PUT is resend-safe: retries and throttling follow retry.hpp.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "cmbulk/alert_rewrite.hpp"
#include "cmbulk/audit_pager.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/outcome.hpp"
#include "cmbulk/read_machine.hpp"

namespace cmbulk {

/// How one alert configuration ended.
struct alert_step_result {
    std::string config_id;
    std::string event_type;  ///< eventTypeName
    /// updated (PUT done), verified / mismatch (--verify), failed (PUT or its re-read refused;
    /// or the rewrite was refused: nothing sent), unchanged (gone since it was listed).
    outcome result = outcome::not_run;
    int http_status = 0;
    std::string error_code, detail;
    int attempts = 0;
    std::vector<notification_change> changes;  ///< the notifications rewritten (or to be)
};

/// What the machine is told before it starts.
struct alert_rotation_params {
    std::string group_id;
    secret_rotation rotation;
    bool verify = false;
    int page_size = 100;
    /// Configs whose PUT may have landed in an earlier run (open intent): read alone, afresh,
    /// just before their rewrite.
    std::set<std::string> reread;
};

class alert_rotation {
public:
    explicit alert_rotation(alert_rotation_params p);
    item_step start(retry_policy& policy);
    item_step next(api_call_result r, retry_policy& policy);

    /// Once done: every config that needed a change (or could not be judged), in list order.
    const std::vector<alert_step_result>& results() const { return results_; }
    /// Once done: the list could not be read (its failure, "HTTP 503 ...").
    bool list_failed() const { return list_failed_; }
    const std::string& list_failure() const { return list_failure_; }
    /// Configs listed, and notifications already linked by integrationId.
    std::size_t configs_listed() const { return listed_; }
    std::size_t already_linked() const { return linked_; }
    /// The config the step in flight is about ("" while listing): the journal's step name.
    const std::string& current_config() const { return current_id_; }
    /// Issue 17: the config the PUT in flight rewrites, as it was read (its before-image), and
    /// the notifications the PUT changes; valid while a PUT is in flight.
    const boost::json::object& current_as_read() const { return as_read_; }
    const std::vector<notification_change>& current_changes() const { return current_.changes; }
    /// Requests sent (list pages, PUTs, reads).
    int attempts() const { return attempts_; }
    /// Every step either succeeded or had nothing to do.
    bool all_done() const;

private:
    enum class phase { listing, rereading, putting, verifying, done };
    item_step next_config(retry_policy& policy);
    item_step begin_put(const boost::json::object& config, retry_policy& policy);
    item_step after_put(api_call_result r, retry_policy& policy);
    item_step after_reread(api_call_result r, retry_policy& policy);
    item_step after_verify(api_call_result r, retry_policy& policy);
    item_step end_config(outcome o, const api_call_result& r, retry_policy& policy,
                         std::string detail = {});
    item_step counted(item_step s);

    alert_rotation_params p_;
    phase phase_ = phase::listing;
    audit_pager pager_;
    std::vector<boost::json::object> configs_;
    std::size_t next_ = 0;
    std::string current_id_;
    alert_step_result current_;
    boost::json::object body_;     ///< the PUT's document
    boost::json::object as_read_;  ///< what body_ was made from
    read_machine read_;            ///< re-read or verify read of the current config
    int failed_ = 0, overloaded_ = 0;
    std::vector<alert_step_result> results_;
    bool list_failed_ = false;
    std::string list_failure_;
    std::size_t listed_ = 0, linked_ = 0;
    int attempts_ = 0;
};

/// Whether a config as read back shows each of `changes` done: the new last four in the changed
/// field, or the integrationId when linked. Pure.
bool shows_rotation(const boost::json::object& config, const std::vector<notification_change>& c,
                    const secret_rotation& rotation);

}  // namespace cmbulk
