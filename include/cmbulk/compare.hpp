// Compares what a manifest row would send with what the API shows now (its masked object), the
// one rule behind `cmbulk plan`, `apply --skip-unchanged` and `apply --verify`. Non-secret fields
// are compared as values; a masked secret by its masked form (length, last four characters, and
// for URLs scheme://host); a hidden or never-returned secret cannot be compared. Pure.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk {

/// What comparing a desired row with the API's current object found.
struct integration_diff {
    /// Non-secret fields whose values differ (present on one side only counts: a PUT replaces
    /// the whole integration), in catalogue order.
    std::vector<std::string> fields;
    /// Masked secret fields whose masked form differs from the masked form of the value to send
    /// (so the last four characters, or the length, differ).
    std::vector<std::string> secrets;
    /// Secret fields the API hides completely (webhook `secret`: same length) or never returns
    /// (Prometheus `password`): equality cannot be known.
    std::vector<std::string> uncertain;

    /// Every comparable field is equal and nothing is uncertain: sending the row changes nothing.
    bool unchanged() const { return fields.empty() && secrets.empty() && uncertain.empty(); }
    /// Every comparable field is equal (uncertain fields ignored): what --verify accepts.
    bool consistent() const { return fields.empty() && secrets.empty(); }
};

/// Compares `desired` (a manifest row's fields, secrets in clear; "type"/"projectId" ignored)
/// with `current` (the API's masked object for the same type). Only the catalogue's fields of
/// `type` are compared; unknown types compare every key as a plain value.
integration_diff compare_integration(std::string_view type, const boost::json::object& desired,
                                     const boost::json::object& current);

/// "channelName, teamName; secret differs: apiToken; cannot compare: password" (empty when
/// unchanged). Names fields only, never a value.
std::string describe(const integration_diff& d);

}  // namespace cmbulk
