// The integration type table per flavor (from ../shared/api-facts.md) and the live API's masking
// rules.
#include "cmbulk/catalogue.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace cmbulk {
namespace {

constexpr std::array<std::string_view, 2> us_eu{"US", "EU"};
constexpr std::array<std::string_view, 6> datadog_regions{"US",  "EU",  "US3",
                                                          "US5", "AP1", "US1_FED"};
constexpr std::array<std::string_view, 2> http_https{"http", "https"};
constexpr std::array<std::string_view, 2> discovery{"http", "file"};

using fk = field_kind;
using sc = secrecy;
using dk = default_kind;

// Flavor sets: Cloud Manager, Ops Manager, Atlas v2, Atlas v1.0.
constexpr flavor_set cm = flavor_bit(flavor::cloud_manager);
constexpr flavor_set om = flavor_bit(flavor::ops_manager);
constexpr flavor_set v2 = flavor_bit(flavor::atlas);
constexpr flavor_set a1 = flavor_bit(flavor::atlas_v1);
constexpr flavor_set all = every_flavor;
constexpr flavor_set atlas_any = v2 | a1;

// Building blocks for the tables below (designated initializers keep each row readable).
constexpr field_spec secret_field(std::string_view name, flavor_set required_on,
                                  secrecy how = sc::masked) {
    return {.name = name, .required_on = required_on, .secret = how};
}
constexpr field_spec plain(std::string_view name, flavor_set required_on = 0,
                           flavor_set flavors = all) {
    return {.name = name, .flavors = flavors, .required_on = required_on};
}
constexpr field_spec region(std::span<const std::string_view> values) {
    return {.name = "region",
            .kind = fk::enumeration,
            .enum_values = values,
            .fill = dk::text,
            .default_text = "US"};
}
constexpr field_spec v2_toggle(std::string_view name) {
    return {.name = name, .kind = fk::boolean, .flavors = v2, .fill = dk::false_value};
}

constexpr std::array<field_spec, 2> pager_duty{{
    {.name = "serviceKey",
     .required_on = all,
     .secret = sc::masked,
     .rule = value_rule::hex_32_digits,
     .rule_detail = "Pager Duty API key must consist of 32 hexadecimal digits",
     .rule_parameter = "Pager Duty API key must consist of 32 hexadecimal digits"},
    region(us_eu),
}};
// Cloud Manager's docs require teamName (legacy integrations); Atlas v2 requires channelName,
// 1 to 80 characters.
constexpr std::array<field_spec, 3> slack{{
    secret_field("apiToken", all),
    plain("teamName", cm | om),
    {.name = "channelName", .required_on = v2, .max_length = 80, .max_length_on = v2},
}};
constexpr std::array<field_spec, 2> ops_genie{{secret_field("apiKey", all), region(us_eu)}};
// The routing key is answered in clear.
constexpr std::array<field_spec, 2> victor_ops{{secret_field("apiKey", all), plain("routingKey")}};
constexpr std::array<field_spec, 4> webhook{{
    secret_field("url", all, sc::masked_partly),
    secret_field("secret", 0),
    {.name = "bodyTemplate", .flavors = v2, .fill = dk::null_value},
    {.name = "headersTemplate", .flavors = v2, .fill = dk::null_value},
}};
constexpr std::array<field_spec, 1> teams{{
    secret_field("microsoftTeamsWebhookUrl", all, sc::masked_partly),
}};
// The password is write-only and not required on v2; scheme, listenAddress and tlsPemPath are
// Cloud/Ops Manager fields.
constexpr std::array<field_spec, 8> prometheus{{
    plain("username", all),
    secret_field("password", cm | om | a1, sc::never_returned),
    {.name = "serviceDiscovery",
     .kind = fk::enumeration,
     .required_on = all,
     .enum_values = discovery},
    {.name = "enabled", .kind = fk::boolean, .required_on = all},
    v2_toggle("sendUserProvidedResourceTagsEnabled"),
    {.name = "scheme", .kind = fk::enumeration, .flavors = cm | om, .enum_values = http_https},
    plain("listenAddress", 0, cm | om),
    plain("tlsPemPath", 0, cm | om),
}};
constexpr std::array<field_spec, 6> datadog{{
    {.name = "apiKey",
     .required_on = all,
     .secret = sc::masked,
     .rule = value_rule::hexadecimal,
     .rule_detail = "apiKey must be a hexadecimal string",
     .rule_parameter = "DATADOG apiKey must be a hexadecimal string"},
    region(datadog_regions),
    v2_toggle("sendCollectionLatencyMetrics"),
    v2_toggle("sendDatabaseMetrics"),
    v2_toggle("sendQueryStatsMetrics"),
    v2_toggle("sendUserProvidedResourceTags"),
}};
// Reported not redacted by an operator review; the simulator masks them (the stricter reading).
constexpr std::array<field_spec, 4> new_relic{{
    plain("accountId", all),
    secret_field("licenseKey", all),
    secret_field("readToken", all),
    secret_field("writeToken", all),
}};
constexpr std::array<field_spec, 2> hip_chat{{
    secret_field("notificationToken", all),
    plain("roomName", all),
}};
constexpr std::array<field_spec, 3> flowdock{{
    plain("flowName", all),
    plain("orgName", all),
    secret_field("apiToken", all),
}};

// The type lists by flavor (api-facts.md, "Integration types by flavor"). The nine first.
const std::array<type_spec, 11> types{{
    {"PAGER_DUTY", pager_duty, false, all, 0},
    {"SLACK", slack, false, all, 0},
    {"OPS_GENIE", ops_genie, false, all, 0},
    {"VICTOR_OPS", victor_ops, false, all, 0},
    {"WEBHOOK", webhook, false, all, 0},
    {"MICROSOFT_TEAMS", teams, false, atlas_any, 0},
    {"PROMETHEUS", prometheus, false, cm | atlas_any, 0},
    {"DATADOG", datadog, false, om | atlas_any, 0},
    {"NEW_RELIC", new_relic, true, all, 0},
    // Legacy: HIP_CHAT is in Atlas's enum without a schema; FLOWDOCK on older Ops Managers.
    {"HIP_CHAT", hip_chat, true, om, atlas_any},
    {"FLOWDOCK", flowdock, true, 0, om},
}};
constexpr std::size_t changeable_types = 9;

constexpr std::array<read_only_field, 2> read_only{{
    {"", "id", all, dk::none},
    {"DATADOG", "customEndpoint", v2, dk::null_value},
}};

constexpr std::array<flavor, 4> flavors{flavor::cloud_manager, flavor::ops_manager, flavor::atlas,
                                        flavor::atlas_v1};
// In flavor order (the enum's values index it).
struct flavor_name {
    flavor f;
    std::string_view name, display;
};
constexpr std::array<flavor_name, 4> flavor_names{{
    {flavor::cloud_manager, "cloud-manager", "Cloud Manager"},
    {flavor::ops_manager, "ops-manager", "Ops Manager"},
    {flavor::atlas, "atlas", "Atlas"},
    {flavor::atlas_v1, "atlas-v1", "Atlas v1.0"},
}};

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string_view to_string(flavor f) { return flavor_names[static_cast<std::size_t>(f)].name; }

std::optional<flavor> parse_flavor(std::string_view s) {
    for (auto& n : flavor_names)
        if (n.name == s) return n.f;
    return std::nullopt;
}

std::string_view display_name(flavor f) {
    return flavor_names[static_cast<std::size_t>(f)].display;
}

std::span<const flavor> all_flavors() { return flavors; }

std::string describe(flavor_set s) {
    std::string out;
    for (auto f : flavors)
        if (contains(s, f)) out += (out.empty() ? "" : ", ") + std::string(to_string(f));
    return out;
}

const field_spec* type_spec::find_field(std::string_view field) const {
    for (auto& f : fields)
        if (f.name == field) return &f;
    return nullptr;
}

const field_spec* type_spec::find_field(std::string_view field, flavor fl) const {
    auto* f = find_field(field);
    return f && has_field(*f, fl) ? f : nullptr;
}

type_support type_spec::support(flavor fl) const {
    if (contains(full_on, fl)) return type_support::full;
    if (contains(listed_on, fl)) return type_support::list_and_delete;
    return type_support::none;
}

std::span<const type_spec> all_types() { return std::span(types).first(changeable_types); }

std::span<const type_spec> known_types() { return types; }

const type_spec* find_type(std::string_view name) {
    for (auto& t : all_types())
        if (t.name == name) return &t;
    return nullptr;
}

const type_spec* find_type(std::string_view name, flavor fl) {
    auto* t = find_type(name);
    return t && t->support(fl) == type_support::full ? t : nullptr;
}

const type_spec* find_known_type(std::string_view name) {
    for (auto& t : types)
        if (t.name == name) return &t;
    return nullptr;
}

std::span<const read_only_field> read_only_fields() { return read_only; }

bool is_read_only(std::string_view type, std::string_view field) {
    return std::any_of(read_only.begin(), read_only.end(), [&](const read_only_field& r) {
        return r.name == field && (r.type.empty() || r.type == type);
    });
}

std::string_view value_problem(const field_spec& f, std::string_view value) {
    switch (f.rule) {
        case value_rule::none:
            return {};
        case value_rule::hexadecimal:
            if (!value.empty() && std::all_of(value.begin(), value.end(), is_hex)) return {};
            return f.rule_detail;
        case value_rule::hex_32_digits:
            if (value.size() == 32 && std::all_of(value.begin(), value.end(), is_hex)) return {};
            return f.rule_detail;
    }
    return {};
}

std::string mask_value(std::string_view value) {
    std::string out(value.size(), '*');
    if (value.size() > 4) std::copy(value.end() - 4, value.end(), out.end() - 4);
    return out;
}

std::string mask_url(std::string_view value) {
    auto scheme_end = value.find("://");
    if (scheme_end == std::string_view::npos) return mask_value(value);
    std::size_t host_start = scheme_end + 3;
    std::size_t host_end = value.find_first_of("/?#", host_start);
    if (host_end == std::string_view::npos) host_end = value.size();
    // Credentials in the authority ("user:pass@host") are never shown.
    auto at = value.substr(host_start, host_end - host_start).rfind('@');
    std::size_t shown_host = at == std::string_view::npos ? host_start : host_start + at + 1;
    std::string out(value.substr(0, host_start));
    out += value.substr(shown_host, host_end - shown_host);
    out += "/****";
    out += value.substr(value.size() - std::min<std::size_t>(4, value.size()));
    return out;
}

std::string mask_as(secrecy how, std::string_view value) {
    switch (how) {
        case secrecy::masked:
            return mask_value(value);
        case secrecy::masked_partly:
            return mask_url(value);
        case secrecy::hidden:
            return std::string(value.size(), '*');
        case secrecy::none:
        case secrecy::never_returned:
            return std::string(value);
    }
    return std::string(value);
}

std::string last_four(std::string_view value) {
    if (value.size() <= 4) return {};
    return std::string(value.substr(value.size() - 4));
}

const field_spec* identifying_secret(const type_spec& t) {
    for (auto& f : t.fields)
        if (f.secret == secrecy::masked || f.secret == secrecy::masked_partly) return &f;
    return nullptr;
}

std::string identifying_last4(std::string_view type, const boost::json::object& fields) {
    const type_spec* t = find_type(type);
    const field_spec* f = t ? identifying_secret(*t) : nullptr;
    if (!f) return {};
    auto* v = fields.if_contains(f->name);
    if (!v || !v->is_string()) return {};
    return last_four(std::string_view(v->get_string()));
}

bool looks_masked(std::string_view value) {
    if (value.find("****") != std::string_view::npos) return true;
    // Short values: the API's mask of a 5-8 character value is a few '*' then at most four
    // characters ("*2345"); a value made only of '*' is a hidden one.
    auto first_plain = value.find_first_not_of('*');
    if (first_plain == 0 || value.empty()) return false;
    return first_plain == std::string_view::npos || value.size() - first_plain <= 4;
}

visible_parts visible_parts_of(std::string_view answered) {
    auto first = answered.find('*');
    if (first == std::string_view::npos) return {answered, {}, false};
    auto last = answered.rfind('*');
    return {answered.substr(0, first), answered.substr(last + 1), true};
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string closest_name(std::string_view word, std::span<const std::string_view> candidates) {
    std::string best;
    std::size_t best_d = 3;
    for (auto c : candidates) {
        auto d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = std::string(c);
        }
    }
    return best;
}

bool is_object_id(std::string_view id) {
    if (id.size() != 24) return false;
    return std::all_of(id.begin(), id.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace cmbulk
