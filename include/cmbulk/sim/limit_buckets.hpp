// The simulator's rate limits as the service has them (api-facts.md, "Rate limits"): token
// buckets per endpoint set and per scope (project, organization, user or IP), each set with its
// own capacity, refill and period; the 429 body and headers of an empty bucket; the answer of
// GET /api/atlas/v2/rateLimits. Pure: every call takes `now`.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmbulk/limiter.hpp"

namespace cmbulk::sim {

/// Whose requests share a bucket.
enum class limit_scope { project, org, user, ip };
/// "project", "org", "user", "ip".
std::string_view to_string(limit_scope s);
std::optional<limit_scope> parse_limit_scope(std::string_view s);

/// The endpoint sets a request can belong to.
///   integrations: a project's resources (/groups/{id}/integrations...,
///   /groups/{id}/alertConfigs...,
///                 GET /groups/{id}); live answers say `Ratelimit-Limit: 1200`, counted per project
///   projects:     listings (/groups, /orgs, /orgs/{id}, /orgs/{id}/groups)
///   all:          every API request (the per-key limit of `--rate-limit`)
/// The token endpoint has its own limit (core_options::token_endpoint_per_minute).
std::string_view endpoint_set_of(std::string_view api_path);

/// One configured limit.
struct limit_set {
    std::string name;  ///< "integrations", "projects" or "all"
    limit_scope scope = limit_scope::project;
    double capacity = 0;
    double refill = 0;  ///< tokens added per period
    std::chrono::seconds period{60};
    /// "integrations=project:1200:1200/60": NAME=SCOPE:CAPACITY:REFILL/PERIOD_SECONDS.
    static std::optional<limit_set> parse(std::string_view spec, std::string& error);
    std::string spec() const;
};

/// The live-like default: 1200 per project on the integrations set, refilled 1200 per minute
/// (the refill rate is not published: an assumption, documented in docs/simulator.md).
std::vector<limit_set> default_limit_sets();

/// Who is asking, for the scope keys.
struct limit_subject {
    std::string project_id;  ///< the project of the path, if any
    std::string org_id;      ///< the org of the path or of its project, if any
    std::string user;        ///< public key or client id
    std::string ip;
};

/// What taking a token decided.
struct limit_decision {
    bool allowed = true;
    /// The tightest set this request counted against (for the RateLimit-* headers).
    std::string set;
    double limit = -1, remaining = -1;
    /// When refused: the set's path as the 429 body names it: "api/atlas/v2/groups/{groupId}/
    /// integrations" for a project's resources, "api/atlas/v2/orgs" for listings, "api/atlas/v2"
    /// for the set "all".
    std::string refused_set;
    const limit_set* refused = nullptr;
    std::string refused_key;  ///< the scope key of the refusing bucket (a project id, a key...)
    std::int64_t retry_after_seconds = 0;
};

/// The buckets of every configured set and scope key.
class limit_buckets {
public:
    explicit limit_buckets(std::vector<limit_set> sets = {});
    /// Takes one token from every bucket the request falls in; refused (and nothing taken)
    /// when one of them is empty. `base` is the API prefix without its leading slash
    /// ("api/atlas/v2"), `api_path` the path after it ("/groups/{id}/integrations/SLACK").
    limit_decision take(std::string_view base, std::string_view api_path, const limit_subject& who,
                        time_point now);
    /// GET /api/atlas/v2/rateLimits: every set with its scope, capacity, refill and the endpoint
    /// families it covers ("groups/{groupId}/integrations", ...; "*" for all); with a filter
    /// (groupId, orgId, userId, ipAddress) also the tokens that scope key has left.
    boost::json::value describe(const std::map<std::string, std::string>& filters, time_point now);
    const std::vector<limit_set>& sets() const { return sets_; }
    void reset() { buckets_.clear(); }

private:
    std::string key_of(const limit_set& s, const limit_subject& who) const;
    token_bucket& bucket_(const limit_set& s, const std::string& key, time_point now);
    std::vector<limit_set> sets_;
    std::map<std::pair<std::string, std::string>, token_bucket> buckets_;  ///< (set, key)
};

/// The body of a 429 from an empty bucket, as the service writes it:
/// {"detail":"Rate limit exceeded for <set path>. Please retry after N seconds. Request capacity:
/// C. Refill rate: R per P seconds.","error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET",
///  "parameters":[<set path>,N,C,R,P],"reason":"Too Many Requests"}.
std::string rate_limited_body(const limit_decision& d);

}  // namespace cmbulk::sim
