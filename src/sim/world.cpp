// The simulator's world: reading the seed file's shape, writing it back (GET /__sim/state and
// --state-out), and the deterministic generator behind --generate ORGS:PROJECTS [--with TYPES].
#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/sim/core.hpp"

namespace cmbulk::sim {
namespace json = boost::json;

namespace {

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

std::vector<principal> read_principals(const json::object& root, std::string_view key,
                                       std::string_view id_name, std::string_view secret_name) {
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
        out.push_back(std::move(p));
    }
    return out;
}

json::array write_principals(const std::vector<principal>& ps, std::string_view id_name,
                             std::string_view secret_name) {
    json::array out;
    for (auto& p : ps) {
        json::array orgs;
        for (auto& o : p.org_ids) orgs.emplace_back(o);
        out.emplace_back(json::object{{id_name, p.id}, {secret_name, p.secret}, {"orgIds", orgs}});
    }
    return out;
}

}  // namespace

world world::from_json(const json::value& seed) {
    if (!seed.is_object()) fail("the top level must be an object");
    auto& root = seed.get_object();
    world w;
    std::size_t oi = 0;
    for (auto& ov : need_array(root, "orgs", "top level", false)) {
        std::string where = "orgs[" + std::to_string(oi++) + "]";
        if (!ov.is_object()) fail(where + " must be an object");
        auto& o = ov.get_object();
        org_state org;
        org.id = need_string(o, "id", where);
        if (!is_object_id(org.id)) fail(where + ": id must be 24 lowercase hex characters");
        org.name = need_string(o, "name", where);
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
            if (w.projects.count(p.id)) fail(pwhere + ": duplicate project id " + p.id);
            for (auto& iv : need_array(po, "integrations", pwhere, true)) {
                if (!iv.is_object()) fail(pwhere + ": integrations must be objects");
                auto type = need_string(iv.get_object(), "type", pwhere + ".integrations");
                if (!find_type(type)) fail(pwhere + ": unknown integration type " + type);
                if (p.integrations.count(type)) fail(pwhere + ": two integrations of type " + type);
                p.integrations.emplace(type, iv.get_object());
            }
            org.project_ids.push_back(p.id);
            w.projects.emplace(p.id, std::move(p));
        }
        w.org_index.emplace(org.id, w.orgs.size());
        w.orgs.push_back(std::move(org));
    }
    w.api_keys = read_principals(root, "apiKeys", "publicKey", "privateKey");
    w.service_accounts = read_principals(root, "serviceAccounts", "clientId", "clientSecret");
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
            json::object po{{"id", p.id}, {"name", p.name}, {"integrations", std::move(integ)}};
            if (with_counters) {
                po["creates"] = p.creates;
                po["updates"] = p.updates;
                po["deletes"] = p.deletes;
            }
            projects_out.emplace_back(std::move(po));
        }
        orgs_out.emplace_back(json::object{
            {"id", org.id}, {"name", org.name}, {"projects", std::move(projects_out)}});
    }
    return json::object{
        {"orgs", std::move(orgs_out)},
        {"apiKeys", write_principals(api_keys, "publicKey", "privateKey")},
        {"serviceAccounts", write_principals(service_accounts, "clientId", "clientSecret")}};
}

namespace {

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

/// An integration of `type` with every field any flavor requires.
json::object generated_integration(const type_spec& t, int o, int p) {
    json::object obj{{"type", t.name}};
    for (auto& f : t.fields)
        if (f.required || f.required_atlas) obj[f.name] = generated_value(f, t.name, o, p);
    return obj;
}

}  // namespace

world world::generate(int n_orgs, int n_projects, const std::vector<std::string>& with_types) {
    std::vector<const type_spec*> types;
    for (auto& name : with_types) {
        const type_spec* t = find_type(name);
        if (!t) fail("--with: unknown integration type " + name);
        types.push_back(t);
    }
    world w;
    principal key{std::string(generated_public_key), std::string(generated_private_key), {}};
    principal sa{std::string(generated_client_id), std::string(generated_client_secret), {}};
    for (int o = 1; o <= n_orgs; ++o) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "5f%022x", static_cast<unsigned>(o));
        org_state org;
        org.id = buf;
        std::snprintf(buf, sizeof buf, "org-%04d", o);
        org.name = buf;
        for (int p = 1; p <= n_projects; ++p) {
            project_state ps;
            std::snprintf(buf, sizeof buf, "6f%06x%016x", static_cast<unsigned>(o),
                          static_cast<unsigned>(p));
            ps.id = buf;
            std::snprintf(buf, sizeof buf, "project-%04d-%05d", o, p);
            ps.name = buf;
            ps.org_id = org.id;
            for (auto* t : types)
                ps.integrations.emplace(std::string(t->name), generated_integration(*t, o, p));
            org.project_ids.push_back(ps.id);
            w.projects.emplace(ps.id, std::move(ps));
        }
        key.org_ids.push_back(org.id);
        sa.org_ids.push_back(org.id);
        w.org_index.emplace(org.id, w.orgs.size());
        w.orgs.push_back(std::move(org));
    }
    w.api_keys.push_back(std::move(key));
    w.service_accounts.push_back(std::move(sa));
    return w;
}

}  // namespace cmbulk::sim
