// The simulator's world: reading the seed file's shape for a service (cloud.mongodb.com or Ops
// Manager: org kinds, the types each kind offers, roles, org-bound keys), writing it back
// (GET /__sim/state and --state-out: integrations and alert configurations, secrets in clear),
// and the principals' access rules.
#include "cmbulk/sim/world.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "cmbulk/sim/faults.hpp"

namespace cmbulk::sim {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 6> roles{"ORG_OWNER",       "GROUP_OWNER",
                                                "GLOBAL_OWNER",    "ORG_READ_ONLY",
                                                "GROUP_READ_ONLY", "GLOBAL_READ_ONLY"};

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("seed: " + what); }

std::string need_string(const json::object& o, std::string_view key, const std::string& where) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string())
        fail(where + ": \"" + std::string(key) + "\" must be a string");
    return std::string(it->value().get_string());
}

const json::array& need_array(const json::object& o, std::string_view key, const std::string& where,
                              bool optional) {
    static const json::array empty;
    auto it = o.find(key);
    if (it == o.end()) {
        if (optional) return empty;
        fail(where + ": \"" + std::string(key) + "\" is missing");
    }
    if (!it->value().is_array()) fail(where + ": \"" + std::string(key) + "\" must be an array");
    return it->value().get_array();
}

/// An org's kind: absent means the service's own (Cloud Manager on cloud, Ops Manager there).
flavor read_kind(const json::object& o, service_kind service, const std::string& where) {
    auto* k = o.if_contains("kind");
    if (!k) return service == service_kind::cloud ? flavor::cloud_manager : flavor::ops_manager;
    auto kind = k->is_string() ? parse_flavor(k->get_string()) : std::nullopt;
    bool ok = kind && (service == service_kind::cloud
                           ? (*kind == flavor::cloud_manager || *kind == flavor::atlas)
                           : *kind == flavor::ops_manager);
    if (!ok)
        fail(where + ": \"kind\" must be " +
             (service == service_kind::cloud ? "\"cloud-manager\" or \"atlas\" (--service cloud)"
                                             : "\"ops-manager\" (--service ops-manager)"));
    return *kind;
}

void read_integrations(const json::object& po, project_state& p, const std::string& where) {
    // An Atlas org's types are Atlas's, on v2 and v1.0 alike.
    for (auto& iv : need_array(po, "integrations", where, true)) {
        if (!iv.is_object()) fail(where + ": integrations must be objects");
        auto obj = iv.get_object();
        auto type = need_string(obj, "type", where + ".integrations");
        const type_spec* t = find_known_type(type);
        if (!t) fail(where + ": unknown integration type " + type);
        if (t->support(p.kind) == type_support::none)
            fail(where + ": " + type + " is not offered on " + std::string(display_name(p.kind)) +
                 " (flavors that take it: " + describe(t->full_on | t->listed_on) + ")");
        if (p.integrations.count(type)) fail(where + ": two integrations of type " + type);
        if (auto* id = obj.if_contains("id")) {
            if (!id->is_string() || !is_object_id(id->get_string()))
                fail(where + ": an integration's id must be 24 lowercase hex characters");
        } else {
            obj["id"] = integration_id(p.id, type, 0);
        }
        p.integrations.emplace(type, std::move(obj));
    }
}

/// A project's alertConfigs, once its integrations are read (integrationId names one of them).
void read_alert_configs(const json::object& po, project_state& p, const std::string& where,
                        bool masked_as_answered) {
    auto& seed = need_array(po, "alertConfigs", where, true);
    if (seed.empty()) return;
    auto ctx = seed_alert_context(p, std::string(seed_alert_date));
    ctx.masked_as_answered = masked_as_answered;
    try {
        p.alerts.load(seed, ctx);
    } catch (const std::runtime_error& e) {
        fail(where + ": " + e.what());
    }
}

