// The request gate: the interface the api layer calls before every HTTP request it sends and
// after every response, so that one pacer (the run engine's) sees all traffic. A leaf: it knows
// nothing of who implements it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cmbulk {

/// What a 429 body says about the server's bucket (api-facts: parameters
/// [path, retryAfterSeconds, capacity, refill, periodSeconds]); pacing.hpp parses it.
struct server_rate_hint {
    double capacity = 0;
    double refill_per_second = 0;
    /// As the body said them (refill tokens every period seconds), for an emitted seed's limits.
    double refill = 0, period_seconds = 0;
};

/// What the api layer tells the gate (and the gate its pacer) about one response, or its absence.
struct gate_feedback {
    int status = 0;         ///< 0 when no response arrived
    double remaining = -1;  ///< RateLimit-Remaining, -1 when absent
    double limit = -1;      ///< RateLimit-Limit, -1 when absent
    std::optional<std::chrono::milliseconds> retry_after;
    /// A 429's body described the server's bucket: the gate paces at its refill rate.
    std::optional<server_rate_hint> hint;
    /// The project the request was for ("" for requests of the whole run: project lists, token
    /// requests). Pacing per scope (issue 16) keys on it; the run-wide pacer ignores it.
    std::string_view scope = {};
    /// The API path after the flavor's prefix ("/groups/ID/integrations/SLACK"; "oauth/token"
    /// for token requests), the credential's id (public key or client id) and, for an error
    /// answer, its errorCode and (RATE_LIMITED_TOKEN_BUCKET) the set it names (parameters[0]):
    /// the per-scope pacer tells a project's limit from the credential's with them.
    std::string_view path = {};
    std::string_view credential = {};
    std::string error_code = {};
    std::string refused_set = {};
};

/// One request about to be sent, as the gate sees it (the fields as in gate_feedback).
struct gate_request {
    std::string_view scope;
    std::string_view path;
    std::string_view credential;
};

/// Called by the api layer before EVERY HTTP request it sends (including digest challenges, stale
/// retries and token requests) and after every response; the run engine implements it with its
/// token bucket / adaptive pacer / global 429 pause.
class request_gate {
public:
    virtual ~request_gate() = default;
    /// Waits for the request's turn. `scope` as in gate_feedback (it must stay valid until the
    /// awaitable completes). False: the run is stopping now; do not send.
    virtual boost::asio::awaitable<bool> before_request(std::string_view scope) = 0;
    /// The same with the request's path and credential (what the api layer calls); by default
    /// before_request(scope). The views must stay valid until the awaitable completes.
    virtual boost::asio::awaitable<bool> before_send(gate_request r) {
        return before_request(r.scope);
    }
    virtual void after_response(const gate_feedback& fb) = 0;
};

/// A gate that lets everything through (tests, one-off tools).
class open_gate final : public request_gate {
public:
    boost::asio::awaitable<bool> before_request(std::string_view scope) override;
    void after_response(const gate_feedback&) override {}
};

}  // namespace cmbulk
