// Which credential serves which row of a fleet run (`--credentials FILE`, `--profile` repeated):
// on Atlas and Cloud Manager a key or service account belongs to one organization, so each row
// goes out with its project's organization's credential. The organization comes from the row's
// orgId column, else from what a lookup learned (each credential's project list, read once).
// Pure: no I/O; the run feeds it what the lookups answered.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cmbulk {

/// Where a row goes.
struct org_route {
    enum kind_t {
        credential,    ///< `key` names the credential (its organization id)
        unknown_org,   ///< the row's orgId (in `key`) has no credential configured
        not_found,     ///< no lookup found the project: no configured credential reaches it
        needs_lookup,  ///< no orgId and nothing learned yet (the lookups have not run)
    } kind = needs_lookup;
    std::string key;
};

/// The credentials of a fleet by organization, and the project -> organization cache.
class org_router {
public:
    /// `org_ids`: the organizations that have a credential (each once).
    explicit org_router(std::vector<std::string> org_ids);
    /// The route of a row of project `project_id` whose orgId column says `org_id` ("": none).
    org_route route(std::string_view project_id, std::string_view org_id) const;
    /// A lookup with the credential of `credential_org` saw `project_id` in organization `org_id`
    /// (the project's orgId as answered; "" when the answer had none: the credential's org).
    void learn(std::string_view credential_org, std::string project_id, std::string org_id);
    /// After the lookups: a project that none of them saw routes `not_found`.
    void lookups_done() { looked_up_ = true; }
    /// The lookups' requests (pages read), for the summary.
    void count_lookup_request() { ++lookup_requests_; }
    std::uint64_t lookup_requests() const { return lookup_requests_; }
    /// Projects learned by the lookups.
    std::size_t projects_learned() const { return project_org_.size(); }
    const std::vector<std::string>& orgs() const { return orgs_; }
    bool has_org(std::string_view org) const;

private:
    std::vector<std::string> orgs_;
    std::unordered_map<std::string, std::string> project_org_;
    std::uint64_t lookup_requests_ = 0;
    bool looked_up_ = false;
};

/// Whether an item's fatal answer (its credential refused, or the API access list refusing this
/// address for it) stops the whole run: with one credential, yes (every other request would be
/// refused alike); in a fleet, only that credential's items stop.
bool credential_failure_stops_run(std::size_t credentials);

/// The error code and detail of a row not sent because its credential was refused earlier in the
/// run: names the organization (and its label), never a secret.
inline constexpr std::string_view credential_refused_code = "CREDENTIAL_REFUSED";
std::string credential_refused_detail(std::string_view org_id, std::string_view name);

/// The summary line of a refused credential (apply, plan, audit): its organization and label,
/// why, and how many of its rows (`unit`: "rows", "projects") were not done, e.g.
/// "cmbulk: fleet: the credential of organization 5f..07 (org-7) was refused: ...; 10 rows not
/// done, only its rows stopped". Never a secret.
std::string credential_refused_summary(std::string_view org_id, std::string_view name,
                                       std::string_view why, std::uint64_t not_done,
                                       std::string_view unit);
/// audit: the same for a credential refused while listing its organization's projects, whose
/// projects are therefore unknown (not "0 projects not done"). Never a secret.
std::string credential_refused_unlisted(std::string_view org_id, std::string_view name,
                                        std::string_view why);

}  // namespace cmbulk
