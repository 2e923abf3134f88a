// Pacing by the scope a limit really has (api-facts.md, "Rate limits"): the service keeps token
// buckets per endpoint set and per scope, and a project's integrations are counted per project.
// So a 429 or a low RateLimit-Remaining that concerns one project defers that project's next
// request only; feedback that concerns the credential (user, org or IP scope) paces what that
// credential sends to the same endpoint set (a 429 on project listings never slows its
// integration writes); a spurious 429 with Retry-After: 1 pauses only what it applies to.
// Where the scope is not said (no rateLimits answer), a project's resources are taken to be
// counted per project (as live answers show) and everything else per credential; the set is the
// rateLimits entry covering the path, else the one a 429 named, else a project's resources are
// one set and every other endpoint family one of its own. The user's --rate caps a credential's
// requests of every set together. Pure: every
// call takes `now`; the run engine's gate sleeps for what it answers and parks items whose
// project is not ready.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/limiter.hpp"
#include "cmbulk/pacing.hpp"

namespace cmbulk {

/// Whom a request counts against: views of the caller's strings, for the call only (no copy per
/// request).
struct pace_scope {
    std::string_view credential;  ///< the credential's id (public key or client id)
    std::string_view project;     ///< the project whose resource it is; empty for listings etc.
};

/// How far a limit reaches.
enum class limit_reach { project, credential };

/// One endpoint set as GET /api/atlas/v2/rateLimits describes it.
struct known_limit {
    std::string name;
    limit_reach reach = limit_reach::project;
    double capacity = 0;
    double refill_per_second = 0;
    /// Endpoint families it covers: "groups/{groupId}/integrations", "groups", "*" (everything).
    std::vector<std::string> endpoints;
};

/// Reads the answer of GET /api/atlas/v2/rateLimits (results[] with endpointSetName, scope,
/// capacity, refillRate, refillDurationSeconds, endpoints); entries it cannot read are skipped.
std::vector<known_limit> parse_rate_limits(const boost::json::value& body);

/// The endpoint family of an API path without its prefix: "/groups/ID/integrations/SLACK" ->
/// "groups/{groupId}/integrations"; "/groups/ID" -> "groups/{groupId}"; "/orgs/ID/groups" ->
/// "orgs/{orgId}/groups"; "/groups" -> "groups".
std::string endpoint_family(std::string_view api_path);
/// The same into `out` (its capacity reused).
void endpoint_family_into(std::string_view api_path, std::string& out);

/// What one response tells the pacer.
struct scope_feedback {
    int status = 0;  ///< 0 when no response arrived
    double remaining = -1, limit = -1;
    std::optional<std::chrono::milliseconds> retry_after;
    std::string error_code;  ///< the API errorCode, if any
    /// From a RATE_LIMITED_TOKEN_BUCKET body: the set's path (parameters[0]) and its bucket.
    std::string refused_set;
    std::optional<server_rate_hint> hint;
};

/// Which reach a response's limit has: from the rateLimits table when it covers the path; else
/// a token-bucket refusal naming a project's resource ("{groupId}" or "groups/<id>/") is per
/// project and one naming anything else per credential; else (a plain 429, a 503) it concerns
/// what was asked: the project for a project's resource, the credential otherwise.
limit_reach reach_of(std::string_view api_path, const scope_feedback& fb,
                     const std::vector<known_limit>& table, bool project_request);

class scope_pacer {
public:
    scope_pacer(pacing_params params, time_point now);

    /// The limits the server described (rateLimits): used before any feedback arrives.
    void learn(std::vector<known_limit> table, time_point now);
    /// When the next request for `s`'s project may go (now when nothing defers it). Takes
    /// nothing: the engine parks an item whose project is not ready and takes another.
    time_point project_ready_at(const pace_scope& s, time_point now) const;
    /// Reserves a slot for one request of `s`: how long to wait before sending it (the
    /// credential's pace and pause, and the project's own bucket when one is known).
    duration reserve(const pace_scope& s, std::string_view api_path, time_point now);
    /// Tells the pacer how a request of `s` to `api_path` ended.
    void on_response(const pace_scope& s, std::string_view api_path, time_point now,
                     const scope_feedback& fb);

    /// The credential's pace in force (0: none) and its pause (Retry-After of a credential-wide
    /// limit), for the progress line.
    double current_rate(std::string_view credential) const;
    /// The sum of every credential's pace in force (0: none limited).
    double total_rate() const;
    /// Whether a limit table was learned (rateLimits).
    bool knows_limits() const { return !table_.empty(); }
    /// The latest pause of any of the credential's endpoint sets.
    time_point paused_until(std::string_view credential) const;
    /// The pause of the credential's set that `api_path` counts against.
    time_point paused_until(std::string_view credential, std::string_view api_path) const;
    /// The end of the latest pause of any credential (the progress line's "waiting" text).
    time_point latest_pause() const;
    /// 429 answers seen, per reach.
    std::uint64_t project_throttles() const { return project_throttles_; }
    std::uint64_t credential_throttles() const { return credential_throttles_; }

private:
    struct project_pace {
        time_point not_before{};
        /// The project's bucket, once its refill is known (mutable: reading it refills it).
        mutable std::optional<token_bucket> bucket;
    };
    /// The endpoint set `api_path` counts against, as a pace key: "limit:NAME" (rateLimits),
    /// "refused:SET" (a 429 named it), "family:..." (unsaid).
    /// `family` is the path's endpoint_family (computed once per call, into family_buf_).
    const std::string& set_of_(std::string_view family) const;
    std::string decide_set_(std::string_view family) const;
    rate_controller& credential_(std::string_view id, std::string_view family, time_point now);
    rate_controller& find_credential_(std::string_view id, std::string_view family, time_point now);
    duration reserve_cap_(std::string_view id, time_point now);
    const known_limit* table_entry_(std::string_view family) const;
    /// endpoint_family(api_path), in a buffer reused from request to request.
    const std::string& family_of_(std::string_view api_path) const;
    /// credential + "/" + project, in a buffer reused from request to request.
    const std::string& project_key_(const pace_scope& s) const;
    void defer_project_(project_pace& p, time_point now, const scope_feedback& fb,
                        const known_limit* known);

    pacing_params params_;
    std::vector<known_limit> table_;
    /// The pace of each (credential, endpoint set), by credential + "\n" + set: a 429 on one
    /// set (listings) never slows the credential's other sets (integrations).
    std::map<std::string, rate_controller> credentials_;
    /// The user's --rate, a cap on everything a credential sends (when set).
    std::map<std::string, token_bucket, std::less<>> caps_;
    /// Families whose credential-wide 429 named a set: they pace under that name.
    std::map<std::string, std::string, std::less<>> refused_sets_;
    std::map<std::string, project_pace> projects_;  ///< by credential + "/" + project
    /// Capacities of limits found to reach the whole credential: a RateLimit-Limit header with
    /// one of these values is the credential's, not a project's.
    std::vector<double> credential_capacities_;
    std::uint64_t project_throttles_ = 0, credential_throttles_ = 0;
    /// Every request asks for its family's set: decided once per family (few exist).
    mutable std::map<std::string, std::string, std::less<>> set_cache_;
    /// Buffers reused from request to request (one thread), so pacing a request allocates
    /// nothing once every family and key has been seen.
    mutable std::string family_buf_, key_buf_, project_key_buf_;
    /// credential_'s last answer and what it was asked (reset when the sets change).
    rate_controller* last_controller_ = nullptr;
    std::string last_credential_, last_family_;
};

}  // namespace cmbulk
