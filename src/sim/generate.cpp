// The deterministic world behind --generate ORGS:PROJECTS [--with TYPES] [--org-kind KIND]
// [--with-alerts N]: fixed org and project ids, a key and service account spanning every org
// (documented as an Ops-Manager-style global key) plus one of each bound to each org,
// integrations whose values pass the server's checks, and alert configurations whose
// notifications copy those integrations' secrets (docs/simulator.md, "Generated world").
#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

#include "cmbulk/alert_catalogue.hpp"
#include "cmbulk/sim/world.hpp"

namespace cmbulk::sim {
namespace json = boost::json;

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("seed: " + what); }

std::string numbered(const char* format, int o) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, o);
    return buf;
}

/// A value for one field of a generated integration: deterministic in (org, project, type, field),
/// valid for the catalogue (enumerations take their first value, booleans true) and for the
/// server's own checks (secrets are hexadecimal: a Datadog key must be, a PagerDuty key is 32 hex
/// digits; URLs are https).
json::value generated_value(const field_spec& f, std::string_view type, int o, int p) {
    if (f.kind == field_kind::boolean) return true;
    if (f.kind == field_kind::enumeration)
        return json::string(f.enum_values.empty() ? std::string_view() : f.enum_values.front());
    // 32 hex digits: 16 from the type and field, then the org and the project (so the last four,
    // which the API's masks show, differ from project to project).
    std::uint64_t h = 1469598103934665603ULL;
    for (char c : std::string(type) + "/" + std::string(f.name))
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    char hex[40];
    std::snprintf(hex, sizeof hex, "%016llx%08x%08x", static_cast<unsigned long long>(h),
                  static_cast<unsigned>(o), static_cast<unsigned>(p));
    std::string name(f.name);
    if (name.find("url") != std::string::npos || name.find("Url") != std::string::npos)
        return json::string("https://hooks.example.com/sim/" + std::string(hex));
    if (f.secret != secrecy::none) return json::string(hex);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%04d-%05d", name.c_str(), o, p);
    return json::string(buf);
}

/// The flavors an org of `kind` is served on (Atlas: v2 and v1.0).
flavor_set served_flavors(flavor kind) {
    return kind == flavor::atlas
               ? flavor_set(flavor_bit(flavor::atlas) | flavor_bit(flavor::atlas_v1))
               : flavor_bit(kind);
}

/// An integration of `type` with every field the org kind's flavors require.
json::object generated_integration(const type_spec& t, flavor kind, const std::string& project_id,
                                   int o, int p) {
    json::object obj{{"id", integration_id(project_id, t.name, 0)}, {"type", t.name}};
    for (auto& f : t.fields)
        if (f.required_on & served_flavors(kind)) obj[f.name] = generated_value(f, t.name, o, p);
    return obj;
}

/// The event of generated alert configuration k (0-based), cycling through four, with the
/// matchers or thresholds that event takes (so rewrites must pass them through).
json::object generated_alert_head(int k) {
    switch (k % 4) {
        case 0:
            return {{"eventTypeName", "HOST_DOWN"},
                    {"matchers", json::array{json::object{{"fieldName", "TYPE_NAME"},
                                                          {"operator", "EQUALS"},
                                                          {"value", "PRIMARY"}}}}};
        case 1:
            return {{"eventTypeName", "OUTSIDE_METRIC_THRESHOLD"},
                    {"metricThreshold", json::object{{"metricName", "ASSERT_REGULAR"},
                                                     {"operator", "GREATER_THAN"},
                                                     {"threshold", 10.0},
                                                     {"units", "RAW"},
                                                     {"mode", "AVERAGE"}}}};
        case 2:
            return {{"eventTypeName", "NO_PRIMARY"}};
        default:
            return {
                {"eventTypeName", "REPLICATION_OPLOG_WINDOW_RUNNING_OUT"},
                {"threshold",
                 json::object{{"operator", "LESS_THAN"}, {"threshold", 1}, {"units", "HOURS"}}}};
    }
}

/// A notification of type `nt` whose fields are copies of the integration's (the values a
/// notification takes when it is added), with the common timing fields.
json::object copied_notification(const notification_type& nt, const json::object& integration) {
    json::object n{{"typeName", nt.type_name}};
    for (auto& f : nt.fields)
        if (auto* v = f.integration_field.empty() ? nullptr
                                                  : integration.if_contains(f.integration_field))
            n[f.name] = *v;
    n["delayMin"] = 0;
    if (nt.answers_interval) n["intervalMin"] = 60;
    return n;
}

