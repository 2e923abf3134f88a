// The simulator's alert configurations: body validation, storage with notifierIds, masked
// answers. See alert_store.hpp; the rules are api-facts.md's "Alert configurations" (where it is
// silent, the stricter behaviour: unknown fields and read-only fields in a body are refused).
#include "cmbulk/sim/alert_store.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <stdexcept>

#include "cmbulk/alert_catalogue.hpp"
#include "cmbulk/catalogue.hpp"

namespace cmbulk::sim {
namespace json = boost::json;

namespace {

constexpr std::size_t max_notifications = 25;
constexpr std::array<std::string_view, 7> known_top_level{
    "eventTypeName", "enabled",       "matchers",        "metricThreshold",
    "threshold",     "notifications", "severityOverride"};

alert_result fail(int status, std::string code, std::string detail, json::array params = {}) {
    alert_result r;
    r.status = status;
    r.error_code = std::move(code);
    r.detail = std::move(detail);
    r.parameters = std::move(params);
    return r;
}

alert_result invalid(std::string detail, json::array params = {}) {
    return fail(400, "VALIDATION_ERROR", std::move(detail), std::move(params));
}

std::string_view str_at(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

bool is_hex32(std::string_view v) {
    return v.size() == 32 &&
           v.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

/// The field a type cannot do without (its own secret or address), or "".
std::string_view required_field(const notification_type& t) {
    if (t.type_name == "GROUP" || t.type_name == "ORG") return "";
    return t.fields.empty() ? std::string_view{} : t.fields.front().name;
}

bool allowed_field(const notification_type& t, std::string_view key) {
    if (t.find_field(key)) return true;
    auto common = common_notification_fields();
    return std::find(common.begin(), common.end(), key) != common.end();
}

const json::object* stored_notification(const alert_config_state* current, std::string_view id) {
    if (!current) return nullptr;
    auto* list = current->doc.if_contains("notifications");
    if (!list || !list->is_array()) return nullptr;
    for (auto& n : list->get_array())
        if (n.is_object() && str_at(n.get_object(), "notifierId") == id) return &n.get_object();
    return nullptr;
}

/// Checks one field value of a notification of type `t`.
std::optional<alert_result> check_value(const notification_type& t, const notification_field& f,
                                        const json::value& v, bool masked_as_answered) {
    if (f.name == "roles") {
        if (!v.is_array()) return invalid("Notification field roles must be an array.", {"roles"});
        return std::nullopt;
    }
    if (!v.is_string())
        return invalid("Notification field " + std::string(f.name) + " must be a string.",
                       {json::value(f.name)});
    auto s = std::string_view(v.get_string());
    // A seed copied from an audit keeps the service's masked answers as they are.
    if (f.secret() && masked_as_answered && looks_masked(s)) return std::nullopt;
    // A value the client read back from us is never taken (api-facts: masked values refused).
    if (f.secret() && (looks_masked(s) || (t.type_name == "PAGER_DUTY" && !is_hex32(s)))) {
        if (t.type_name == "PAGER_DUTY")
            return invalid("Pager Duty API key must consist of 32 hexadecimal digits",
                           {json::value(f.name)});
        return invalid("Notification field " + std::string(f.name) +
                           " holds a masked value; send the secret itself, or omit it and name "
                           "the notifierId to keep the stored one.",
                       {json::value(f.name)});
    }
    return std::nullopt;
}

/// Validates one notification of a POST/PUT body and turns it into the stored form.
std::optional<alert_result> store_notification(json::object n, const alert_config_state* current,
                                               const alert_context& ctx, json::object& out) {
    auto type_name = std::string(str_at(n, "typeName"));
    const notification_type* t = find_notification_type(type_name);
    if (!t)
        return fail(400, "UNSUPPORTED_NOTIFICATION_TYPE",
                    "Notification type " + type_name + " is not supported.",
                    {json::value(type_name)});
    for (auto& kv : n)
        if (!allowed_field(*t, kv.key()))
            return invalid("Unknown field " + std::string(kv.key()) + " for notification type " +
                               type_name + ".",
                           {json::value(kv.key()), json::value(type_name)});
    if (auto* iv = n.if_contains("intervalMin"))
        if (!iv->is_int64() || iv->get_int64() < 5)
            return fail(400, "NOTIFICATION_INTERVAL_OUT_OF_RANGE",
                        "Notification interval must be at least 5 minutes.", {"intervalMin"});
    if (auto* dv = n.if_contains("delayMin"))
        if (!dv->is_int64() || dv->get_int64() < 0)
            return invalid("Notification field delayMin must be a non-negative integer.",
                           {"delayMin"});
    for (auto& f : t->fields)
        if (auto* v = n.if_contains(f.name))
            if (auto bad = check_value(*t, f, *v, ctx.seeding && ctx.masked_as_answered))
                return bad;
    // The notifierId names a notification of this very configuration, of the same type.
    auto notifier = std::string(str_at(n, "notifierId"));
    const json::object* kept = nullptr;
    if (!notifier.empty() && !ctx.seeding) {
        kept = stored_notification(current, notifier);
        if (!kept || str_at(*kept, "typeName") != type_name)
            return invalid("notifierId " + notifier + " is not a " + type_name +
                               " notification of this alert configuration.",
                           {json::value(notifier)});
    }
    auto integration_id = std::string(str_at(n, "integrationId"));
    if (!integration_id.empty()) {
        const json::object* integ = nullptr;
        if (ctx.atlas_v2 && ctx.integrations && !t->integration_type.empty())
            if (auto it = ctx.integrations->find(std::string(t->integration_type));
                it != ctx.integrations->end())
                integ = &it->second;
        auto stored_id = integ ? str_at(*integ, "id") : std::string_view{};
        if (!ctx.atlas_v2)
            return invalid("Unknown field integrationId for notification type " + type_name + ".",
                           {"integrationId", json::value(type_name)});
        if (!integ || (!stored_id.empty() && stored_id != integration_id))
            return invalid("integrationId " + integration_id + " is not this project's " +
                               std::string(t->integration_type) + " integration.",
                           {json::value(integration_id)});
    }
    // Secrets omitted with a notifierId keep the stored ones.
    if (kept)
        for (auto& f : t->fields)
            if (f.secret() && !n.contains(f.name))
                if (auto* v = kept->if_contains(f.name)) n[f.name] = *v;
    auto need = required_field(*t);
    bool linked = !integration_id.empty();
    if (!need.empty() && !n.contains(need) && !(linked && t->find_field(need)->secret())) {
        if (t->type_name == "WEBHOOK") {
            bool project_default = ctx.integrations && ctx.integrations->count("WEBHOOK");
            if (!project_default)
                return fail(400, "WEBHOOK_URL_NOT_SET",
                            "Webhook notification requires a webhookUrl or a project webhook "
                            "integration.",
                            {});
        } else {
            return invalid(
                "Notification field " + std::string(need) + " is required for " + type_name + ".",
                {json::value(need), json::value(type_name)});
        }
    }
    n["notifierId"] = notifier.empty() ? ctx.new_id() : notifier;
    out = std::move(n);
    return std::nullopt;
}

/// Validates a POST/PUT body into the stored document (keeping `current`'s ids and dates).
std::optional<alert_result> build_doc(std::string_view body, const alert_config_state* current,
                                      const alert_context& ctx, json::object& doc) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return fail(400, "INVALID_JSON", "Received JSON is malformed.");
    auto& o = v.get_object();
    for (auto k : read_only_alert_config_fields())
        if (o.contains(k))
            return fail(400, "ATTRIBUTE_READ_ONLY",
                        "Attribute " + std::string(k) + " is read-only.", {json::value(k)});
    for (auto& kv : o)
        if (std::find(known_top_level.begin(), known_top_level.end(), kv.key()) ==
            known_top_level.end())
            return invalid(
                "Unknown field " + std::string(kv.key()) + " for an alert configuration.",
                {json::value(kv.key())});
    if (str_at(o, "eventTypeName").empty())
        return invalid("Required field eventTypeName is missing.", {"eventTypeName"});
    if (auto* e = o.if_contains("enabled"); e && !e->is_bool())
        return invalid("Field enabled must be a boolean.", {"enabled"});
    auto* list = o.if_contains("notifications");
    if (!list || !list->is_array() || list->get_array().empty())
        return fail(400, "MISSING_NOTIFICATIONS", "At least one notification is required.");
    if (list->get_array().size() > max_notifications)
        return invalid("At most 25 notifications are allowed.", {"notifications"});
    json::array stored;
    for (auto& n : list->get_array()) {
        if (!n.is_object()) return invalid("Notifications must be objects.", {"notifications"});
        json::object one;
        if (auto bad = store_notification(n.get_object(), current, ctx, one)) return bad;
        stored.push_back(std::move(one));
    }
    doc = std::move(o);
    doc["notifications"] = std::move(stored);
    // "enabled" omitted means disabled (a PUT replaces the whole configuration).
    if (!doc.contains("enabled")) doc["enabled"] = false;
    doc["created"] = current ? current->doc.at("created") : json::value(ctx.now);
    doc["updated"] = ctx.now;
    return std::nullopt;
}

alert_result not_found(std::string_view id, const alert_context& ctx) {
    return fail(404, "ALERT_CONFIG_NOT_FOUND",
                "No alert configuration with ID " + std::string(id) + " exists in group " +
                    ctx.group_id + ".",
                {json::value(id), json::value(ctx.group_id)});
}

std::string self_of(const alert_context& ctx, std::string_view id) {
    return ctx.href_base + "/groups/" + ctx.group_id + "/alertConfigs/" + std::string(id);
}

}  // namespace

json::object answered_alert_config(const alert_config_state& c, const alert_context& ctx) {
    json::object out{{"id", c.id}, {"groupId", ctx.group_id}};
    for (auto& kv : c.doc) out[kv.key()] = kv.value();
    json::array notifications;
    for (auto& nv : c.doc.at("notifications").as_array()) {
        json::object n = nv.as_object();
        const notification_type* t = find_notification_type(str_at(n, "typeName"));
        if (t) {
            const json::object* integ = nullptr;
            if (ctx.atlas_v2 && ctx.integrations && !str_at(n, "integrationId").empty())
                if (auto it = ctx.integrations->find(std::string(t->integration_type));
                    it != ctx.integrations->end())
                    integ = &it->second;
            for (auto& f : t->fields) {
                if (!f.secret()) continue;
                // A linked notification uses (and answers) the integration's current secret.
                if (integ && !f.integration_field.empty())
                    if (auto v = str_at(*integ, f.integration_field); !v.empty()) n[f.name] = v;
                if (auto v = str_at(n, f.name); !v.empty())
                    n[f.name] = mask_notification_value(f.mask, v);
            }
            if (!t->answers_interval) n.erase("intervalMin");
        }
        notifications.push_back(std::move(n));
    }
    out["notifications"] = std::move(notifications);
    out["links"] = json::array{json::object{{"href", self_of(ctx, c.id)}, {"rel", "self"}}};
    return out;
}

void alert_store::load(const json::array& seed, const alert_context& ctx) {
    for (auto& v : seed) {
        if (!v.is_object()) throw std::runtime_error("alertConfigs must hold objects");
        auto& given = v.get_object();
        alert_config_state c;
        c.id = std::string(str_at(given, "id"));
        if (c.id.empty()) c.id = ctx.new_id();
        if (!is_object_id(c.id))
            throw std::runtime_error("alertConfigs: id must be 24 hex characters");
        if (find_(c.id)) throw std::runtime_error("alertConfigs: two configurations " + c.id);
        // The dates a seed (or a saved state) gives are kept; the other read-only fields and
        // the state's counters are not part of the document.
        auto* given_created = given.if_contains("created");
        json::value created = given_created ? *given_created : json::value(ctx.now);
        auto* given_updated = given.if_contains("updated");
        json::value updated = given_updated ? *given_updated : created;
        auto ro = read_only_alert_config_fields();
        json::object o;  // in the given order (json::object::erase would reorder)
        for (auto& kv : given)
            if (std::find(ro.begin(), ro.end(), kv.key()) == ro.end() && kv.key() != "puts" &&
                kv.key() != "patches")
                o[kv.key()] = kv.value();
        // Validated as a POST would be (masked values refused too); notifierIds the seed gives
        // are kept, missing ones are made.
        auto seed_ctx = ctx;
        seed_ctx.seeding = true;
        json::object doc;
        if (auto bad = build_doc(json::serialize(o), nullptr, seed_ctx, doc))
            throw std::runtime_error("alertConfigs " + c.id + ": " + bad->detail);
        doc["created"] = std::move(created);
        doc["updated"] = std::move(updated);
        c.doc = std::move(doc);
        configs_.push_back(std::move(c));
    }
}

json::array alert_store::to_json(bool with_counters) const {
    json::array out;
    for (auto& c : configs_) {
        json::object o{{"id", c.id}};
        for (auto& kv : c.doc) o[kv.key()] = kv.value();
        if (with_counters) {
            o["puts"] = c.puts;
            o["patches"] = c.patches;
        }
        out.push_back(std::move(o));
    }
    return out;
}

json::array alert_store::list(const alert_context& ctx) const {
    json::array out;
    for (auto& c : configs_) out.push_back(answered_alert_config(c, ctx));
    return out;
}

alert_config_state* alert_store::find_(std::string_view id) {
    for (auto& c : configs_)
        if (c.id == id) return &c;
    return nullptr;
}

const alert_config_state* alert_store::find_(std::string_view id) const {
    for (auto& c : configs_)
        if (c.id == id) return &c;
    return nullptr;
}

alert_result alert_store::get(std::string_view id, const alert_context& ctx) const {
    auto* c = find_(id);
    if (!c) return not_found(id, ctx);
    alert_result r;
    r.body = answered_alert_config(*c, ctx);
    return r;
}

alert_result alert_store::create(std::string_view body, const alert_context& ctx) {
    json::object doc;
    if (auto bad = build_doc(body, nullptr, ctx, doc)) return *bad;
    alert_config_state c;
    c.id = ctx.new_id();
    c.doc = std::move(doc);
    configs_.push_back(std::move(c));
    alert_result r;
    r.body = answered_alert_config(configs_.back(), ctx);
    return r;
}

alert_result alert_store::replace(std::string_view id, std::string_view body,
                                  const alert_context& ctx) {
    auto* c = find_(id);
    if (!c) return not_found(id, ctx);
    json::object doc;
    if (auto bad = build_doc(body, c, ctx, doc)) return *bad;
    c->doc = std::move(doc);
    ++c->puts;
    alert_result r;
    r.body = answered_alert_config(*c, ctx);
    return r;
}

alert_result alert_store::patch(std::string_view id, std::string_view body,
                                const alert_context& ctx) {
    auto* c = find_(id);
    if (!c) return not_found(id, ctx);
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return fail(400, "INVALID_JSON", "Received JSON is malformed.");
    auto& o = v.get_object();
    auto* e = o.if_contains("enabled");
    if (o.size() != 1 || !e || !e->is_bool())
        return invalid("A PATCH of an alert configuration takes {\"enabled\": true|false} only.",
                       {"enabled"});
    c->doc["enabled"] = e->get_bool();
    c->doc["updated"] = ctx.now;
    ++c->patches;
    alert_result r;
    r.body = answered_alert_config(*c, ctx);
    return r;
}

alert_result alert_store::remove(std::string_view id, const alert_context& ctx) {
    auto it = std::find_if(configs_.begin(), configs_.end(),
                           [&](const alert_config_state& c) { return c.id == id; });
    if (it == configs_.end()) return not_found(id, ctx);
    configs_.erase(it);
    alert_result r;
    r.status = ctx.atlas_v2 ? 204 : 200;  // v1.0: no body; v2: 204
    return r;
}

}  // namespace cmbulk::sim
