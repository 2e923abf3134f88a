// The simulator's pure core: one function that turns an HTTP request into a response, as the
// live service answers (../shared/api-facts.md): Digest and OAuth authentication, the access
// list, org-bound keys and roles, rate limits, reproducible faults, and the projects and
// integrations endpoints of /api/public/v1.0, /api/atlas/v1.0 and /api/atlas/v2 (per-flavor
// types and fields, value checks, masking, defaults, pagination). No sockets and no clock of its
// own: every call takes `now`, so unit tests step it directly. Its parts live in src/sim/, a
// file per concern (core.cpp dispatches).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cmbulk/digest.hpp"
#include "cmbulk/limiter.hpp"
#include "cmbulk/sim/auth.hpp"
#include "cmbulk/sim/faults.hpp"
#include "cmbulk/sim/limit_buckets.hpp"
#include "cmbulk/sim/world.hpp"

namespace cmbulk::sim {

/// The simulator's default limits, as live as api-facts.md lets them be: the integrations set
/// (integrations, alertConfigs, GET /groups/{id}) 1200 per project refilled 1200 a minute
/// (default_limit_sets()). Project listings get a bucket only from --limit: their capacity is
/// not published.
std::vector<limit_set> live_like_limits();

/// What the core needs to know (the network options live in sim_options).
struct core_options {
    /// Digest algorithms offered in 401 challenges, one WWW-Authenticate header each, in order.
    std::vector<digest::algorithm> digest_algorithms{digest::algorithm::md5};
    /// How long a Digest nonce stays valid; an expired one is answered 401 with stale=true.
    std::chrono::seconds nonce_lifetime{300};
    /// Whether a nonce serves more than one request (--nonce-reuse).
    nonce_reuse reuse = nonce_reuse::accept;
    /// The API access list (--access-list); empty: every address.
    access_list allowed;
    /// Lifetime of OAuth bearer tokens (expires_in).
    std::chrono::seconds token_lifetime{3600};
    /// Requests per minute allowed on POST /api/oauth/token per IP and client (also the burst;
    /// /api/oauth/revoke has a bucket of its own alike); 0 = unlimited.
    double token_endpoint_per_minute = 10;
    /// The buckets per endpoint set and scope (--limit; --no-limits empties it); live-like
    /// by default (live_like_limits()).
    std::vector<limit_set> limits = live_like_limits();
    /// --rate-limit: a bucket per key (user scope) over every API request, refilled at this many
    /// requests per second; 0 = off. Its 429 names "<base>/<first path segment>".
    double rate_limit = 0;
    /// Per-key token bucket capacity; 0 = the same as rate_limit (at least 1).
    double rate_burst = 0;
    /// Send RateLimit-Limit / RateLimit-Remaining on API responses (when a rate limit is on).
    bool ratelimit_headers = true;
    /// Probability (0..1) of each fault per authenticated API request.
    std::map<fault_kind, double> faults;
    /// Seed of the fault PRNG: the same seed and request sequence inject the same faults.
    std::uint64_t fault_seed = 0;
    /// Added latency of every authenticated API request: fixed part, plus uniform 0..jitter.
    std::chrono::milliseconds latency{0};
    std::chrono::milliseconds latency_jitter{0};
    /// Largest itemsPerPage accepted (larger answers 400 VALIDATION_ERROR).
    int max_items_per_page = 500;
    /// Most request log entries kept (older entries beyond this are not recorded).
    std::size_t max_log_entries = 2'000'000;
};

/// One request as the core sees it.
struct request {
    std::string method;  ///< "GET", "POST", ...
    std::string target;  ///< path and query, as sent
    /// Header fields, names lower-cased (only the ones the core reads are needed).
    std::map<std::string, std::string> headers;
    std::string body;
    bool loopback = true;  ///< the client is on a loopback address (admin endpoints)
    std::string remote_address = "127.0.0.1";  ///< the client's address (the access list)
    std::string origin = "http://127.0.0.1";   ///< scheme://host[:port] for absolute links
};

/// One response, plus what the network shell must do with it.
struct response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  ///< besides Content-Type/Length
    std::string content_type = "application/json";
    std::string body;
    fault_kind fault = fault_kind::none;  ///< reset/stall/truncate are acted on by the shell
    std::chrono::milliseconds delay{0};   ///< wait this long before answering
    /// Set by a route that refuses the key ("no access"): the core adds a fresh Digest
    /// challenge, as for a wrong key.
    bool challenge = false;
    /// Get a header's value (first match, case-sensitive name as stored), or "".
    std::string header(std::string_view name) const;
};

/// One line of the request log (GET /__sim/requests).
struct log_entry {
    std::int64_t t_us = 0;  ///< microseconds since the core was created
    std::string method;
    std::string path;  ///< the target without its query
    std::string key;   ///< public key or client id once authenticated, else ""
    int status = 0;    ///< 0 when no answer was sent (reset-before, stall)
    fault_kind fault = fault_kind::none;
    /// A 429 of an empty bucket: its set ("integrations", "projects", "all", "rate-limit" for
    /// --rate-limit, "token" for the OAuth endpoints), scope ("project", "org", "user", "ip")
    /// and scope key (a project or org id, a key, an address); else empty.
    std::string refused_set, refused_scope, refused_key;
};

