// Authentication state of the client: a sans-io Digest session (one per api_session: challenge,
// nonce count, cnonce, stale handling, definitive-401 detection) and the OAuth 2.0
// client-credentials token provider shared by every session of one api_client (cached token,
// refresh before expiry, one refresh in flight, the token endpoint's 10/min limit honoured).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/base64.hpp"
#include "cmbulk/digest.hpp"
#include "cmbulk/http_connection.hpp"
#include "cmbulk/request_gate.hpp"

namespace cmbulk {

/// Digest state machine without I/O. The driver asks `authorization()` before each request and
/// reports every 401 with `on_unauthorized()`; the machine answers what to do.
///
/// Policy: the last challenge is kept for the whole session, across reconnects (a nonce belongs to
/// the server, not to the TCP connection), so a session pays one challenge round trip in total,
/// not one per connection. Because a cached nonce may have expired on a server that does not say
/// `stale=true`, a non-stale 401 is only taken as definitive ("wrong key") when the rejected
/// credentials were computed from a challenge received during the same call; otherwise the new
/// challenge is taken and the request resent once. A call therefore sends at most two requests
/// (stale answers aside) and loses nothing when a server refuses a reused nonce.
///
/// Refused reuse (issue 13): no source says the service accepts a nonce twice, and MongoDB's own
/// Go transport takes a fresh challenge for every request. When `refusals_before_no_reuse` calls
/// in a row had their reused nonce (nc > 1) refused with a fresh challenge and then succeeded
/// with the fresh nonce, the session stops reusing: each call's first request goes out without
/// credentials, draws a fresh challenge and is resent with it. Both ways cost two requests per
/// call (an unused fresh nonce only ever comes from such a 401), so the choice is the one that
/// never sends credentials the server will refuse: no failed authentication in the server's
/// logs, no digest computed for nothing, and a 401 of the credentialed request is at once
/// definitive. Every `probe_every` calls one call tries reuse again (at worst the same two
/// requests); when the server accepts it, the session reuses again.
class digest_session {
public:
    /// Calls in a row whose reused nonce was refused before the session stops reusing.
    static constexpr int refusals_before_no_reuse = 3;
    /// Calls without reuse between two tries of reuse.
    static constexpr int probe_every = 64;

    /// `seed` feeds the cnonce generator (pass std::random_device output in production).
    digest_session(std::string username, std::string password, std::uint64_t seed);
    ~digest_session();

    /// What the driver should do after a 401.
    enum class verdict {
        resend,       ///< call authorization() again and resend the same request
        auth_failed,  ///< definitive: the credentials are wrong (or the 401 is not a Digest
                      ///< challenge)
        give_up,  ///< repeated stale nonces within one call: report the 401, not an auth failure
    };

    /// Starts a new API call (resets the per-call bookkeeping).
    void begin_call();
    /// The `Authorization` header for the next request, or nullopt when no challenge is known yet
    /// (the request then goes without credentials and draws the challenge). Increments nc.
    std::optional<std::string> authorization(std::string_view method, std::string_view uri);
    /// Reports a 401 with its `WWW-Authenticate` value (empty when absent).
    verdict on_unauthorized(std::string_view www_authenticate);

