// --emit-sim-seed: what an audit read, as a cmbulk-sim seed (the shape of samples/sim-seed.json),
// so a migration can be rehearsed on a local copy of the fleet's shape: its orgs, projects,
// integrations and the third-party notifications of their alert configurations, with the secrets
// as the service answered them (masked; the simulator stores them as they are), one made-up
// rehearsal key spanning the orgs, and the limits learned (cmbulkLimits.sets, which cmbulk-sim
// reads as --limit specs). See audit.hpp.
#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "cmbulk/audit.hpp"
#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;

namespace {

/// The simulator's kind of org for the audited flavor (Atlas v1.0 is an Atlas org).
std::string_view seed_kind(flavor f) {
    if (f == flavor::atlas || f == flavor::atlas_v1) return "atlas";
    return to_string(f);
}

bool is_alert_row(const audit_row& r) { return r.type.rfind("ALERT:", 0) == 0; }

json::object seed_integration(const audit_row& r) {
    json::object o;
    o["type"] = r.type;
    for (auto& kv : r.fields) {
        // An id the simulator would refuse (not 24 hex) is left for it to assign.
        if (kv.key() == "id" && (!kv.value().is_string() || !is_object_id(kv.value().get_string())))
            continue;
        if (kv.key() == "links") continue;
        o[kv.key()] = kv.value();
    }
    return o;
}

/// An ALERT:<typeName> row's notification as the audit saw it: its type, its secret as
/// answered (masked) and its integrationId link.
json::object seed_notification(const audit_row& r) {
    json::object n{{"typeName", r.type.substr(6)}, {"delayMin", 0}};
    auto text = [&](std::string_view k) -> std::string_view {
        auto* v = r.fields.if_contains(k);
        return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
    };
    auto field = text("secretField");
    if (!field.empty() && !text(field).empty()) n[field] = text(field);
    if (!text("integrationId").empty()) n["integrationId"] = text("integrationId");
    return n;
}

/// The project's alert configurations as far as its ALERT rows tell them: one per
/// alertConfigId (in the order read) with its event and its third-party notifications.
json::array seed_alert_configs(const std::vector<audit_row>& rows) {
    json::array configs;
    std::map<std::string, std::size_t> at;
    for (auto& r : rows) {
        if (!is_alert_row(r)) continue;
        auto* id = r.fields.if_contains("alertConfigId");
        auto* event = r.fields.if_contains("eventTypeName");
        std::string key = id && id->is_string() ? std::string(id->get_string()) : std::string();
        auto [it, fresh] = at.emplace(key, configs.size());
        if (fresh) {
            json::object c{{"eventTypeName", event ? *event : json::value("HOST_DOWN")},
                           {"enabled", true},
                           {"notifications", json::array{}}};
            if (is_object_id(key)) c["id"] = key;
            configs.emplace_back(std::move(c));
        }
        configs[it->second].as_object()["notifications"].as_array().emplace_back(
            seed_notification(r));
    }
    return configs;
}

json::object seed_limits_of(const seed_limits& limits) {
    json::object lim{{"source", to_string(limits.source)},
                     {"rateLimited429s", limits.rate_limited_429s}};
    if (limits.sets.empty()) {
        lim["note"] =
            "nothing this audit read described the service's limits: cmbulk-sim applies its "
            "live-like defaults";
    } else {
        // Sorted: the seed reads the same whatever order the service listed its sets in.
        std::vector<std::string> specs;
        for (auto& s : limits.sets) specs.push_back(s.spec());
        std::sort(specs.begin(), specs.end());
        lim["sets"] = json::array(specs.begin(), specs.end());
    }
    if (limits.observed_requests_per_s > 0)
        lim["observedRequestsPerSecond"] = limits.observed_requests_per_s;
    return lim;
}

}  // namespace

json::object sim_seed_of(const std::vector<audit_project>& projects,
                         const std::vector<std::vector<audit_row>>& results, flavor f,
                         const seed_limits& limits) {
    // Orgs in the order their first project was discovered.
    std::vector<std::string> org_order;
    std::map<std::string, json::array> org_projects;
    for (std::size_t i = 0; i < projects.size() && i < results.size(); ++i) {
        auto& p = projects[i];
        const auto& rows = results[i];
        if (rows.empty() || !rows.front().error.empty()) continue;  // not read: not copied
        std::string org = p.org_id.empty() ? std::string(seed_unknown_org) : p.org_id;
        if (!org_projects.count(org)) org_order.push_back(org);
        json::array integ;
        for (auto& r : rows)
            if (!r.type.empty() && !is_alert_row(r)) integ.emplace_back(seed_integration(r));
        json::object po{
            {"id", p.id}, {"name", p.name.empty() ? p.id : p.name}, {"integrations", integ}};
        if (auto alerts = seed_alert_configs(rows); !alerts.empty())
            po["alertConfigs"] = std::move(alerts);
        org_projects[org].emplace_back(std::move(po));
    }
    json::array orgs, org_ids;
    for (auto& id : org_order) {
        orgs.emplace_back(json::object{{"id", id},
                                       {"name", "org " + id},
                                       {"kind", seed_kind(f)},
                                       {"projects", std::move(org_projects[id])}});
        org_ids.emplace_back(id);
    }
    json::array keys;
    keys.emplace_back(json::object{{"publicKey", std::string(seed_public_key)},
                                   {"privateKey", std::string(seed_private_key)},
                                   {"orgIds", std::move(org_ids)}});
    return json::object{
        {"comment",
         "Written by cmbulk audit --emit-sim-seed: a rehearsal copy of an audited fleet. Secrets "
         "are as the service answered them (masked). The apiKeys entry is a made-up rehearsal "
         "key for cmbulk-sim only."},
        {"secretsAsAnswered", true},
        {"orgs", std::move(orgs)},
        {"apiKeys", std::move(keys)},
        {"cmbulkLimits", seed_limits_of(limits)}};
}

}  // namespace cmbulk
