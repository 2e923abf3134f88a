// The inverse of one recorded change (`cmbulk revert`), decided from what the checkpoint recorded
// before the change (the before-image: the object as the server answered it, masked, or
// "absent"), what the run sent (the visible last four of its secret), and what the server shows
// now. Secrets come back masked, so a secret the before-image only shows masked must be supplied
// again (--set FIELD=${env:...} or a manifest of the old secrets); without it nothing is sent.
// Pure: no I/O.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/alert_rewrite.hpp"

namespace cmbulk {

/// What a revert does for one recorded change.
enum class revert_kind {
    remove,         ///< the run created it: DELETE
    put_back,       ///< the run updated it: PUT the before-image (integrations), or the whole
                    ///< before-document (alert configurations)
    recreate,       ///< the run deleted it: POST the before-image
    nothing,        ///< the run changed nothing (exists, unchanged, failed before sending)
    changed_since,  ///< someone changed it after the run: left alone
    needs_secret,   ///< an old secret is needed and was not supplied: nothing is sent
};
/// "delete", "put-back", "recreate", "nothing", "changed-since", "needs-secret".
std::string_view to_string(revert_kind k);

/// One integration change as the checkpoint recorded it.
struct recorded_integration_change {
    std::string type;
    /// "created", "updated", "deleted" (anything else: nothing to revert).
    std::string done;
    /// The integration as the server answered before the change (masked); nullopt: absent.
    std::optional<boost::json::object> before;
    /// The last four characters of the identifying secret the run sent ("" when none).
    std::string sent_last4;
};

/// Old secrets supplied for the revert, by field name, in clear.
using supplied_secrets = std::map<std::string, std::string>;

/// The decision for one row.
struct revert_decision {
    revert_kind kind = revert_kind::nothing;
    boost::json::object body;  ///< what to send for put_back / recreate ("type" included)
    std::string detail;        ///< why changed-since / needs-secret, naming fields, never values
    std::vector<std::string> missing_secrets;  ///< needs_secret: the fields to supply
};

/// Decides the revert of one integration change. `now` is the integration as the server shows it
/// now (nullopt: not configured). A created integration is removed only while it still shows the
/// secret the run sent; an updated one is put back only while it still shows what the run sent,
/// and then from the before-image's fields, secrets from `secrets` (a field the before-image
/// shows masked, or that the server never shows, must be supplied); a deleted one is recreated
/// while it is still absent.
revert_decision decide_integration_revert(const recorded_integration_change& change,
                                          const std::optional<boost::json::object>& now,
                                          const supplied_secrets& secrets);

/// One alert configuration change as the checkpoint recorded it.
struct recorded_alert_change {
    std::string config_id;
    std::string integration_type;  ///< the rotated integration's type
    boost::json::object before;    ///< the configuration as read before the PUT (masked)
    std::vector<notification_change> changes;  ///< what the run's rewrite changed
};

/// Whether `now` already is the alert configuration's before-image: nothing else differs and
/// each notification the run changed shows its old last four again (a revert that landed
/// before an interruption).
bool alert_shows_before(const recorded_alert_change& change, const boost::json::object& now);

/// Decides the revert of one alert configuration: the whole before-document, each notification
/// the run changed given its old secret again (from `secrets`, by the INTEGRATION's field name:
/// "serviceKey", "apiKey", ...) or its old link, every other one kept by its notifierId. Changed
/// since when a notification the run changed no longer shows the run's last four (or its link),
/// or anything else in the document differs from what the run left (the first such field is
/// named in the detail).
revert_decision decide_alert_revert(const recorded_alert_change& change,
                                    const boost::json::object& now,
                                    const supplied_secrets& secrets);

}  // namespace cmbulk