/// --with-alerts: `count` configurations for project (o, p). Of the project's integrations with
/// a notification type (in type-name order), config 0 notifies every one and config k >= 1 the
/// one at (k-1) mod their number; EMAIL beside them when k is even, GROUP when k is odd, both on
/// config 0; every config enabled but those with k % 3 == 2.
json::array generated_alert_configs(const project_state& ps, int count, int o, int p) {
    std::vector<const notification_type*> third;
    std::vector<const json::object*> sources;
    for (auto& [type, obj] : ps.integrations)
        if (auto* nt = notification_type_for(type)) {
            third.push_back(nt);
            sources.push_back(&obj);
        }
    json::object email{
        {"typeName", "EMAIL"},
        {"emailAddress", numbered("alerts-%04d", o) + numbered("-%05d@example.com", p)},
        {"delayMin", 0},
        {"intervalMin", 60}};
    json::object group{{"typeName", "GROUP"},  {"roles", json::array{"GROUP_OWNER"}},
                       {"emailEnabled", true}, {"smsEnabled", false},
                       {"delayMin", 0},        {"intervalMin", 60}};
    json::array out;
    for (int k = 0; k < count; ++k) {
        json::object c = generated_alert_head(k);
        c["enabled"] = k % 3 != 2;
        json::array ns;
        for (std::size_t i = 0; i < third.size(); ++i)
            if (k == 0 || static_cast<std::size_t>(k - 1) % third.size() == i)
                ns.push_back(copied_notification(*third[i], *sources[i]));
        if (k % 2 == 0) ns.push_back(email);
        if (k % 2 == 1 || k == 0) ns.push_back(group);
        c["notifications"] = std::move(ns);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

std::string generated_org_public_key(int o) { return numbered("simpublic-%04d", o); }
std::string generated_org_private_key(int o) {
    return numbered("simprivate-%04d-0123456789abcdef", o);
}
std::string generated_org_client_id(int o) { return numbered("mdb_sa_id_simulator_%04d", o); }
std::string generated_org_client_secret(int o) {
    return numbered("mdb_sa_sk_simulator-%04d-0123456789", o);
}

world world::generate(int n_orgs, int n_projects, const std::vector<std::string>& with_types) {
    generate_params g;
    g.orgs = n_orgs;
    g.projects = n_projects;
    g.with_types = with_types;
    return generate(g);
}

world world::generate(const generate_params& g) {
    flavor kind = g.service == service_kind::ops_manager ? flavor::ops_manager : g.org_kind;
    if (g.service == service_kind::cloud && kind != flavor::cloud_manager && kind != flavor::atlas)
        fail("--org-kind: cloud-manager or atlas");
    std::vector<const type_spec*> types;
    for (auto& name : g.with_types) {
        const type_spec* t = find_type(name);
        if (!t) fail("--with: unknown integration type " + name);
        if (t->support(kind) != type_support::full)
            fail("--with: " + name + " is not offered on " + std::string(display_name(kind)) +
                 " (flavors that take it: " + describe(t->full_on) + ")");
        types.push_back(t);
    }
    bool with_accounts = g.service == service_kind::cloud;
    world w;
    w.service = g.service;
    principal key{std::string(generated_public_key), std::string(generated_private_key), {}};
    principal sa{std::string(generated_client_id), std::string(generated_client_secret), {}};
    for (int o = 1; o <= g.orgs; ++o) {
        org_state org;
        org.id = numbered("5f%022x", o);
        org.name = numbered("org-%04d", o);
        org.kind = kind;
        for (int p = 1; p <= g.projects; ++p) {
            project_state ps;
            char buf[32];
            std::snprintf(buf, sizeof buf, "6f%06x%016x", static_cast<unsigned>(o),
                          static_cast<unsigned>(p));
            ps.id = buf;
            std::snprintf(buf, sizeof buf, "project-%04d-%05d", o, p);
            ps.name = buf;
            ps.org_id = org.id;
            ps.kind = kind;
            for (auto* t : types)
                ps.integrations.emplace(std::string(t->name),
                                        generated_integration(*t, kind, ps.id, o, p));
            if (g.alerts_per_project > 0)
                ps.alerts.load(generated_alert_configs(ps, g.alerts_per_project, o, p),
                               seed_alert_context(ps, std::string(seed_alert_date)));
            org.project_ids.push_back(ps.id);
            w.projects.emplace(ps.id, std::move(ps));
        }
        key.org_ids.push_back(org.id);
        sa.org_ids.push_back(org.id);
        w.api_keys.push_back({generated_org_public_key(o), generated_org_private_key(o), {org.id}});
        if (with_accounts)
            w.service_accounts.push_back(
                {generated_org_client_id(o), generated_org_client_secret(o), {org.id}});
        w.org_index.emplace(org.id, w.orgs.size());
        w.orgs.push_back(std::move(org));
    }
    // The spanning key first (the one tests and benchmarks use), then one per org.
    w.api_keys.insert(w.api_keys.begin(), std::move(key));
    if (with_accounts) w.service_accounts.insert(w.service_accounts.begin(), std::move(sa));
    return w;
}

}  // namespace cmbulk::sim
