// The integration types the API knows, per flavor (which types each flavor offers, which fields
// each type has there, which are required, their enumerations, defaults and value rules), which
// fields are secret and how the live API masks them (../shared/api-facts.md). A pure leaf: the
// manifest validator, the client's comparison and the simulator all read the same table.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk {

/// Which API the tool talks to: the same paths, different bases and rules.
enum class flavor {
    cloud_manager,  ///< /api/public/v1.0 on cloud.mongodb.com
    ops_manager,    ///< /api/public/v1.0 on an Ops Manager server
    atlas,          ///< /api/atlas/v2 (versioned media types)
    atlas_v1,       ///< /api/atlas/v1.0 (deprecated): Atlas's types, the Cloud Manager paths
};

/// "cloud-manager", "ops-manager", "atlas" or "atlas-v1".
std::string_view to_string(flavor f);
std::optional<flavor> parse_flavor(std::string_view s);
/// "Cloud Manager", "Ops Manager", "Atlas", "Atlas v1.0" (for messages).
std::string_view display_name(flavor f);
/// Atlas, whichever version.
inline bool is_atlas(flavor f) { return f == flavor::atlas || f == flavor::atlas_v1; }
/// Every flavor, in the order above.
std::span<const flavor> all_flavors();

/// A set of flavors, one bit each (bit i = flavor with value i).
using flavor_set = std::uint8_t;
constexpr flavor_set flavor_bit(flavor f) { return flavor_set(1u << static_cast<unsigned>(f)); }
constexpr flavor_set every_flavor = 0x0f;
inline bool contains(flavor_set s, flavor f) { return (s & flavor_bit(f)) != 0; }
/// "ops-manager, atlas, atlas-v1" (to_string names, in flavor order).
std::string describe(flavor_set s);

/// How a field's value is written in JSON.
enum class field_kind {
    string,       ///< any string
    enumeration,  ///< one of field_spec::enum_values
    boolean,      ///< JSON true/false ("true"/"false" in CSV)
};

/// How the API shows a field in its answers (the live forms of api-facts.md, "Masking on read").
enum class secrecy {
    none,            ///< answered in clear, as stored (VictorOps routingKey, Slack channelName)
    masked,          ///< length kept, every character but the last four becomes '*'
    masked_partly,   ///< URLs: "scheme://host/" + "****" + the last four; length not kept
    never_returned,  ///< write-only: left out of every answer (Prometheus password)
    hidden,          ///< every character '*': no field is answered so (dry runs show
                     ///< write-only values this way)
};

/// What the server answers for an optional field that was not sent.
enum class default_kind {
    none,         ///< nothing: the field is absent from the answer
    text,         ///< field_spec::default_text ("US")
    false_value,  ///< false
    null_value,   ///< null
};

/// A server-side check of one field's value (api-facts.md, "Server-side value checks").
enum class value_rule {
    none,
    hexadecimal,    ///< only 0-9, a-f, A-F (Datadog apiKey)
    hex_32_digits,  ///< exactly 32 hexadecimal digits (PagerDuty serviceKey)
};

/// One field of one integration type.
struct field_spec {
    std::string_view name;
    field_kind kind = field_kind::string;
    flavor_set flavors = every_flavor;  ///< where the type has this field
    flavor_set required_on = 0;         ///< where it must be given (create, update, upsert)
    secrecy secret = secrecy::none;
    std::span<const std::string_view> enum_values{};
    default_kind fill = default_kind::none;  ///< what is answered when it was not sent
    std::string_view default_text{};         ///< for default_kind::text
    std::size_t max_length = 0;              ///< 0: no limit; else at most this many characters
    flavor_set max_length_on = 0;            ///< where max_length applies
    value_rule rule = value_rule::none;
    /// The server's text for a value breaking `rule`: the detail's sentence ("apiKey must be a
    /// hexadecimal string") and the parameter ("DATADOG apiKey must be a hexadecimal string").
    std::string_view rule_detail{}, rule_parameter{};
};

/// How a flavor offers a type.
enum class type_support {
    none,             ///< not in the flavor's type list
    list_and_delete,  ///< in the enum without a schema (HIP_CHAT on Atlas): list, get, delete
    full,             ///< create, read, update, delete
};

