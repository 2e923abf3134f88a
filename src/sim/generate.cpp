// The deterministic world behind --generate ORGS:PROJECTS [--with TYPES] [--org-kind KIND]:
// fixed org and project ids, a key and service account spanning every org (documented as an
// Ops-Manager-style global key) plus one of each bound to each org, and integrations whose
// values pass the server's checks (docs/simulator.md, "Generated world").
#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

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
