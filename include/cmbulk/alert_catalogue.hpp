// The alert notification types of `/groups/{id}/alertConfigs` (api-facts.md, "Alert
// configurations"): their fields, which of them hold a copy of a third-party secret and how the
// API masks it on read, and which integration field each copy was taken from. A pure leaf shared
// by the client (rotations, audit) and the simulator.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cmbulk {

/// How the API shows a notification field when it answers.
enum class notification_mask {
    none,           ///< in clear
    last_four,      ///< length kept, every character but the last four becomes '*'
    url_last_four,  ///< "scheme://host/" + "****" + the last four (length not kept)
    hidden,         ///< every character becomes '*'
};

/// One field of one notification type.
struct notification_field {
    std::string_view name;  ///< e.g. "opsGenieApiKey"
    notification_mask mask = notification_mask::none;
    /// The field of the project's integration this one is a copy of ("apiKey"), or "".
    std::string_view integration_field;
    bool secret() const { return mask != notification_mask::none; }
};

/// One notification `typeName`.
struct notification_type {
    std::string_view type_name;         ///< "PAGER_DUTY", "EMAIL", ...
    std::string_view integration_type;  ///< the integration it copies its secret from, or ""
    std::span<const notification_field> fields;
    /// intervalMin is answered for this type (not for PAGER_DUTY, VICTOR_OPS, OPS_GENIE).
    bool answers_interval = true;
    const notification_field* find_field(std::string_view name) const;
    /// The field that copies `integration_field` of the integration, or nullptr.
    const notification_field* copy_of(std::string_view integration_field) const;
    /// Whether the type carries a third-party secret (a field with a mask).
    bool third_party() const;
};

/// Every notification type of api-facts.md, in a stable order.
std::span<const notification_type> all_notification_types();
/// The type of that typeName, or nullptr.
const notification_type* find_notification_type(std::string_view type_name);
/// The notification type whose secrets are copies of `integration_type`'s, or nullptr (e.g.
/// PROMETHEUS and NEW_RELIC have none).
const notification_type* notification_type_for(std::string_view integration_type);

/// The fields every notification may carry besides its type's own.
std::span<const std::string_view> common_notification_fields();
/// The top-level fields of an alert configuration that a PUT must not carry (clients drop them).
std::span<const std::string_view> read_only_alert_config_fields();

/// `value` as the API shows it under `how`. Values of four characters or fewer show nothing.
std::string mask_notification_value(notification_mask how, std::string_view value);

/// Whether two values of one secret, each as some answer showed it (in clear, or masked in any of
/// the forms above), can be told apart by what they show.
enum class visible_match {
    same,     ///< everything both show agrees (the last four; the length when both keep it;
              ///< scheme and host for URLs; the whole value when both are in clear)
    differs,  ///< something both show differs
    unknown,  ///< one of them shows nothing (fully hidden, or four characters or fewer)
};
visible_match compare_visible(std::string_view a, std::string_view b);

}  // namespace cmbulk