/// One integration type.
struct type_spec {
    std::string_view name;  ///< the API's name, e.g. "SLACK"
    std::span<const field_spec> fields;
    bool legacy = false;       ///< a type MongoDB has retired or is retiring
    flavor_set full_on = 0;    ///< flavors that create and update it
    flavor_set listed_on = 0;  ///< flavors that only list and delete it
    const field_spec* find_field(std::string_view field) const;
    /// The field if the type has it on that flavor, else nullptr.
    const field_spec* find_field(std::string_view field, flavor fl) const;
    type_support support(flavor fl) const;
    /// Whether the field is required for that flavor.
    static bool is_required(const field_spec& f, flavor fl) { return contains(f.required_on, fl); }
    /// Whether the field exists on that flavor.
    static bool has_field(const field_spec& f, flavor fl) { return contains(f.flavors, fl); }
};

/// The nine types the tool can change, in a stable order (whatever the flavor).
std::span<const type_spec> all_types();
/// One of the nine by name, or nullptr (legacy HIP_CHAT and FLOWDOCK are not among them).
const type_spec* find_type(std::string_view name);
/// The type if `fl` creates and updates it (support full), else nullptr.
const type_spec* find_type(std::string_view name, flavor fl);
/// The nine plus the legacy types a server may still hold (HIP_CHAT, FLOWDOCK), or nullptr.
const type_spec* find_known_type(std::string_view name);
/// Every known type, the nine first.
std::span<const type_spec> known_types();
/// The flavors that create and update `t` ("ops-manager, atlas, atlas-v1" via describe()).
inline flavor_set flavors_accepting(const type_spec& t) { return t.full_on; }

/// A field the API answers but never takes: `id` on every integration, Datadog's
/// `customEndpoint` (answered null on Atlas v2). A body that sends one is refused.
struct read_only_field {
    std::string_view type;  ///< "" for every type
    std::string_view name;
    flavor_set flavors;  ///< where it is answered
    default_kind fill;   ///< id: none (the server makes one); customEndpoint: null
};
std::span<const read_only_field> read_only_fields();
/// Whether `field` of `type` is one of those (on any flavor).
bool is_read_only(std::string_view type, std::string_view field);

/// The server's complaint about `value` for `f` (its rule_detail), or empty when the value
/// passes. The message never contains the value.
std::string_view value_problem(const field_spec& f, std::string_view value);

/// The API's masking of one value: length kept, every character but the last four becomes '*'
/// ("1234567890" -> "******7890"); values of four characters or fewer are fully masked.
std::string mask_value(std::string_view value);
/// The API's masking of a URL: "scheme://host/" (the host with its port, never credentials),
/// then "****" and the value's last four characters; the length is not kept
/// ("https://example.com/51c0ef87e9951c3e147accf0e12101" -> "https://example.com/****2101").
/// A value without "://" is masked by mask_value.
std::string mask_url(std::string_view value);
/// Masking as `how` says. never_returned and none return the value unchanged (the caller drops
/// a never_returned one); hidden is all '*'.
std::string mask_as(secrecy how, std::string_view value);
/// The last four characters as the masked forms show them ("7890"), empty for short values.
std::string last_four(std::string_view value);
/// The field whose masked last four characters identify an integration (the type's first
/// masked secret), or nullptr when the type has none.
const field_spec* identifying_secret(const type_spec& t);
/// That field's last four in `fields` (an integration as answered, or the fields a row sends);
/// empty when the type has no such field or `fields` lacks it.
std::string identifying_last4(std::string_view type, const boost::json::object& fields);
/// Whether a value looks like one the API masked (a run of '*'): never send it back.
bool looks_masked(std::string_view value);
/// The characters of a masked answer the API left visible: what precedes the first '*' and
/// what follows the last one ("https://h.example/****2101" -> {"https://h.example/", "2101"}).
/// A value without '*' is all prefix. The views point into `answered`.
struct visible_parts {
    std::string_view prefix, suffix;
    bool masked = false;  ///< the value held a '*'
};
visible_parts visible_parts_of(std::string_view answered);

/// The closest known name to `word` among `candidates` (edit distance at most 2), for
/// "did you mean" hints; empty when nothing is close.
std::string closest_name(std::string_view word, std::span<const std::string_view> candidates);
/// Edit (Levenshtein) distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Whether `id` is a valid project or organization id: 24 lowercase hex characters.
bool is_object_id(std::string_view id);

}  // namespace cmbulk