std::vector<principal> read_principals(const json::object& root, std::string_view key,
                                       std::string_view id_name, std::string_view secret_name,
                                       service_kind service) {
    std::vector<principal> out;
    std::size_t i = 0;
    for (auto& v : need_array(root, key, "top level", true)) {
        std::string where = std::string(key) + "[" + std::to_string(i++) + "]";
        if (!v.is_object()) fail(where + " must be an object");
        auto& o = v.get_object();
        principal p;
        p.id = need_string(o, id_name, where);
        p.secret = need_string(o, secret_name, where);
        for (auto& org : need_array(o, "orgIds", where, false)) {
            if (!org.is_string() || !is_object_id(org.get_string()))
                fail(where + ": orgIds must hold 24-hex-character ids");
            p.org_ids.emplace_back(org.get_string());
        }
        if (o.contains("roles")) p.roles.clear();
        for (auto& r : need_array(o, "roles", where, true)) {
            auto name = r.is_string() ? std::string_view(r.get_string()) : std::string_view();
            if (std::find(roles.begin(), roles.end(), name) == roles.end())
                fail(where +
                     ": unknown role (known: ORG_OWNER, GROUP_OWNER, GLOBAL_OWNER, "
                     "ORG_READ_ONLY, GROUP_READ_ONLY, GLOBAL_READ_ONLY)");
            if (name.starts_with("GLOBAL_") && service != service_kind::ops_manager)
                fail(where + ": global roles exist on Ops Manager only (--service ops-manager)");
            p.roles.emplace_back(name);
        }
        if (auto* r = o.if_contains("revoked")) p.revoked = r->is_bool() && r->get_bool();
        out.push_back(std::move(p));
    }
    return out;
}

json::array write_principals(const std::vector<principal>& ps, std::string_view id_name,
                             std::string_view secret_name) {
    json::array out;
    for (auto& p : ps) {
        json::array orgs, rs;
        for (auto& o : p.org_ids) orgs.emplace_back(o);
        for (auto& r : p.roles) rs.emplace_back(r);
        json::object o{{id_name, p.id}, {secret_name, p.secret}, {"orgIds", orgs}, {"roles", rs}};
        if (p.revoked) o["revoked"] = true;
        out.emplace_back(std::move(o));
    }
    return out;
}

/// cmbulkLimits.sets, when the seed has them: each a --limit spec.
std::optional<std::vector<limit_set>> read_limits(const json::object& root) {
    auto* lim = root.if_contains("cmbulkLimits");
    if (!lim) return std::nullopt;
    if (!lim->is_object()) fail("\"cmbulkLimits\" must be an object");
    if (!lim->get_object().contains("sets")) return std::nullopt;
    std::vector<limit_set> sets;
    std::size_t i = 0;
    for (auto& v : need_array(lim->get_object(), "sets", "cmbulkLimits", false)) {
        std::string where = "cmbulkLimits.sets[" + std::to_string(i++) + "]";
        if (!v.is_string()) fail(where + " must be a string (NAME=SCOPE:CAPACITY:REFILL/PERIOD)");
        std::string error;
        auto s = limit_set::parse(v.get_string(), error);
        if (!s) fail(where + " \"" + std::string(v.get_string()) + "\": " + error);
        sets.push_back(std::move(*s));
    }
    return sets;
}

}  // namespace

std::string_view to_string(service_kind s) {
    return s == service_kind::ops_manager ? "ops-manager" : "cloud";
}

std::optional<service_kind> parse_service_kind(std::string_view s) {
    if (s == "cloud") return service_kind::cloud;
    if (s == "ops-manager") return service_kind::ops_manager;
    return std::nullopt;
}

std::span<const std::string_view> known_roles() { return roles; }

bool principal::in_org(std::string_view org_id) const {
    return std::find(org_ids.begin(), org_ids.end(), org_id) != org_ids.end();
}

bool principal::may_write() const {
    return std::any_of(roles.begin(), roles.end(),
                       [](const std::string& r) { return r.ends_with("_OWNER"); });
}

alert_context seed_alert_context(const project_state& p, std::string now) {
    alert_context ctx;
    ctx.group_id = p.id;
    ctx.atlas_v2 = p.kind == flavor::atlas;
    ctx.now = std::move(now);
    ctx.integrations = &p.integrations;
    // One counter for every copy of the context (the store copies it while seeding).
    ctx.new_id = [id = p.id, n = std::make_shared<std::uint64_t>(0)] {
        return integration_id(id, "alertConfigs/seed", ++*n);
    };
    return ctx;
}

