// The body of an update's PUT, built as MongoDB's own clients do (read, merge, PUT; api-facts.md,
// "Integrations: endpoints"): a PUT replaces the configuration, so the integration as read is
// the base, the manifest's fields go over it, and fields the manifest does not name survive.
// Never sent back: read-only fields (`id`, Datadog's `customEndpoint`), nulls, and any secret
// read from the server (masked on read, or not ours to resend); a secret the server holds that
// the manifest does not give makes the row fail before anything is sent. Pure.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace cmbulk {

/// The PUT's fields (without "type": the request adds it), or why the row cannot be updated.
struct update_body {
    boost::json::object fields;
    /// Not empty: nothing may be sent. Names the field, never a value.
    std::string problem;
};

/// Merges `manifest` (the row's fields) over `found` (the integration as a GET answered it).
update_body merge_for_update(std::string_view type, const boost::json::object& found,
                             const boost::json::object& manifest);

}  // namespace cmbulk
