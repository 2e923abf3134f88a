// What a run learned of the service's rate limits, for the seed `audit --emit-sim-seed` writes
// (`cmbulkLimits.sets`): the limits GET /api/atlas/v2/rateLimits described when it was served,
// else those the bodies of token-bucket 429s named, as cmbulk-sim --limit specs
// (NAME=SCOPE:CAPACITY:REFILL/PERIOD over the simulator's endpoint sets integrations, projects
// and all). Pure.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/request_gate.hpp"

namespace cmbulk {

/// One limit as cmbulk-sim's --limit takes it.
struct learned_limit {
    std::string set;    ///< the simulator's endpoint set: "integrations", "projects" or "all"
    std::string scope;  ///< "project", "org", "user" or "ip"
    double capacity = 0, refill = 0;
    std::int64_t period_seconds = 0;
    /// "integrations=project:1200:1200/60".
    std::string spec() const;
};

/// Where the limits came from.
enum class limits_source { none, rate_limits, refusals };
/// "none", "rateLimits", "429s": the seed's `cmbulkLimits.source`.
std::string_view to_string(limits_source s);

/// The simulator's endpoint set of an endpoint family or of a 429's set path (with or without
/// the "api/atlas/v2/" prefix): a project's resources ("groups/{groupId}/integrations",
/// ".../alertConfigs", "groups/{groupId}") -> "integrations"; listings ("groups", "orgs",
/// "orgs/{orgId}/groups") -> "projects"; "*" or the bare API -> "all"; anything else -> "".
std::string_view simulator_set_of(std::string_view family_or_path);

class limit_learning {
public:
    /// The answer of GET /api/atlas/v2/rateLimits. Its sets win over what 429s taught; of two
    /// that map to one simulator set and scope the tighter (lower refill per second) is kept.
    /// False when none of its entries maps to a simulator set.
    bool learn_table(const boost::json::value& body);
    /// A RATE_LIMITED_TOKEN_BUCKET 429: the set its parameters[0] names (`refused_set`) and the
    /// bucket its body described. A project's resource is taken per project, anything else per
    /// credential ("user": the body does not say). Ignored once a table was learned.
    void learn_refusal(std::string_view refused_set, const server_rate_hint& hint);

    limits_source source() const { return source_; }
    /// In the order first learned.
    const std::vector<learned_limit>& limits() const { return limits_; }

private:
    void keep_(learned_limit l, bool tighter_only);
    limits_source source_ = limits_source::none;
    std::vector<learned_limit> limits_;
};

}  // namespace cmbulk
