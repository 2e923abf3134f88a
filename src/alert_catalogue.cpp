// The notification type table (api-facts.md, "Alert configurations") and its masking.
#include "cmbulk/alert_catalogue.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace cmbulk {
namespace {

using nm = notification_mask;

constexpr std::array<notification_field, 2> pager_duty{{
    {"serviceKey", nm::last_four, "serviceKey"},
    {"region", nm::none, "region"},
}};
constexpr std::array<notification_field, 2> slack{{
    {"apiToken", nm::last_four, "apiToken"},
    {"channelName", nm::none, "channelName"},
}};
constexpr std::array<notification_field, 2> ops_genie{{
    {"opsGenieApiKey", nm::last_four, "apiKey"},
    {"opsGenieRegion", nm::none, "region"},
}};
// Whether the routing key is masked, sources disagree: the stricter reading (masked) is taken, so
// a client never relies on reading it back in clear.
constexpr std::array<notification_field, 2> victor_ops{{
    {"victorOpsApiKey", nm::last_four, "apiKey"},
    {"victorOpsRoutingKey", nm::last_four, "routingKey"},
}};
constexpr std::array<notification_field, 2> datadog{{
    {"datadogApiKey", nm::last_four, "apiKey"},
    {"datadogRegion", nm::none, "region"},
}};
constexpr std::array<notification_field, 2> webhook{{
    {"webhookUrl", nm::url_last_four, "url"},
    {"webhookSecret", nm::hidden, "secret"},
}};
constexpr std::array<notification_field, 1> teams{{
    {"microsoftTeamsWebhookUrl", nm::url_last_four, "microsoftTeamsWebhookUrl"},
}};
constexpr std::array<notification_field, 2> hip_chat{{
    {"notificationToken", nm::last_four, ""},
    {"roomName", nm::none, ""},
}};
constexpr std::array<notification_field, 1> email{{{"emailAddress", nm::none, ""}}};
constexpr std::array<notification_field, 1> sms{{{"mobileNumber", nm::none, ""}}};
constexpr std::array<notification_field, 1> user{{{"username", nm::none, ""}}};
constexpr std::array<notification_field, 1> team{{{"teamId", nm::none, ""}}};
constexpr std::array<notification_field, 1> roles{{{"roles", nm::none, ""}}};

const std::array<notification_type, 14> types{{
    {"PAGER_DUTY", "PAGER_DUTY", pager_duty, false},
    {"SLACK", "SLACK", slack, true},
    {"OPS_GENIE", "OPS_GENIE", ops_genie, false},
    {"VICTOR_OPS", "VICTOR_OPS", victor_ops, false},
    {"DATADOG", "DATADOG", datadog, true},
    {"WEBHOOK", "WEBHOOK", webhook, true},
    {"MICROSOFT_TEAMS", "MICROSOFT_TEAMS", teams, true},
    {"HIP_CHAT", "", hip_chat, true},
    {"EMAIL", "", email, true},
    {"SMS", "", sms, true},
    {"USER", "", user, true},
    {"TEAM", "", team, true},
    {"GROUP", "", roles, true},
    {"ORG", "", roles, true},
}};

constexpr std::array<std::string_view, 8> common{"typeName",     "delayMin",  "intervalMin",
                                                 "notifierId",   "roles",     "integrationId",
                                                 "emailEnabled", "smsEnabled"};
constexpr std::array<std::string_view, 5> read_only{"id", "groupId", "created", "updated", "links"};

std::string stars_then_last_four(std::string_view v, std::size_t stars) {
    std::string out(stars, '*');
    if (v.size() > 4) out.append(v.substr(v.size() - 4));
    return out;
}

}  // namespace

const notification_field* notification_type::find_field(std::string_view name) const {
    for (auto& f : fields)
        if (f.name == name) return &f;
    return nullptr;
}

const notification_field* notification_type::copy_of(std::string_view integration_field) const {
    if (integration_field.empty()) return nullptr;
    for (auto& f : fields)
        if (f.integration_field == integration_field) return &f;
    return nullptr;
}