std::string integration_id(std::string_view project_id, std::string_view type,
                           std::uint64_t serial) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a of "project/type", then the serial
    for (char c : project_id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ '/') * 1099511628211ULL;
    for (char c : type) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    std::uint64_t a = splitmix64(h ^ serial), b = splitmix64(a);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx%08x", static_cast<unsigned long long>(a),
                  static_cast<unsigned>(b & 0xffffffffu));
    return buf;
}

world world::from_json(const json::value& seed, service_kind service) {
    if (!seed.is_object()) fail("the top level must be an object");
    auto& root = seed.get_object();
    world w;
    w.service = service;
    // An audit's copy (--emit-sim-seed): its alert secrets are masked as the service answered.
    auto* as_answered = root.if_contains("secretsAsAnswered");
    if (as_answered && !as_answered->is_bool()) fail("\"secretsAsAnswered\" must be true or false");
    bool masked_as_answered = as_answered && as_answered->get_bool();
    std::size_t oi = 0;
    for (auto& ov : need_array(root, "orgs", "top level", false)) {
        std::string where = "orgs[" + std::to_string(oi++) + "]";
        if (!ov.is_object()) fail(where + " must be an object");
        auto& o = ov.get_object();
        org_state org;
        org.id = need_string(o, "id", where);
        if (!is_object_id(org.id)) fail(where + ": id must be 24 lowercase hex characters");
        org.name = need_string(o, "name", where);
        org.kind = read_kind(o, service, where);
        if (w.org_index.count(org.id)) fail(where + ": duplicate org id " + org.id);
        std::size_t pi = 0;
        for (auto& pv : need_array(o, "projects", where, true)) {
            std::string pwhere = where + ".projects[" + std::to_string(pi++) + "]";
            if (!pv.is_object()) fail(pwhere + " must be an object");
            auto& po = pv.get_object();
            project_state p;
            p.id = need_string(po, "id", pwhere);
            if (!is_object_id(p.id)) fail(pwhere + ": id must be 24 lowercase hex characters");
            p.name = need_string(po, "name", pwhere);
            p.org_id = org.id;
            p.kind = org.kind;
            if (w.projects.count(p.id)) fail(pwhere + ": duplicate project id " + p.id);
            read_integrations(po, p, pwhere);
            read_alert_configs(po, p, pwhere, masked_as_answered);
            org.project_ids.push_back(p.id);
            w.projects.emplace(p.id, std::move(p));
        }
        w.org_index.emplace(org.id, w.orgs.size());
        w.orgs.push_back(std::move(org));
    }
    w.api_keys = read_principals(root, "apiKeys", "publicKey", "privateKey", service);
    w.service_accounts =
        read_principals(root, "serviceAccounts", "clientId", "clientSecret", service);
    if (service == service_kind::ops_manager && !w.service_accounts.empty())
        fail("serviceAccounts: Ops Manager has no service accounts (--service cloud)");
    w.limits = read_limits(root);
    return w;
}

json::value world::to_json(bool with_counters) const {
    json::array orgs_out;
    for (auto& org : orgs) {
        json::array projects_out;
        for (auto& pid : org.project_ids) {
            auto& p = projects.at(pid);
            json::array integ;
            for (auto& [type, obj] : p.integrations) integ.emplace_back(obj);
            json::object po{{"id", p.id},
                            {"name", p.name},
                            {"integrations", std::move(integ)},
                            {"alertConfigs", p.alerts.to_json(with_counters)}};
            if (with_counters) {
                po["creates"] = p.creates;
                po["updates"] = p.updates;
                po["deletes"] = p.deletes;
            }
            projects_out.emplace_back(std::move(po));
        }
        orgs_out.emplace_back(json::object{{"id", org.id},
                                           {"name", org.name},
                                           {"kind", to_string(org.kind)},
                                           {"projects", std::move(projects_out)}});
    }
    return json::object{
        {"orgs", std::move(orgs_out)},
        {"apiKeys", write_principals(api_keys, "publicKey", "privateKey")},
        {"serviceAccounts", write_principals(service_accounts, "clientId", "clientSecret")}};
}

std::vector<std::string> world::spanning_principals() const {
    std::vector<std::string> out;
    for (auto* list : {&api_keys, &service_accounts})
        for (auto& p : *list)
            if (p.org_ids.size() > 1) out.push_back(p.id);
    return out;
}

}  // namespace cmbulk::sim
