// `audit`'s view of a project's alert configurations (issue 14): every third-party notification
// (config id, eventTypeName, typeName, the visible part of its secret, whether it matches the
// project's integration of that type, whether it is linked by integrationId) and the finding
// `stale-alert-secret` for those that still carry another secret than the integration's. Pure.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/alert_catalogue.hpp"

namespace cmbulk {

/// One third-party notification of one alert configuration.
struct alert_notification_audit {
    std::string config_id, event_type, type_name;
    std::string secret_field;    ///< "serviceKey"
    std::string visible;         ///< as the API showed it (masked)
    std::string integration_id;  ///< non-empty when linked by integrationId
    /// The project has an integration of the type the notification copies.
    bool has_integration = false;
    /// How the notification's copy compares with that integration's current secret.
    visible_match match = visible_match::unknown;
    /// Copies a secret the integration no longer shows (not linked, and differs): a rotation
    /// left it behind.
    bool stale() const {
        return integration_id.empty() && has_integration && match == visible_match::differs;
    }
};

/// The finding's name.
inline constexpr std::string_view stale_alert_secret = "stale-alert-secret";

/// Every third-party notification of `configs` (as the API answered them), compared with the
/// project's `integrations` (as answered, each with its "type"), in config order.
std::vector<alert_notification_audit> audit_alert_configs(
    const std::vector<boost::json::object>& configs,
    const std::vector<boost::json::object>& integrations);

/// "match", "differs", "unknown": a match's text in the report.
std::string_view to_string(visible_match m);

}  // namespace cmbulk