/// Page arithmetic of a list: 1-based page, items per page, total.
struct page_window {
    std::size_t begin = 0;  ///< first index (clamped to total)
    std::size_t end = 0;    ///< one past the last index
    bool has_next = false;
    bool has_previous = false;
};
/// The slice of `total` items that page `page_num` (>= 1) of `items_per_page` (>= 1) shows.
page_window paginate(std::size_t total, std::int64_t page_num, std::int64_t items_per_page);

/// The API's answer for a stored integration on flavor `fl`: its `id` and `type`, the fields
/// the flavor has, secrets masked as the live service masks them, write-only fields dropped,
/// and the defaults the server fills in for fields not sent (region "US", toggles false,
/// templates null, Datadog's customEndpoint null on v2).
boost::json::object masked_view(const boost::json::object& stored, flavor fl);

/// The simulator's state machine. Not thread-safe: the shell serializes calls.
class core {
public:
    core(core_options opts, world w, time_point now);

    /// Handles one request received at `now`.
    response handle(const request& req, time_point now);

    /// The state in the seed shape with counters (GET /__sim/state).
    boost::json::value state_json() const { return world_.to_json(true); }
    /// The request log as JSON (GET /__sim/requests).
    boost::json::value log_json() const;
    const std::vector<log_entry>& log() const { return log_; }
    /// Back to the seed: state, counters, log, nonces, tokens, buckets, fault sequence.
    void reset(time_point now);
    const world& state() const { return world_; }
    const core_options& options() const { return opts_; }
    /// Changes faults and rate limits at run time (POST /__sim/config).
    void set_options(core_options opts, time_point now);
    /// Revokes an API key or service account (and its tokens): from then on its requests are
    /// answered as an unknown key's. False when there is none of that id.
    bool revoke(std::string_view id);

private:
    struct token_record {
        std::string client_id;
        time_point expires;
    };
    struct auth_result {
        const principal* who = nullptr;
        std::optional<response> failure;
        bool bearer = false;  ///< an OAuth token, not Digest: no Digest challenge on refusals
    };

    // core.cpp: dispatch and bookkeeping
    response handle_api(const request& req, time_point now, std::string_view path,
                        std::string_view query);
    /// False when the log is full (nothing recorded).
    bool record(time_point now, const request& req, std::string_view key, int status,
                fault_kind fault);
    void index_principals();
    // admin.cpp
    response handle_admin(const request& req, time_point now, std::string_view path);
    // oauth.cpp
    response handle_token(const request& req, time_point now);
    response handle_revoke(const request& req, time_point now);
    const principal* basic_client(const request& req, std::string& claimed) const;
    /// The checks both OAuth endpoints make (service, method, rate limit, client, access list):
    /// the refusal, or nullopt with `sa` the authenticated service account.
    std::optional<response> oauth_gate(const request& req, std::string_view endpoint,
                                       time_point now, const principal*& sa);
    // auth.cpp
    auth_result authenticate(const request& req, time_point now);
    auth_result authenticate_bearer(std::string_view token, time_point now);
    response challenge(bool stale, time_point now);
    void add_challenge(response& r, bool stale, time_point now);
    void prune(time_point now);
    std::uint64_t next_random();
    // rate_limits.cpp
    std::optional<response> take_rate_token(const principal& who, std::string_view base,
                                            std::string_view rest, time_point now,
                                            std::optional<std::pair<double, double>>& headers);
    /// The buckets per endpoint set and scope: the 429 of an empty one, else nullopt with the
    /// tightest bucket's limit and remaining merged into `headers`.
    std::optional<response> take_scope_token(const principal& who, const request& req,
                                             std::string_view base, std::string_view rest,
                                             time_point now,
                                             std::optional<std::pair<double, double>>& headers);
    /// GET /api/atlas/v2/rateLimits (media type 2025-03-12).
    response rate_limits_answer(const request& req, std::string_view query, time_point now);
    /// Marks the entry just recorded as refused by a bucket.
    void record_limit(std::string_view set, std::string_view scope, std::string_view key);

    core_options opts_;
    world seed_;
    world world_;
    time_point started_;
    std::vector<log_entry> log_;
    nonce_store nonces_;
    std::unordered_map<std::string, token_record> tokens_;
    std::unordered_map<std::string, token_bucket> buckets_;  ///< per key / client id
    /// The OAuth endpoints' buckets, per "endpoint|IP|client id" (10 a minute by default).
    std::unordered_map<std::string, token_bucket> token_buckets_;
    limit_buckets limits_;
    std::uint64_t fault_seq_ = 0;
    std::uint64_t serial_ = 0;        ///< integrations created since the start (their ids)
    std::uint64_t alert_serial_ = 0;  ///< alert configs and notifiers made (their ids)
    /// The wall clock when the core was made: `now` - started_ after it dates alert configs.
    std::chrono::system_clock::time_point wall_started_ = std::chrono::system_clock::now();
    std::uint64_t random_state_;
    time_point last_prune_;
    std::unordered_map<std::string, std::size_t> key_by_id_;  ///< public key -> api_keys index
    std::unordered_map<std::string, std::size_t> sa_by_id_;   ///< client id -> index
};

/// An error response in the API's body format
/// ({"error","errorCode","reason","detail","parameters"}).
response error_response(int status, std::string_view code, std::string detail);

/// Serializes a body, pretty or compact.
std::string to_body(const boost::json::value& v, bool pretty);

}  // namespace cmbulk::sim
