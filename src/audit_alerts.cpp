// The third-party notifications of a project's alert configurations, compared with its
// integrations; see audit_alerts.hpp.
#include "cmbulk/audit_alerts.hpp"

#include "cmbulk/alert_rewrite.hpp"

namespace cmbulk {
namespace json = boost::json;

namespace {

std::string str_at(const json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object* integration_of(const std::vector<json::object>& integrations,
                                   std::string_view type) {
    for (auto& i : integrations)
        if (str_at(i, "type") == type) return &i;
    return nullptr;
}

}  // namespace

std::string_view to_string(visible_match m) {
    switch (m) {
        case visible_match::same:
            return "match";
        case visible_match::differs:
            return "differs";
        case visible_match::unknown:
            break;
    }
    return "unknown";
}

std::vector<alert_notification_audit> audit_alert_configs(
    const std::vector<json::object>& configs, const std::vector<json::object>& integrations) {
    std::vector<alert_notification_audit> out;
    for (auto& c : configs) {
        auto* list = c.if_contains("notifications");
        for (auto& v : third_party_notifications(c)) {
            alert_notification_audit a;
            a.config_id = str_at(c, "id");
            a.event_type = str_at(c, "eventTypeName");
            a.type_name = v.type_name;
            a.secret_field = v.secret_field;
            a.visible = v.visible;
            a.integration_id = v.integration_id;
            const notification_type* t = find_notification_type(v.type_name);
            const json::object* integ = t && !t->integration_type.empty()
                                            ? integration_of(integrations, t->integration_type)
                                            : nullptr;
            a.has_integration = integ != nullptr;
            if (integ && list && list->is_array()) {
                auto& n = list->get_array().at(v.index);
                if (n.is_object()) a.match = compare_with_integration(n.get_object(), *t, *integ);
            }
            out.push_back(std::move(a));
        }
    }
    return out;
}

}  // namespace cmbulk
