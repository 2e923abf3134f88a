// The other half of a rotation: an alert configuration as the API answered it (secrets masked)
// turned into the whole document to PUT back, with the new secret in each notification that
// still carries a copy of the old one and every other notification kept by its notifierId. Also
// the listing of a configuration's third-party notifications for `audit`. Pure: no I/O.
//
// The rules (api-facts.md, "Alert configurations"): a PUT replaces the whole configuration, so
// everything read is sent back (unknown fields, matchers, thresholds, notification types we do
// not know) except the read-only fields; a masked value is never sent back (the server refuses
// it); a notification that names its notifierId and omits its secret keeps the stored secret; a
// notification linked by integrationId already uses the integration's current secret.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cmbulk/alert_catalogue.hpp"

namespace cmbulk {

/// What a rotation changed in the project's integration, as the rewrite needs it.
struct secret_rotation {
    std::string integration_type;  ///< e.g. "PAGER_DUTY"
    /// The integration's secret fields as the API showed them BEFORE the change (masked or in
    /// clear), by integration field name ("serviceKey" -> "****...0022").
    std::map<std::string, std::string> old_visible;
    /// `--from-last4 XXXX`: instead of old_visible, a notification is the old one when its first
    /// secret copy shows these last four characters.
    std::string from_last4;
    /// A manifest row's `fromLast4`: besides the above, a notification is an old one when its
    /// first secret copy shows one of these last four characters (left behind by an earlier
    /// rotation; `audit --emit-manifest` finds them).
    std::vector<std::string> stale_last4;
    /// The new values, in clear, of the integration fields the rotation changed.
    std::map<std::string, std::string> new_values;
    /// `--link-alerts` (Atlas v2): link matching notifications to this integration id instead of
    /// copying the secret into them. Empty: copy.
    std::string link_integration_id;
};

/// One notification the rewrite changes.
struct notification_change {
    std::size_t index = 0;  ///< position in "notifications"
    std::string type_name;  ///< "PAGER_DUTY"
    std::string field;      ///< the notification field that identified it ("serviceKey")
    std::string old_last4;  ///< the last four it showed ("" when nothing showed)
    std::string new_last4;  ///< the new value's last four ("" when linked or short)
    bool linked = false;    ///< set integrationId instead of copying the secret
    /// The notification fields the rewrite set (or, when linking, removed): what a revert must
    /// give back.
    std::vector<std::string> fields_set;
};

/// The rewrite of one configuration.
struct alert_rewrite {
    /// A PUT is needed: some notification still carries the old secret.
    bool needs_put = false;
    /// The document to PUT (valid when needs_put): read-only fields dropped, masked values
    /// removed, the new secret (or integrationId) in the changed notifications.
    boost::json::object body;
    std::vector<notification_change> changes;
    /// Notifications already linked by integrationId to the rotated type (they need nothing).
    std::size_t linked = 0;
    /// Why the configuration cannot be rewritten safely (e.g. a notification whose masked secret
    /// would have to be dropped has no notifierId); when set, needs_put is false and nothing may
    /// be sent for this configuration.
    std::string refusal;
};

/// Rewrites one alert configuration for `rotation`. A notification of the rotated type is
/// "still the old one" when at least one of its secret copies shows the same as the old value
/// (compare_visible) and none shows a difference; it is then given the new values (or linked).
alert_rewrite rewrite_alert_config(const boost::json::object& config_as_read,
                                   const secret_rotation& rotation);

/// Issue 17: `config` as the checkpoint keeps it (its before-image): every notification's secret
/// fields masked as the API masks them (a value already masked is kept), the rest as read.
boost::json::object masked_alert_config(const boost::json::object& config);
/// The rewrite's changes as the checkpoint keeps them beside the before-image (`before`
/// record's "w"): positions, type and field names, last fours; never a secret.
boost::json::value changes_to_json(const std::vector<notification_change>& changes);
/// The changes back from changes_to_json's form; nullopt when `v` is not of that form.
std::optional<std::vector<notification_change>> changes_from_json(const boost::json::value& v);

/// One third-party notification of a configuration, as `audit` lists it.
struct notification_view {
    std::size_t index = 0;
    std::string type_name;
    std::string secret_field;    ///< the type's first secret field ("serviceKey")
    std::string visible;         ///< its value as the API showed it (masked)
    std::string integration_id;  ///< non-empty when linked by integrationId
};
/// The configuration's notifications that carry a third-party secret, in order.
std::vector<notification_view> third_party_notifications(const boost::json::object& config);

/// Whether a notification's copies of the secret show the same as the integration's current
/// values (`integration_as_read`, the API's masked object of the same type): same, differs
/// (the notification is stale: it still pages through another secret), or unknown.
visible_match compare_with_integration(const boost::json::object& notification,
                                       const notification_type& type,
                                       const boost::json::object& integration_as_read);

}  // namespace cmbulk
