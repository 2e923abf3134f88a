// The integration types the API knows, their fields (required, optional, enumerations, booleans),
// which fields are secret and how the API masks them. A pure leaf: the manifest validator, the
// client and the simulator all read the same table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cmbulk {

/// Which API the tool talks to: the same paths, different bases and rules.
enum class flavor { cloud_manager, ops_manager, atlas };

/// "cloud-manager", "ops-manager" or "atlas".
std::string_view to_string(flavor f);
std::optional<flavor> parse_flavor(std::string_view s);

/// How a field's value is written in JSON.
enum class field_kind {
    string,       ///< any string
    enumeration,  ///< one of field_spec::enum_values
    boolean,      ///< JSON true/false ("true"/"false" in CSV)
};

/// How the API shows a field in its responses.
enum class secrecy {
    none,            ///< shown as stored
    masked,          ///< length kept, all but the last four characters become '*'
    masked_partly,   ///< scheme and host kept, the rest masked but the last four (URLs)
    hidden,          ///< every character becomes '*'
    never_returned,  ///< left out of responses altogether
};

/// One field of one integration type.
struct field_spec {
    std::string_view name;
    field_kind kind = field_kind::string;
    bool required = false;        ///< required on Cloud Manager / Ops Manager
    bool required_atlas = false;  ///< required on Atlas v2
    secrecy secret = secrecy::none;
    std::span<const std::string_view> enum_values{};
};

/// One integration type.
struct type_spec {
    std::string_view name;  ///< the API's name, e.g. "SLACK"
    std::span<const field_spec> fields;
    bool legacy = false;  ///< a type MongoDB has retired or is retiring
    const field_spec* find_field(std::string_view field) const;
    /// Whether the field is required for that flavor.
    static bool is_required(const field_spec& f, flavor fl) {
        return fl == flavor::atlas ? f.required_atlas : f.required;
    }
};

/// Every type the tool can change, in a stable order.
std::span<const type_spec> all_types();
/// The type of that name, or nullptr.
const type_spec* find_type(std::string_view name);

/// The API's masking of one value: length kept, every character but the last four becomes '*'
/// ("1234567890" -> "******7890"); values of four characters or fewer are fully masked.
std::string mask_value(std::string_view value);
/// Masking as `how` says (masked_partly keeps "scheme://host" and the last four characters).
/// never_returned and none return the value unchanged; the caller decides to drop it.
std::string mask_as(secrecy how, std::string_view value);
/// The last four characters as the masked form shows them ("7890"), empty for short values.
std::string last_four(std::string_view value);
/// Whether a value looks like one the API masked (contains a run of '*'): never send it back.
bool looks_masked(std::string_view value);

/// The closest known name to `word` among `candidates` (edit distance at most 2), for
/// "did you mean" hints; empty when nothing is close.
std::string closest_name(std::string_view word, std::span<const std::string_view> candidates);
/// Edit (Levenshtein) distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Whether `id` is a valid project or organization id: 24 lowercase hex characters.
bool is_object_id(std::string_view id);

}  // namespace cmbulk
