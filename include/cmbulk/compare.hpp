// Compares what a manifest row would send with what the API answers now, the one rule behind
// `cmbulk plan`, `apply --skip-unchanged`, `apply --verify` and audit's findings. It copes with
// every form api-facts.md documents: a read value without '*' is compared whole (v1.0 has
// answered some secrets in clear); a masked one by its visible part (the last four, the length
// where the mask keeps it, scheme://host for URLs); defaults the server fills in (region US,
// toggles false, templates null) and read-only fields (id, customEndpoint) are no difference;
// a write-only secret (Prometheus password) cannot be compared. Pure.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk {

/// What comparing a desired row with the API's current object found.
struct integration_diff {
    /// Non-secret fields whose values differ (present on one side only counts unless the other
    /// side shows the server's default: a PUT replaces the whole integration), catalogue order.
    std::vector<std::string> fields;
    /// Secret fields whose visible part (or, unmasked, whole value) differs from the value to
    /// send, or that one side has and the other not.
    std::vector<std::string> secrets;
    /// Secret fields whose equality cannot be known: never answered (Prometheus `password`), or
    /// answered with nothing visible (a mask of four characters or fewer) and the same length.
    std::vector<std::string> uncertain;

    /// Every comparable field is equal and nothing is uncertain: sending the row changes nothing.
    bool unchanged() const { return fields.empty() && secrets.empty() && uncertain.empty(); }
    /// Every comparable field is equal (uncertain fields ignored): what --verify accepts, and
    /// what plan reports as unchanged (naming the fields it could not compare).
    bool consistent() const { return fields.empty() && secrets.empty(); }
};

/// How the comparison treats fields the row does not name.
struct compare_options {
    /// The update sends the whole object read (read, merge the row's fields, PUT): a field the
    /// row does not name is kept, so it is no difference. False: a PUT of the row alone replaces
    /// the configuration, so a field present only on the server is a difference.
    bool unnamed_fields_kept = false;
};

/// Compares `desired` (a manifest row's fields, secrets in clear; "type"/"projectId"/"action"
/// ignored) with `current` (the API's answer for the same type). Only the catalogue's fields of
/// `type` are compared; unknown types compare every key (but `id`) as a plain value.
integration_diff compare_integration(std::string_view type, const boost::json::object& desired,
                                     const boost::json::object& current,
                                     const compare_options& opts = {});

/// Whether a secret answered as `answered` can be `value`: in clear, equal; masked, the visible
/// prefix and suffix match (and the length, when `length_kept`). Nothing visible counts as a
/// match of the length alone. The one rule for "is this what we sent", used by compare and by
/// the runner's last-four checks.
bool secret_matches(std::string_view value, std::string_view answered, bool length_kept);

/// "channelName, teamName; secret differs: apiToken; cannot compare: password" (empty when
/// unchanged). Names fields only, never a value.
std::string describe(const integration_diff& d);

}  // namespace cmbulk
