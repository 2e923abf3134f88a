// The simulator's /groups/{id}/integrations routes, per flavor: the type list (Cloud Manager has
// no DATADOG; HIP_CHAT is listable and deletable only on Atlas), the field set, the checks a
// body must pass (types, enumerations, required fields, lengths, Datadog's hexadecimal key,
// PagerDuty's 32 hex digits, no read-only field, no masked value sent back), PUT replacing the
// configuration, and the answers as the live service shapes them (masked_view).
#include <boost/json.hpp>
#include <variant>

#include "routes.hpp"

namespace cmbulk::sim {
namespace json = boost::json;

json::object masked_view(const json::object& stored, flavor fl) {
    json::object out;
    auto* type = stored.if_contains("type");
    const type_spec* spec =
        type && type->is_string() ? find_known_type(type->get_string()) : nullptr;
    if (auto* id = stored.if_contains("id")) out["id"] = *id;
    if (type) out["type"] = *type;
    for (auto& kv : stored) {
        if (kv.key() == "id" || kv.key() == "type") continue;
        const field_spec* f = spec ? spec->find_field(kv.key()) : nullptr;
        if (!f) {
            out.emplace(kv.key(), kv.value());  // a seed's unknown key passes through
            continue;
        }
        if (!type_spec::has_field(*f, fl) || f->secret == secrecy::never_returned) continue;
        if (f->secret != secrecy::none && kv.value().is_string())
            out.emplace(kv.key(), mask_as(f->secret, kv.value().get_string()));
        else
            out.emplace(kv.key(), kv.value());
    }
    if (!spec) return out;
    // What the server fills in for fields not sent.
    for (auto& f : spec->fields) {
        if (!type_spec::has_field(f, fl) || out.contains(f.name)) continue;
        if (f.fill == default_kind::text) out[f.name] = f.default_text;
        if (f.fill == default_kind::false_value) out[f.name] = false;
        if (f.fill == default_kind::null_value) out[f.name] = nullptr;
    }
    for (auto& r : read_only_fields())
        if (r.type == spec->name && contains(r.flavors, fl) && r.fill == default_kind::null_value &&
            !out.contains(r.name))
            out[r.name] = nullptr;
    return out;
}

namespace detail {
namespace {

using checked_body = std::variant<response, json::object>;

response field_error(std::string detail, std::string_view field) {
    return api_error(400, "VALIDATION_ERROR", std::move(detail), {json::value(field)});
}

/// One field of a body: its JSON type, enumeration and length.
std::optional<response> check_field(const field_spec& f, const json::value& v, flavor fl) {
    std::string key(f.name);
    switch (f.kind) {
        case field_kind::boolean:
            if (!v.is_bool()) return field_error("Field '" + key + "' must be a boolean.", key);
            return std::nullopt;
        case field_kind::string:
            if (!v.is_string()) return field_error("Field '" + key + "' must be a string.", key);
            if (f.max_length && contains(f.max_length_on, fl) &&
                v.get_string().size() > f.max_length)
                return field_error("Field '" + key + "' must be at most " +
                                       std::to_string(f.max_length) + " characters.",
                                   key);
            return std::nullopt;
        case field_kind::enumeration: {
            bool ok =
                v.is_string() && std::find(f.enum_values.begin(), f.enum_values.end(),
                                           std::string_view(v.get_string())) != f.enum_values.end();
            if (ok) return std::nullopt;
            std::string allowed;
            for (auto e : f.enum_values) allowed += (allowed.empty() ? "" : ", ") + std::string(e);
            std::string got = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
            return api_error(400, "VALIDATION_ERROR",
                             "Invalid value '" + got + "' for field '" + key +
                                 "'; expected one of: " + allowed + ".",
                             {json::value(key), json::value(got)});
        }
    }
    return std::nullopt;
}

/// The server-side value checks, then the refusal of any masked value sent back: a value the
/// client read from us is never stored.
std::optional<response> check_values(const type_spec& spec, const json::object& stored) {
    for (auto& f : spec.fields) {
        auto* v = stored.if_contains(f.name);
        if (!v || !v->is_string()) continue;
        auto problem = value_problem(f, v->get_string());
        if (!problem.empty())
            return api_error(400, "INVALID_INTEGRATION_SETTINGS",
                             "The provided settings for the " + std::string(spec.name) +
                                 " integration were invalid: " + std::string(problem) + ".",
                             {json::value(f.rule_parameter)});
    }
    for (auto& f : spec.fields) {
        auto* v = stored.if_contains(f.name);
        if (v && v->is_string() && f.secret != secrecy::none && looks_masked(v->get_string()))
            return api_error(400, "INTEGRATION_FIELDS_INVALID",
                             "At least one integration field is invalid.");
    }
    return std::nullopt;
}

/// Parses and checks the body of a POST or PUT for `spec` on `fl`; the object to store (without
/// its id) or the error.
checked_body check_body(std::string_view body, const type_spec& spec, flavor fl) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return api_error(400, "INVALID_JSON", "Received JSON is malformed.");
    auto& o = v.get_object();
    std::string tname(spec.name);
    auto* type = o.if_contains("type");
    if (!type) return field_error("Required field 'type' is missing.", "type");
    if (!type->is_string() || type->get_string() != spec.name) {
        std::string got =
            type->is_string() ? std::string(type->get_string()) : json::serialize(*type);
        return api_error(400, "VALIDATION_ERROR",
                         "The type '" + got + "' in the body does not match the type '" + tname +
                             "' in the path.",
                         {"type", json::value(got), json::value(tname)});
    }
    json::object stored;
    stored["type"] = tname;
    for (auto& kv : o) {
        std::string key(kv.key());
        if (key == "type") continue;
        if (is_read_only(spec.name, key))
            return api_error(400, "ATTRIBUTE_READ_ONLY",
                             "The attribute " + key +
                                 " is read-only and cannot be changed by the "
                                 "user.",
                             {json::value(key)});
        const field_spec* f = spec.find_field(key, fl);
        if (!f)
            return api_error(400, "VALIDATION_ERROR",
                             "Unknown field '" + key + "' for integration type '" + tname + "'.",
                             {json::value(key), json::value(tname)});
        if (kv.value().is_null() && !type_spec::is_required(*f, fl)) continue;  // unset
        if (auto bad = check_field(*f, kv.value(), fl)) return std::move(*bad);
        stored[key] = kv.value();
    }
    for (auto& f : spec.fields) {
        if (!type_spec::is_required(f, fl)) continue;
        auto* have = stored.if_contains(f.name);
        if (!have || (have->is_string() && have->get_string().empty()))
            return api_error(400, "VALIDATION_ERROR",
                             "Required field '" + std::string(f.name) +
                                 "' is missing for integration type '" + tname + "'.",
                             {json::value(f.name), json::value(tname)});
    }
    if (auto bad = check_values(spec, stored)) return std::move(*bad);
    return stored;
}

json::array listed(const project_state& p, flavor fl) {
    json::array all;
    for (auto& [type, obj] : p.integrations) all.emplace_back(masked_view(obj, fl));
    return all;
}

response write_integration(route_context& c, project_state& p, const type_spec& spec) {
    std::string type(spec.name);
    auto existing = p.integrations.find(type);
    if (c.req.method == "POST" && existing != p.integrations.end())
        return api_error(
            409, "INTEGRATION_ALREADY_CONFIGURED",
            "The integration of type '" + type + "' is already configured for this group.",
            {json::value(type)});
    // Cloud/Ops Manager upsert; Atlas documents PUT as an update.
    if (c.req.method == "PUT" && is_atlas(c.fl) && existing == p.integrations.end())
        return api_error(404, "INTEGRATION_NOT_CONFIGURED",
                         "The integration of type '" + type + "' is not configured for this group.",
                         {json::value(type)});
    auto checked = check_body(c.req.body, spec, c.fl);
    if (auto* err = std::get_if<response>(&checked)) return std::move(*err);
    auto& obj = std::get<json::object>(checked);
    // PUT replaces the configuration (the documented choice); the id stays.
    json::object stored;
    if (existing == p.integrations.end()) {
        stored["id"] = integration_id(p.id, type, ++c.serial);
    } else if (auto* id = existing->second.if_contains("id")) {
        stored["id"] = *id;
    }
    for (auto& kv : obj) stored.emplace(kv.key(), std::move(kv.value()));
    if (existing == p.integrations.end()) {
        p.integrations.emplace(type, std::move(stored));
        ++p.creates;
    } else {
        existing->second = std::move(stored);
        ++p.updates;
    }
    return write_answer(c, listed(p, c.fl));
}

response delete_integration(route_context& c, project_state& p,
                            std::map<std::string, json::object>::iterator existing) {
    p.integrations.erase(existing);
    ++p.deletes;
    response r;
    if (c.base.version == api_version::atlas_v2) {
        r.status = 204;
        r.content_type.clear();
    } else if (c.lp.envelope) {
        r.body = to_body(json::object{{"status", 200}}, c.lp.pretty);
    } else {
        r.content_type.clear();
    }
    return r;
}

}  // namespace

response route_integrations(route_context& c, project_state& p,
                            std::span<const std::string_view> segs) {
    if (segs.empty()) {
        if (c.req.method != "GET") return method_not_allowed(c);
        return finish_list(c, listed(p, c.fl), std::string(c.base.prefix) + std::string(c.rest));
    }
    std::string type(segs[0]);
    const type_spec* spec = find_known_type(type);
    if (!spec)
        return api_error(400, "VALIDATION_ERROR", "Unknown integration type '" + type + "'.",
                         {json::value(type)});
    auto support = spec->support(c.fl);
    if (support == type_support::none)
        return api_error(400, "VALIDATION_ERROR",
                         "The integration type '" + type + "' is not available on " +
                             std::string(display_name(c.fl)) + ".",
                         {json::value(type)});
    bool write = c.req.method == "POST" || c.req.method == "PUT" || c.req.method == "DELETE";
    if (write && !c.who.may_write()) return user_unauthorized();
    auto existing = p.integrations.find(type);
    auto not_configured = [&] {
        return api_error(404, "INTEGRATION_NOT_CONFIGURED",
                         "The integration of type '" + type + "' is not configured for this group.",
                         {json::value(type)});
    };
    if (c.req.method == "GET") {
        if (existing == p.integrations.end()) return not_configured();
        return finish_single(c, 200, masked_view(existing->second, c.fl));
    }
    if (c.req.method == "DELETE") {
        if (existing == p.integrations.end()) return not_configured();
        return delete_integration(c, p, existing);
    }
    if (c.req.method == "POST" || c.req.method == "PUT") {
        if (support != type_support::full)
            return api_error(400, "VALIDATION_ERROR",
                             "The integration type '" + type +
                                 "' is legacy: it can be listed and deleted, not configured.",
                             {json::value(type)});
        return write_integration(c, p, *spec);
    }
    return method_not_allowed(c);
}

}  // namespace detail
}  // namespace cmbulk::sim