bool notification_type::third_party() const {
    return std::any_of(fields.begin(), fields.end(),
                       [](const notification_field& f) { return f.secret(); });
}

std::span<const notification_type> all_notification_types() { return types; }

const notification_type* find_notification_type(std::string_view type_name) {
    for (auto& t : types)
        if (t.type_name == type_name) return &t;
    return nullptr;
}

const notification_type* notification_type_for(std::string_view integration_type) {
    if (integration_type.empty()) return nullptr;
    for (auto& t : types)
        if (t.integration_type == integration_type) return &t;
    return nullptr;
}

std::span<const std::string_view> common_notification_fields() { return common; }

std::span<const std::string_view> read_only_alert_config_fields() { return read_only; }

std::string mask_notification_value(notification_mask how, std::string_view value) {
    switch (how) {
        case nm::none:
            return std::string(value);
        case nm::hidden:
            return std::string(value.size(), '*');
        case nm::last_four:
            return stars_then_last_four(value, value.size() > 4 ? value.size() - 4 : value.size());
        case nm::url_last_four: {
            // "https://example.com/51c0...2101" -> "https://example.com/****2101": scheme and host
            // kept, the rest replaced by four stars and the last four characters.
            auto scheme_end = value.find("://");
            if (scheme_end == std::string_view::npos)
                return stars_then_last_four(value, value.size() > 4 ? value.size() - 4 : 4);
            auto path = value.find('/', scheme_end + 3);
            auto authority = value.substr(scheme_end + 3, path == std::string_view::npos
                                                              ? std::string_view::npos
                                                              : path - scheme_end - 3);
            // Credentials in the authority are never shown.
            std::string head(value.substr(0, scheme_end + 3));
            if (authority.find('@') == std::string_view::npos) head.append(authority);
            head += '/';
            if (path == std::string_view::npos || path + 1 >= value.size()) return head + "****";
            return head + stars_then_last_four(value.substr(path + 1), 4);
        }
    }
    return std::string(value);
}

namespace {

/// What one form of a value shows.
struct visible_form {
    bool url = false;
    std::string head;          ///< "scheme://host" for URLs (lower-cased)
    std::string last4;         ///< empty when nothing is shown
    bool clear = false;        ///< no '*' at all: the whole value is shown
    bool length_kept = false;  ///< the form keeps the value's length (clear, or stars + last four)
    std::size_t length = 0;
};

visible_form form_of(std::string_view v) {
    visible_form f;
    f.clear = v.find('*') == std::string_view::npos;
    auto scheme_end = v.find("://");
    std::string_view rest = v;
    if (scheme_end != std::string_view::npos) {
        f.url = true;
        auto path = v.find('/', scheme_end + 3);
        f.head = std::string(v.substr(0, path));
        for (auto& c : f.head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        rest = path == std::string_view::npos ? std::string_view{} : v.substr(path + 1);
    }
    if (rest.size() > 4) {
        auto tail = rest.substr(rest.size() - 4);
        if (tail.find('*') == std::string_view::npos) f.last4 = std::string(tail);
    }
    // Stars followed by (at most) four shown characters keep the length; a URL mask does not.
    f.length_kept = !f.url && (f.clear || v.find_first_not_of('*') >=
                                              v.size() - std::min<std::size_t>(4, v.size()));
    f.length = v.size();
    return f;
}

}  // namespace

visible_match compare_visible(std::string_view a, std::string_view b) {
    auto fa = form_of(a), fb = form_of(b);
    if (fa.clear && fb.clear) return a == b ? visible_match::same : visible_match::differs;
    if (fa.url != fb.url) return visible_match::differs;
    if (fa.url && fa.head != fb.head) return visible_match::differs;
    if (fa.length_kept && fb.length_kept && fa.length != fb.length) return visible_match::differs;
    if (fa.last4.empty() || fb.last4.empty()) return visible_match::unknown;
    return fa.last4 == fb.last4 ? visible_match::same : visible_match::differs;
}

}  // namespace cmbulk
