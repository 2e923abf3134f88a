// The integration type table (from ../shared/api-facts.md) and the API's masking rules.
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

constexpr std::array<field_spec, 2> pager_duty{{
    {"serviceKey", fk::string, true, true, sc::masked, {}},
    {"region", fk::enumeration, false, false, sc::none, us_eu},
}};
// Cloud Manager's legacy doc requires teamName; Atlas v2 requires channelName instead.
constexpr std::array<field_spec, 3> slack{{
    {"apiToken", fk::string, true, true, sc::masked, {}},
    {"teamName", fk::string, true, false, sc::none, {}},
    {"channelName", fk::string, false, true, sc::none, {}},
}};
constexpr std::array<field_spec, 2> ops_genie{{
    {"apiKey", fk::string, true, true, sc::masked, {}},
    {"region", fk::enumeration, false, false, sc::none, us_eu},
}};
constexpr std::array<field_spec, 2> victor_ops{{
    {"apiKey", fk::string, true, true, sc::masked, {}},
    {"routingKey", fk::string, false, false, sc::masked, {}},
}};
constexpr std::array<field_spec, 2> webhook{{
    {"url", fk::string, true, true, sc::masked_partly, {}},
    {"secret", fk::string, false, false, sc::hidden, {}},
}};
constexpr std::array<field_spec, 1> teams{{
    {"microsoftTeamsWebhookUrl", fk::string, true, true, sc::masked_partly, {}},
}};
constexpr std::array<field_spec, 7> prometheus{{
    {"username", fk::string, true, true, sc::none, {}},
    {"password", fk::string, true, true, sc::never_returned, {}},
    {"serviceDiscovery", fk::enumeration, true, true, sc::none, discovery},
    {"enabled", fk::boolean, true, true, sc::none, {}},
    {"scheme", fk::enumeration, false, false, sc::none, http_https},
    {"listenAddress", fk::string, false, false, sc::none, {}},
    {"tlsPemPath", fk::string, false, false, sc::none, {}},
}};
constexpr std::array<field_spec, 2> datadog{{
    {"apiKey", fk::string, true, true, sc::masked, {}},
    {"region", fk::enumeration, false, false, sc::none, datadog_regions},
}};
constexpr std::array<field_spec, 4> new_relic{{
    {"accountId", fk::string, true, true, sc::none, {}},
    {"licenseKey", fk::string, true, true, sc::masked, {}},
    {"readToken", fk::string, true, true, sc::masked, {}},
    {"writeToken", fk::string, true, true, sc::masked, {}},
}};

const std::array<type_spec, 9> types{{
    {"PAGER_DUTY", pager_duty, false},
    {"SLACK", slack, false},
    {"OPS_GENIE", ops_genie, false},
    {"VICTOR_OPS", victor_ops, false},
    {"WEBHOOK", webhook, false},
    {"MICROSOFT_TEAMS", teams, false},
    {"PROMETHEUS", prometheus, false},
    {"DATADOG", datadog, false},
    {"NEW_RELIC", new_relic, true},
}};

}  // namespace

std::string_view to_string(flavor f) {
    switch (f) {
        case flavor::cloud_manager:
            return "cloud-manager";
        case flavor::ops_manager:
            return "ops-manager";
        case flavor::atlas:
            return "atlas";
    }
    return "cloud-manager";
}

std::optional<flavor> parse_flavor(std::string_view s) {
    if (s == "cloud-manager") return flavor::cloud_manager;
    if (s == "ops-manager") return flavor::ops_manager;
    if (s == "atlas") return flavor::atlas;
    return std::nullopt;
}

const field_spec* type_spec::find_field(std::string_view field) const {
    for (auto& f : fields)
        if (f.name == field) return &f;
    return nullptr;
}

std::span<const type_spec> all_types() { return types; }

const type_spec* find_type(std::string_view name) {
    for (auto& t : types)
        if (t.name == name) return &t;
    return nullptr;
}

std::string mask_value(std::string_view value) {
    std::string out(value.size(), '*');
    if (value.size() > 4) std::copy(value.end() - 4, value.end(), out.end() - 4);
    return out;
}

std::string mask_as(secrecy how, std::string_view value) {
    switch (how) {
        case secrecy::masked:
            return mask_value(value);
        case secrecy::hidden:
            return std::string(value.size(), '*');
        case secrecy::masked_partly: {
            // Keep "scheme://host" so an audit can still see http:// and the host; mask the rest
            // (path, query and fragment alike: a token may sit in any of them). Credentials in
            // the authority ("user:pass@host") are masked too, keeping only "scheme://".
            auto scheme_end = value.find("://");
            if (scheme_end == std::string_view::npos) return mask_value(value);
            std::size_t host_start = scheme_end + 3;
            std::size_t keep = value.find_first_of("/?#", host_start);
            if (keep == std::string_view::npos) keep = value.size();
            if (value.substr(host_start, keep - host_start).find('@') != std::string_view::npos)
                keep = host_start;
            return std::string(value.substr(0, keep)) + mask_value(value.substr(keep));
        }
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

bool looks_masked(std::string_view value) {
    if (value.find("****") != std::string_view::npos) return true;
    // Short values: the API's mask of a 5-8 character value is a few '*' then at most four
    // characters ("*2345"); a value made only of '*' is a hidden one.
    auto first_plain = value.find_first_not_of('*');
    if (first_plain == 0 || value.empty()) return false;
    return first_plain == std::string_view::npos || value.size() - first_plain <= 4;
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