    /// The nonce count used by the last authorization() (0 before any).
    std::uint32_t nc() const { return nc_; }
    /// Whether calls start with the cached nonce (false once the server was seen to refuse it).
    bool reusing_nonces() const { return reuse_; }

private:
    std::string username_, password_;
    std::mt19937_64 rng_;
    std::optional<digest::challenge> challenge_;
    std::string ha1_;  ///< H(A1) for challenge_: as secret as the password
    std::uint32_t nc_ = 0;
    bool sent_credentials_ = false;  ///< the last request of this call carried credentials
    bool challenge_from_this_call_ = false;
    int stale_in_call_ = 0;
    // Nonce reuse: what this call showed, and what the calls before it did.
    bool sent_reused_ = false;     ///< the last request carried a nonce used before (nc > 1)
    bool reused_in_call_ = false;  ///< this call sent a reused nonce
    bool reuse_refused_ = false;   ///< ... answered 401 with a fresh challenge
    bool fresh_refused_ = false;   ///< this call's fresh nonce was refused too (not reuse, then)
    bool reuse_ = true;            ///< calls start with the cached nonce
    int refusals_in_a_row_ = 0;    ///< calls in a row whose reused nonce was refused
    int calls_without_reuse_ = 0;  ///< since reuse stopped or was last tried
    void settle_call_();
    void take_challenge_(digest::challenge ch);
};

/// When a cached bearer token must be refreshed: with less than max(60 s, 10% of its life) left.
/// Pure, on an injected clock.
class token_cache {
public:
    using clock = std::chrono::steady_clock;
    void store(std::string token, std::chrono::seconds expires_in, clock::time_point now);
    /// The token if it is still fresh enough at `now`.
    std::optional<std::string> get(clock::time_point now) const;
    /// Forgets the token if it is `token` (the server rejected it).
    void invalidate(std::string_view token);

private:
    std::string token_;
    clock::time_point refresh_at_{};
};

/// The token endpoint allows `limit` requests per `window`; this sliding window says how long
/// to wait before the next one. Pure, on an injected clock.
class sliding_window_limit {
public:
    using clock = std::chrono::steady_clock;
    explicit sliding_window_limit(std::size_t limit = 10,
                                  clock::duration window = std::chrono::seconds(60))
        : limit_(limit), window_(window) {}
    /// How long to wait from `now` before a request is allowed (zero when allowed now).
    clock::duration delay(clock::time_point now) const;
    void record(clock::time_point now);

private:
    std::size_t limit_;
    clock::duration window_;
    std::deque<clock::time_point> sent_;
};

/// The outcome of asking for a token.
struct token_result {
    std::string token;  ///< empty on failure
    attempt_failure failure = attempt_failure::none;
    int status = 0;                  ///< HTTP status of the token request, when one was made
    bool auth_failed = false;        ///< the client id / secret were refused (definitive)
    std::string error_code, detail;  ///< never contains the secret or a token
    std::optional<std::chrono::milliseconds> retry_after;
    int requests_sent = 0;  ///< token requests made by this call (0 when cached)
};

/// OAuth 2.0 client credentials (RFC 6749 §4.4): POST token_url with Basic auth and
/// `grant_type=client_credentials`. One per api_client, shared by all its sessions; single
/// threaded (one io_context), so no mutex: a refresh in flight is a flag, and the others wait
/// on a timer used as an event.
class token_provider {
public:
    token_provider(boost::asio::any_io_executor ex, http_endpoint ep, std::string target,
                   std::shared_ptr<boost::asio::ssl::context> tls_ctx, http_options opts,
                   std::string client_id, std::string client_secret, request_gate& gate,
                   std::string user_agent);
    /// A valid token: the cached one, or a fresh one (waiting for the endpoint's limit and for a
    /// Retry-After it sent, and for a refresh another session already started).
    boost::asio::awaitable<token_result> get();
    /// The server refused `token`: the next get() fetches a new one.
    void invalidate(std::string_view token) { cache_.invalidate(token); }
    /// Stops now (the run engine's hard stop): every get() waiting (for the endpoint's limit, a
    /// Retry-After, or another session's refresh) and a token request in flight end at once
    /// with attempt_failure::cancelled, and later get()s fail the same way without a request.
    void cancel();
    /// Token requests made so far.
    std::uint64_t requests() const { return requests_; }
    /// Revokes every token this provider got (api-facts.md: POST /api/oauth/revoke, form
    /// token=...&token_type_hint=access_token, Basic auth), once each, at the end of a run;
    /// answers how many revocations the server accepted. Nothing after cancel() (the hard
    /// stop), nor when the token URL does not end in /token (no revoke endpoint known).
    boost::asio::awaitable<std::uint64_t> revoke_all();

private:
    boost::asio::awaitable<token_result> refresh_();
    /// A POST of `body` (a form) to the token endpoint `target`, the client credentials in a
    /// Basic header (never logged): the token request and each revocation.
    boost::beast::http::request<boost::beast::http::string_body> token_request_(
        const std::string& target, std::string body) const;
    /// What the token endpoint answered: the token cached, or the failure (a 429 sets
    /// not_before_) remembered as last_failure_.
    token_result read_token_answer_(
        const boost::beast::http::response<boost::beast::http::string_body>& res, token_result r);

    boost::asio::any_io_executor ex_;
    http_connection conn_;
    std::string target_;
    std::string client_id_, client_secret_;
    request_gate& gate_;
    std::string user_agent_;
    token_cache cache_;
    sliding_window_limit window_;
    std::chrono::steady_clock::time_point not_before_{};
    bool refreshing_ = false;
    std::uint64_t generation_ = 0;
    token_result last_failure_;
    boost::asio::steady_timer event_;
    boost::asio::steady_timer wait_;  ///< the wait before a token request (limit, Retry-After)
    std::uint64_t requests_ = 0;
    bool cancelled_ = false;
    std::vector<std::string> granted_;  ///< tokens got and not revoked yet
};

}  // namespace cmbulk
