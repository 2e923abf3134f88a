// The inverse of one recorded change; see revert_plan.hpp for the rules.
#include "cmbulk/revert_plan.hpp"

#include <algorithm>

#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;

std::string_view to_string(revert_kind k) {
    switch (k) {
        case revert_kind::remove:
            return "delete";
        case revert_kind::put_back:
            return "put-back";
        case revert_kind::recreate:
            return "recreate";
        case revert_kind::nothing:
            return "nothing";
        case revert_kind::changed_since:
            return "changed-since";
        case revert_kind::needs_secret:
            return "needs-secret";
    }
    return "nothing";
}

namespace {

std::string_view str_at(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

std::string last4_shown(std::string_view v) {
    if (v.size() <= 4) return {};
    auto tail = v.substr(v.size() - 4);
    return tail.find('*') == std::string_view::npos ? std::string(tail) : std::string();
}

revert_decision decided(revert_kind k, std::string detail = {}) {
    revert_decision d;
    d.kind = k;
    d.detail = std::move(detail);
    return d;
}

/// The first secret field of the type that `now` shows with a visible last four.
std::string identifying_last4(std::string_view type, const json::object& now) {
    if (const type_spec* t = find_type(type))
        for (auto& f : t->fields)
            if (f.secret != secrecy::none)
                if (auto l4 = last4_shown(str_at(now, f.name)); !l4.empty()) return l4;
    return {};
}

/// Whether what is there now is still what the run left (its secret's last four).
bool still_ours(const recorded_integration_change& c, const json::object& now) {
    return c.sent_last4.empty() || identifying_last4(c.type, now) == c.sent_last4;
}

/// The before-image as a body to send: its fields, with every secret taken from `secrets`
/// (a masked or never-shown secret cannot be sent back). Missing secrets are listed.
revert_decision body_from_before(const recorded_integration_change& c,
                                 const supplied_secrets& secrets, revert_kind kind) {
    revert_decision d;
    d.kind = kind;
    d.body = *c.before;
    for (auto k : {"id", "links", "type"}) d.body.erase(k);
    const type_spec* t = find_type(c.type);
    auto secret_field = [&](std::string_view name) {
        const field_spec* f = t ? t->find_field(name) : nullptr;
        return f && f->secret != secrecy::none;
    };
    std::vector<std::string> keys;
    for (auto& kv : d.body) keys.emplace_back(kv.key());
    for (auto& k : keys) {
        auto& v = d.body.at(k);
        bool masked = v.is_string() && looks_masked(v.get_string());
        if (!masked && !secret_field(k)) continue;
        if (auto it = secrets.find(k); it != secrets.end())
            d.body[k] = it->second;
        else
            d.missing_secrets.push_back(k);
    }
    // Fields the server never shows (a Prometheus password): required ones must be supplied.
    if (t)
        for (auto& f : t->fields) {
            if (f.secret != secrecy::never_returned || d.body.contains(f.name)) continue;
            if (auto it = secrets.find(std::string(f.name)); it != secrets.end())
                d.body[f.name] = it->second;
            else if (f.required_on != 0)
                d.missing_secrets.emplace_back(f.name);
        }
    d.body["type"] = c.type;
    if (!d.missing_secrets.empty()) {
        d.kind = revert_kind::needs_secret;
        std::string list;
        for (auto& m : d.missing_secrets) list += (list.empty() ? "" : ", ") + m;
        d.detail = "the old value of " + list +
                   " is needed (the server shows it masked): supply it with --set "
                   "FIELD=${env:NAME} or a manifest of the old secrets";
        d.body = {};
    }
    return d;
}

}  // namespace

revert_decision decide_integration_revert(const recorded_integration_change& c,
                                          const std::optional<json::object>& now,
                                          const supplied_secrets& secrets) {
    if (c.done == "created") {
        if (!now) return decided(revert_kind::nothing, "not configured any more");
        if (!still_ours(c, *now))
            return decided(revert_kind::changed_since,
                           "changed since the run: its secret no longer ends in " + c.sent_last4);
        return decided(revert_kind::remove);
    }
    if (c.done == "updated") {
        if (!now) return decided(revert_kind::changed_since, "deleted since the run");
        if (!still_ours(c, *now))
            return decided(revert_kind::changed_since,
                           "changed since the run: its secret no longer ends in " + c.sent_last4);
        if (!c.before) return decided(revert_kind::remove);  // the update created it
        return body_from_before(c, secrets, revert_kind::put_back);
    }
    if (c.done == "deleted") {
        if (now) return decided(revert_kind::changed_since, "configured again since the run");
        if (!c.before) return decided(revert_kind::nothing, "nothing was there before");
        return body_from_before(c, secrets, revert_kind::recreate);
    }
    return decided(revert_kind::nothing);
}

namespace {

const json::object* notification_at(const json::object& doc, std::size_t i) {
    auto* list = doc.if_contains("notifications");
    if (!list || !list->is_array() || i >= list->get_array().size()) return nullptr;
    auto& v = list->get_array()[i];
    return v.is_object() ? &v.get_object() : nullptr;
}

/// The notification of `now` that is `before`'s (same notifierId, else same position).
const json::object* same_notification(const json::object& now, const json::object& before,
                                      std::size_t index) {
    auto id = str_at(before, "notifierId");
    if (auto* list = now.if_contains("notifications"); list && list->is_array() && !id.empty()) {
        for (auto& v : list->get_array())
            if (v.is_object() && str_at(v.get_object(), "notifierId") == id) return &v.get_object();
        return nullptr;
    }
    return notification_at(now, index);
}

/// `doc` as the comparison sees it: masked, read-only fields dropped, and in each notification
/// the run changed, the fields it set (and its link) dropped: what the run itself changed.
json::object comparable_alert(const json::object& doc, const std::vector<notification_change>& cs) {
    json::object out = masked_alert_config(doc);
    for (auto k : read_only_alert_config_fields()) out.erase(k);
    auto* list = out.if_contains("notifications");
    if (!list || !list->is_array()) return out;
    for (auto& ch : cs) {
        if (ch.index >= list->get_array().size()) continue;
        auto& v = list->get_array()[ch.index];
        if (!v.is_object()) continue;
        for (auto& f : ch.fields_set) v.get_object().erase(f);
        v.get_object().erase(ch.field);
        if (ch.linked) v.get_object().erase("integrationId");
    }
    return out;
}

/// The first field (a name, never a value) in which `now` differs from what the run left, ""
/// when none: a change by someone else since the run.
std::string alert_difference(const recorded_alert_change& c, const json::object& now) {
    auto was = comparable_alert(c.before, c.changes);
    auto is = comparable_alert(now, c.changes);
    for (auto& kv : was) {
        auto* v = is.if_contains(kv.key());
        if (!v || *v != kv.value()) return std::string(kv.key());
    }
    for (auto& kv : is)
        if (!was.contains(kv.key())) return std::string(kv.key());
    return {};
}

}  // namespace

revert_decision decide_alert_revert(const recorded_alert_change& c, const json::object& now,
                                    const supplied_secrets& secrets) {
    for (auto& ch : c.changes) {
        auto* was = notification_at(c.before, ch.index);
        auto* is = was ? same_notification(now, *was, ch.index) : nullptr;
        if (!is)
            return decided(revert_kind::changed_since, "a notification the run changed is gone");
        bool ours =
            ch.linked ? !str_at(*is, "integrationId").empty()
                      : ch.new_last4.empty() || last4_shown(str_at(*is, ch.field)) == ch.new_last4;
        if (!ours)
            return decided(revert_kind::changed_since,
                           "notification " + std::to_string(ch.index + 1) + " (" + ch.type_name +
                               ") changed since the run");
    }
    if (auto field = alert_difference(c, now); !field.empty())
        return decided(revert_kind::changed_since, "its " + field + " changed since the run");
    revert_decision d;
    d.kind = revert_kind::put_back;
    d.body = c.before;
    for (auto k : read_only_alert_config_fields()) d.body.erase(k);
    auto& list = d.body["notifications"].as_array();
    for (auto& ch : c.changes) {
        auto& n = list[ch.index].as_object();
        const notification_type* t = find_notification_type(ch.type_name);
        if (ch.linked) n.erase("integrationId");
        for (auto& field : ch.fields_set) {
            const notification_field* f = t ? t->find_field(field) : nullptr;
            std::string supply = f ? std::string(f->integration_field) : field;
            if (auto it = secrets.find(supply); it != secrets.end())
                n[field] = it->second;
            else if (std::find(d.missing_secrets.begin(), d.missing_secrets.end(), supply) ==
                     d.missing_secrets.end())
                d.missing_secrets.push_back(supply);
        }
    }
    // Every other secret is kept by the notifierId: masked values are never sent back.
    for (auto& v : list) {
        if (!v.is_object()) continue;
        std::vector<std::string> masked;
        for (auto& kv : v.get_object())
            if (kv.value().is_string() && looks_masked(kv.value().get_string()))
                masked.emplace_back(kv.key());
        for (auto& k : masked) v.get_object().erase(k);
    }
    if (!d.missing_secrets.empty()) {
        std::string names;
        for (auto& m : d.missing_secrets) names += (names.empty() ? "" : ", ") + m;
        d.kind = revert_kind::needs_secret;
        d.detail = "the old value of " + names + " (" + c.integration_type +
                   ") is needed to put the notifications back";
        d.body = {};
    }
    return d;
}

bool alert_shows_before(const recorded_alert_change& c, const json::object& now) {
    if (!alert_difference(c, now).empty()) return false;
    for (auto& ch : c.changes) {
        auto* is = notification_at(now, ch.index);
        if (!is || ch.old_last4.empty() || last4_shown(str_at(*is, ch.field)) != ch.old_last4)
            return false;
        if (ch.linked && is->contains("integrationId")) return false;
    }
    return true;
}

}  // namespace cmbulk
