// The fleet's routing of rows to credentials by organization. See org_routing.hpp.
#include "cmbulk/org_routing.hpp"

#include <algorithm>

namespace cmbulk {

org_router::org_router(std::vector<std::string> org_ids) : orgs_(std::move(org_ids)) {}

bool org_router::has_org(std::string_view org) const {
    return std::find(orgs_.begin(), orgs_.end(), org) != orgs_.end();
}

org_route org_router::route(std::string_view project_id, std::string_view org_id) const {
    if (!org_id.empty()) {
        if (has_org(org_id)) return {org_route::credential, std::string(org_id)};
        return {org_route::unknown_org, std::string(org_id)};
    }
    if (auto it = project_org_.find(std::string(project_id)); it != project_org_.end()) {
        if (has_org(it->second)) return {org_route::credential, it->second};
        return {org_route::unknown_org, it->second};
    }
    return {looked_up_ ? org_route::not_found : org_route::needs_lookup, {}};
}

void org_router::learn(std::string_view credential_org, std::string project_id,
                       std::string org_id) {
    if (org_id.empty()) org_id = std::string(credential_org);
    // The first answer wins: an Ops Manager global key may list another org's projects, but the
    // project's own orgId is what the answer says, so both agree.
    project_org_.emplace(std::move(project_id), std::move(org_id));
}

bool credential_failure_stops_run(std::size_t credentials) { return credentials <= 1; }

std::string credential_refused_detail(std::string_view org_id, std::string_view name) {
    std::string who = "organization " + std::string(org_id);
    if (!name.empty()) who += " (" + std::string(name) + ")";
    return "not sent: the credential of " + who +
           " was refused earlier in this run (wrong, revoked, or its access list refuses this "
           "address); rows of other organizations went on";
}

std::string credential_refused_summary(std::string_view org_id, std::string_view name,
                                       std::string_view why, std::uint64_t not_done,
                                       std::string_view unit) {
    std::string who = "organization " + std::string(org_id);
    if (!name.empty()) who += " (" + std::string(name) + ")";
    return "cmbulk: fleet: the credential of " + who + " was refused: " + std::string(why) + "; " +
           std::to_string(not_done) + " " + std::string(unit) + " not done, only its " +
           std::string(unit) + " stopped\n";
}

std::string credential_refused_unlisted(std::string_view org_id, std::string_view name,
                                        std::string_view why) {
    std::string who = "organization " + std::string(org_id);
    if (!name.empty()) who += " (" + std::string(name) + ")";
    return "cmbulk: fleet: the credential of " + who + " was refused: " + std::string(why) +
           "; its projects were never listed, so none of them was read; only its projects "
           "stopped\n";
}

}  // namespace cmbulk
