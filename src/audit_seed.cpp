// --emit-sim-seed: what an audit read, as a cmbulk-sim seed (the shape of samples/sim-seed.json),
// so a migration can be rehearsed on a local copy of the fleet's shape: its orgs, projects and
// integrations with the secrets as the service answered them (masked; the simulator stores them
// as they are), one made-up rehearsal key spanning the orgs, and the limits learned. See audit.hpp.
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
            if (!r.type.empty()) integ.emplace_back(seed_integration(r));
        org_projects[org].emplace_back(json::object{
            {"id", p.id}, {"name", p.name.empty() ? p.id : p.name}, {"integrations", integ}});
    }
    json::array orgs, org_ids;
    for (auto& id : org_order) {
        orgs.emplace_back(json::object{{"id", id},
                                       {"name", "org " + id},
                                       {"kind", seed_kind(f)},
                                       {"projects", std::move(org_projects[id])}});
        org_ids.emplace_back(id);
    }
    json::object lim{{"source", limits.source},
                     {"rateLimited429s", limits.rate_limited_429s},
                     {"note",
                      "cmbulk-sim does not read this field yet: start it with "
                      "--rate-limit N to replay a limit"}};
    if (limits.observed_requests_per_s > 0)
        lim["observedRequestsPerSecond"] = limits.observed_requests_per_s;
    json::array keys;
    keys.emplace_back(json::object{{"publicKey", std::string(seed_public_key)},
                                   {"privateKey", std::string(seed_private_key)},
                                   {"orgIds", std::move(org_ids)}});
    return json::object{
        {"comment",
         "Written by cmbulk audit --emit-sim-seed: a rehearsal copy of an audited fleet. Secrets "
         "are as the service answered them (masked). The apiKeys entry is a made-up rehearsal "
         "key for cmbulk-sim only."},
        {"orgs", std::move(orgs)},
        {"apiKeys", std::move(keys)},
        {"cmbulkLimits", std::move(lim)}};
}

}  // namespace cmbulk
