// The simulator's pure core: the state of orgs, projects, integrations, keys and service accounts,
// and one function that turns an HTTP request into a response (routing, Digest and OAuth
// authentication, rate limits, fault decisions, validation, masking, pagination). No sockets and
// no clock of its own: every call takes `now`, so unit tests drive it directly.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cmbulk/digest.hpp"
#include "cmbulk/limiter.hpp"

namespace cmbulk::sim {

/// The faults the simulator can inject into authenticated API requests.
enum class fault_kind {
    none,
    http_500,       ///< "500": 500 UNEXPECTED_ERROR (JSON body), change not applied
    http_503_html,  ///< "503-html": 503 with an HTML page, change not applied
    http_429,       ///< "429": a spurious 429 RATE_LIMITED with Retry-After, change not applied
    reset_before,   ///< "reset-before": connection reset, change not applied
    reset_after,    ///< "reset-after": change applied, then connection reset without an answer
    stall,          ///< "stall": never answered (change not applied); held until the client closes
    truncate,       ///< "truncate": change applied, headers and half the body sent, then closed
};

/// "500", "503-html", "429", "reset-before", "reset-after", "stall", "truncate" ("" for none).
std::string_view to_string(fault_kind k);
/// The kind of that name, or nullopt.
std::optional<fault_kind> parse_fault_kind(std::string_view s);

/// What the core needs to know (the network options live in sim_options).
struct core_options {
    /// Digest algorithms offered in 401 challenges, one WWW-Authenticate header each, in order.
    std::vector<digest::algorithm> digest_algorithms{digest::algorithm::md5};
    /// How long a Digest nonce stays valid; an expired one is answered 401 with stale=true.
    std::chrono::seconds nonce_lifetime{300};
    /// Lifetime of OAuth bearer tokens (expires_in).
    std::chrono::seconds token_lifetime{3600};
    /// Requests per minute allowed on POST /api/oauth/token (also its burst); 0 = unlimited.
    double token_endpoint_per_minute = 10;
    /// Per-key token bucket refill, requests per second; 0 = rate limiting off.
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
    std::string origin = "http://127.0.0.1";  ///< scheme://host[:port] for absolute links
};

/// One response, plus what the network shell must do with it.
struct response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  ///< besides Content-Type/Length
    std::string content_type = "application/json";
    std::string body;
    fault_kind fault = fault_kind::none;  ///< reset/stall/truncate are acted on by the shell
    std::chrono::milliseconds delay{0};   ///< wait this long before answering
    /// Get a header's value (first match, case-sensitive name as stored), or "".
    std::string header(std::string_view name) const;
};

/// One integration configuration of one project: the stored JSON (secrets in clear, with "type").
struct project_state {
    std::string id;
    std::string name;
    std::string org_id;
    std::map<std::string, boost::json::object> integrations;  ///< by type name
    std::uint64_t creates = 0, updates = 0, deletes = 0;
};

struct org_state {
    std::string id;
    std::string name;
    std::vector<std::string> project_ids;  ///< in seed order
};

/// An API key (Digest) or a service account (OAuth): an identity and the orgs it may use.
struct principal {
    std::string id;      ///< public key or client id
    std::string secret;  ///< private key or client secret
    std::vector<std::string> org_ids;
};

/// The whole simulated world.
struct world {
    std::vector<org_state> orgs;
    std::unordered_map<std::string, std::size_t> org_index;   ///< org id -> index in orgs
    std::unordered_map<std::string, project_state> projects;  ///< by project id
    std::vector<principal> api_keys;
    std::vector<principal> service_accounts;

    /// Reads the seed shape (see docs/simulator.md); throws std::runtime_error naming the problem.
    static world from_json(const boost::json::value& seed);
    /// The seed shape, secrets in clear; with counters adds creates/updates/deletes per project.
    boost::json::value to_json(bool with_counters) const;
    /// `orgs` organizations of `projects` projects each, fixed ids, one API key
    /// (generated_public_key / generated_private_key) and one service account with access to all.
    /// Every project gets an integration of each type in `with_types` (every field a flavor
    /// requires, deterministic values; docs/simulator.md); throws on an unknown type.
    static world generate(int orgs, int projects, const std::vector<std::string>& with_types = {});
};

/// The generated world's credentials (documented in docs/simulator.md; test credentials only).
inline constexpr std::string_view generated_public_key = "simpublic";
inline constexpr std::string_view generated_private_key = "simprivate-0123456789abcdef";
inline constexpr std::string_view generated_client_id = "mdb_sa_id_simulator";
inline constexpr std::string_view generated_client_secret = "mdb_sa_sk_simulator-0123456789";

/// One line of the request log (GET /__sim/requests).
struct log_entry {
    std::int64_t t_us = 0;  ///< microseconds since the core was created
    std::string method;
    std::string path;  ///< the target without its query
    std::string key;   ///< public key or client id once authenticated, else ""
    int status = 0;    ///< 0 when no answer was sent (reset-before, stall)
    fault_kind fault = fault_kind::none;
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

/// The API's view of a stored integration: secrets masked per the catalogue, never_returned
/// fields dropped.
boost::json::object masked_view(const boost::json::object& stored);

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

private:
    struct nonce_record {
        time_point issued;
        std::uint64_t highest_nc = 0;
        std::uint64_t window = 0;  ///< bit i set: nc highest_nc - i was seen
    };
    struct token_record {
        std::string client_id;
        time_point expires;
    };
    struct auth_result {
        const principal* who = nullptr;
        std::optional<response> failure;
    };

    response handle_admin(const request& req, time_point now, std::string_view path);
    response handle_token(const request& req, time_point now);
    auth_result authenticate(const request& req, time_point now, std::string_view path);
    response challenge(bool stale, time_point now);
    response route_api(const request& req, std::string_view path, std::string_view query,
                       const principal& who, bool atlas, fault_kind fault);
    std::string new_nonce(time_point now);
    void prune(time_point now);
    fault_kind draw_fault(std::uint64_t seq, std::chrono::milliseconds& delay) const;
    void record(time_point now, const request& req, std::string_view key, int status,
                fault_kind fault);

    core_options opts_;
    world seed_;
    world world_;
    time_point started_;
    std::vector<log_entry> log_;
    std::unordered_map<std::string, nonce_record> nonces_;
    std::unordered_map<std::string, token_record> tokens_;
    std::unordered_map<std::string, token_bucket> buckets_;  ///< per key / client id
    token_bucket token_endpoint_;
    std::uint64_t fault_seq_ = 0;
    std::uint64_t nonce_counter_ = 0;
    std::uint64_t random_state_;
    time_point last_prune_;
    std::unordered_map<std::string, std::size_t> key_by_id_;  ///< public key -> api_keys index
    std::unordered_map<std::string, std::size_t> sa_by_id_;   ///< client id -> index
    void index_principals();
};

/// An error response in the API's body format
/// ({"error","errorCode","reason","detail","parameters"}).
response error_response(int status, std::string_view code, std::string detail);

/// Serializes a body, pretty or compact.
std::string to_body(const boost::json::value& v, bool pretty);

}  // namespace cmbulk::sim
