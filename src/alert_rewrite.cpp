// The rewrite of an alert configuration for a rotation, and the listing of its third-party
// notifications; see alert_rewrite.hpp for the rules.
#include "cmbulk/alert_rewrite.hpp"

#include <algorithm>

#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;

namespace {

std::string_view str_at(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

std::string last4_of(std::string_view v) {
    if (v.size() <= 4) return {};
    auto tail = v.substr(v.size() - 4);
    return tail.find('*') == std::string_view::npos ? std::string(tail) : std::string();
}

/// Does this notification still carry the old secret? Every secret copy it shows is compared
/// with the old value of the integration field it copies.
bool carries_old_secret(const json::object& n, const notification_type& t,
                        const secret_rotation& rot, notification_change& change) {
    if (!rot.stale_last4.empty()) {
        for (auto& f : t.fields) {
            if (!f.secret() || f.integration_field.empty()) continue;
            auto shown = last4_of(str_at(n, f.name));
            if (shown.empty()) break;
            if (std::find(rot.stale_last4.begin(), rot.stale_last4.end(), shown) ==
                rot.stale_last4.end())
                break;
            change.field = std::string(f.name);
            change.old_last4 = shown;
            return true;
        }
    }
    if (!rot.from_last4.empty()) {
        for (auto& f : t.fields) {
            if (!f.secret() || f.integration_field.empty()) continue;
            change.field = std::string(f.name);
            change.old_last4 = last4_of(str_at(n, f.name));
            return !change.old_last4.empty() && change.old_last4 == rot.from_last4;
        }
        return false;
    }
    int same = 0;
    for (auto& f : t.fields) {
        if (!f.secret() || f.integration_field.empty()) continue;
        auto it = rot.old_visible.find(std::string(f.integration_field));
        auto value = str_at(n, f.name);
        if (it == rot.old_visible.end() || value.empty()) continue;
        switch (compare_visible(value, it->second)) {
            case visible_match::differs:
                return false;
            case visible_match::same:
                if (same++ == 0) {
                    change.field = std::string(f.name);
                    change.old_last4 = last4_of(value);
                }
                break;
            case visible_match::unknown:
                break;
        }
    }
    return same > 0;
}

/// Gives a matching notification the new values, or links it to the integration.
void apply_rotation(json::object& n, const notification_type& t, const secret_rotation& rot,
                    notification_change& change) {
    if (!rot.link_integration_id.empty()) {
        n["integrationId"] = rot.link_integration_id;
        // The integration's values are used from now on: its copies go.
        for (auto& f : t.fields)
            if (f.secret() && !f.integration_field.empty() && n.erase(f.name))
                change.fields_set.emplace_back(f.name);
        change.linked = true;
        return;
    }
    for (auto& [field, value] : rot.new_values) {
        if (auto* f = t.copy_of(field)) {
            n[f->name] = value;
            change.fields_set.emplace_back(f->name);
            if (f->name == change.field || change.new_last4.empty())
                change.new_last4 = last4_of(value);
        }
    }
}

/// Removes every value that shows a mask (the server refuses them back). False when one was
/// removed from a notification without a notifierId: the server could not keep its secret.
bool drop_masked_values(json::object& n) {
    std::vector<std::string> masked;
    for (auto& kv : n)
        if (kv.value().is_string() && looks_masked(kv.value().get_string()))
            masked.emplace_back(kv.key());
    for (auto& k : masked) n.erase(k);
    return masked.empty() || !str_at(n, "notifierId").empty();
}

}  // namespace

alert_rewrite rewrite_alert_config(const json::object& config_as_read,
                                   const secret_rotation& rotation) {
    alert_rewrite out;
    out.body = config_as_read;
    for (auto k : read_only_alert_config_fields()) out.body.erase(k);
    auto* list = out.body.if_contains("notifications");
    if (!list || !list->is_array()) return out;
    const notification_type* rotated = notification_type_for(rotation.integration_type);
    std::string unkeepable;
    auto& notifications = list->get_array();
    for (std::size_t i = 0; i < notifications.size(); ++i) {
        if (!notifications[i].is_object()) continue;
        auto& n = notifications[i].get_object();
        auto type_name = std::string(str_at(n, "typeName"));
        const notification_type* t = find_notification_type(type_name);
        if (rotated && t == rotated) {
            notification_change change;
            change.index = i;
            change.type_name = type_name;
            if (!str_at(n, "integrationId").empty())
                ++out.linked;
            else if (carries_old_secret(n, *t, rotation, change)) {
                apply_rotation(n, *t, rotation, change);
                out.changes.push_back(std::move(change));
            }
        }
        if (!drop_masked_values(n) && unkeepable.empty())
            unkeepable = "notification " + std::to_string(i + 1) + " (" + type_name +
                         ") shows a masked secret but has no notifierId: a PUT would lose it";
    }
    if (!out.changes.empty() && !unkeepable.empty()) {
        out.refusal = unkeepable;
        return out;
    }
    out.needs_put = !out.changes.empty();
    return out;
}

std::vector<notification_view> third_party_notifications(const json::object& config) {
    std::vector<notification_view> out;
    auto* list = config.if_contains("notifications");
    if (!list || !list->is_array()) return out;
    auto& notifications = list->get_array();
    for (std::size_t i = 0; i < notifications.size(); ++i) {
        if (!notifications[i].is_object()) continue;
        auto& n = notifications[i].get_object();
        const notification_type* t = find_notification_type(str_at(n, "typeName"));
        if (!t || !t->third_party()) continue;
        notification_view v;
        v.index = i;
        v.type_name = std::string(t->type_name);
        for (auto& f : t->fields)
            if (f.secret()) {
                v.secret_field = std::string(f.name);
                v.visible = std::string(str_at(n, f.name));
                break;
            }
        v.integration_id = std::string(str_at(n, "integrationId"));
        out.push_back(std::move(v));
    }
    return out;
}

visible_match compare_with_integration(const json::object& notification,
                                       const notification_type& type,
                                       const json::object& integration_as_read) {
    int same = 0;
    for (auto& f : type.fields) {
        if (!f.secret() || f.integration_field.empty()) continue;
        auto mine = str_at(notification, f.name);
        auto theirs = str_at(integration_as_read, f.integration_field);
        if (mine.empty() || theirs.empty()) continue;
        auto m = compare_visible(mine, theirs);
        if (m == visible_match::differs) return m;
        if (m == visible_match::same) ++same;
    }
    return same > 0 ? visible_match::same : visible_match::unknown;
}

json::object masked_alert_config(const json::object& config) {
    json::object out = config;
    auto* list = out.if_contains("notifications");
    if (!list || !list->is_array()) return out;
    for (auto& v : list->get_array()) {
        if (!v.is_object()) continue;
        auto& n = v.get_object();
        const notification_type* t = find_notification_type(str_at(n, "typeName"));
        if (!t) {
            // A type we do not know: any string that is not masked may be a secret.
            for (auto& kv : n)
                if (kv.value().is_string() && !looks_masked(kv.value().get_string()) &&
                    kv.key() != "typeName" && kv.key() != "notifierId" &&
                    kv.key() != "integrationId")
                    kv.value() = mask_value(kv.value().get_string());
            continue;
        }
        for (auto& f : t->fields) {
            auto* fv = n.if_contains(f.name);
            if (!f.secret() || !fv || !fv->is_string() || looks_masked(fv->get_string())) continue;
            *fv = mask_notification_value(f.mask, fv->get_string());
        }
    }
    return out;
}

json::value changes_to_json(const std::vector<notification_change>& changes) {
    json::array out;
    for (auto& c : changes) {
        json::array set;
        for (auto& f : c.fields_set) set.emplace_back(f);
        out.push_back(json::object{{"i", c.index},
                                   {"type", c.type_name},
                                   {"f", c.field},
                                   {"old", c.old_last4},
                                   {"new", c.new_last4},
                                   {"linked", c.linked},
                                   {"set", std::move(set)}});
    }
    return out;
}

std::optional<std::vector<notification_change>> changes_from_json(const json::value& v) {
    if (!v.is_array()) return std::nullopt;
    std::vector<notification_change> out;
    for (auto& e : v.get_array()) {
        if (!e.is_object()) return std::nullopt;
        auto& o = e.get_object();
        auto* i = o.if_contains("i");
        auto* set = o.if_contains("set");
        if (!i || !(i->is_uint64() || (i->is_int64() && i->get_int64() >= 0)) || !set ||
            !set->is_array())
            return std::nullopt;
        notification_change c;
        c.index = i->is_uint64() ? i->get_uint64() : static_cast<std::uint64_t>(i->get_int64());
        c.type_name = str_at(o, "type");
        c.field = str_at(o, "f");
        c.old_last4 = str_at(o, "old");
        c.new_last4 = str_at(o, "new");
        auto* l = o.if_contains("linked");
        c.linked = l && l->is_bool() && l->get_bool();
        for (auto& f : set->get_array())
            if (f.is_string()) c.fields_set.emplace_back(f.get_string());
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace cmbulk
