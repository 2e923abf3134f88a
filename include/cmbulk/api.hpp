// Typed calls of the integrations and projects endpoints for one API flavor (Cloud Manager /
// Ops Manager `/api/public/v1.0`, Atlas `/api/atlas/v2` with its versioned media type, the
// deprecated Atlas `/api/atlas/v1.0`), on top of one keep-alive connection with its Digest or
// bearer authentication. Every call is an api_request (method, path, body, scope) sent by
// api_session::perform; the typed calls build one. Single attempts only: retries, pacing and
// concurrency are the run engine's (it sees every request through request_gate). Error bodies
// are read here, once: errorCode as api_errc, a 429's rate hint handed to the gate.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cmbulk/api_errc.hpp"
#include "cmbulk/auth.hpp"
#include "cmbulk/base_url.hpp"
#include "cmbulk/catalogue.hpp"
#include "cmbulk/credentials.hpp"
#include "cmbulk/http_connection.hpp"
#include "cmbulk/retry.hpp"

namespace cmbulk {

struct api_config {
    /// scheme://host[:port] ("http://127.0.0.1:8080"), or a documented base URL with its path
    /// ("https://cloud.mongodb.com/api/atlas/v2"; see base_url.hpp).
    std::string base_url;
    /// The rules (catalogue) and, for a bare base_url, the API: cloud/ops manager
    /// /api/public/v1.0; atlas /api/atlas/v2 with Accept (and body Content-Type)
    /// application/vnd.atlas.2023-01-01+json.
    flavor api_flavor = flavor::cloud_manager;
    /// Where the API's paths start, e.g. "/api/atlas/v1.0"; empty: from base_url's path, else the
    /// flavor's default. api_client fills it in; check() refuses one that base_url or the flavor
    /// contradicts.
    std::string path_prefix;
    credentials creds;
    std::string credential_source;  ///< where creds came from, for messages (never a secret)
    std::string cacert;             ///< PEM file; empty = system trust store
    bool insecure = false;          ///< skip certificate verification (caller warns)
    std::chrono::milliseconds connect_timeout{10000}, request_timeout{30000};  ///< 0 = off
    std::size_t body_limit = 16 * 1024 * 1024;
    /// Retry-After values are capped at this, so "come back in a year" cannot stall a run.
    std::chrono::milliseconds max_retry_after{60000};
    std::string token_url;  ///< OAuth token endpoint; empty = base_url + "/api/oauth/token"
};

/// The HTTP methods the API takes.
enum class api_method { get, post, put, patch, del };
/// "GET", "POST", "PUT", "PATCH", "DELETE".
std::string_view to_string(api_method m);

/// One API request, as a machine asks for it: any method, path and body, so a machine can run
/// any sequence of calls (integrations, alert configurations, ...) through the same engine.
struct api_request {
    api_method method = api_method::get;
    /// After the flavor's prefix, with the query: "/groups/{id}/integrations/SLACK".
    std::string path;
    std::optional<std::string> body;  ///< JSON; none for GET and DELETE
    /// The project the request is for ("" for run-wide requests): the gate's pacing scope.
    std::string scope;
    /// The organization a request outside any project is for (GET /orgs/{id}/groups), else "":
    /// a 401 there after the key has answered says the key cannot reach that organization.
    std::string org;
    /// How the item names itself ("m.csv:12"), for the dry run's output; empty otherwise.
    std::string label;
    /// The Accept header when not the flavor's media type (rateLimits: 2025-03-12); else "".
    std::string accept;
};

/// GET / POST / PUT / DELETE of `/groups/{group}/integrations/{type}`; the body of a POST or PUT
/// is `fields` plus "type": type.
api_request get_integration_request(std::string_view group_id, std::string_view type);
api_request create_integration_request(std::string_view group_id, std::string_view type,
                                       const boost::json::object& fields);
api_request update_integration_request(std::string_view group_id, std::string_view type,
                                       const boost::json::object& fields);
api_request delete_integration_request(std::string_view group_id, std::string_view type);
/// One page of `/groups/{group}/integrations`.
api_request integrations_page_request(std::string_view group_id, int page_num, int items_per_page);
/// One page of `/groups` (org empty) or `/orgs/{org}/groups`.
api_request projects_page_request(std::string_view org_id, int page_num, int items_per_page);
/// One page of `/groups/{group}/alertConfigs`.
api_request alert_configs_page_request(std::string_view group_id, int page_num, int items_per_page);
/// GET / PUT (the whole document, `body`) of `/groups/{group}/alertConfigs/{id}`.
api_request get_alert_config_request(std::string_view group_id, std::string_view config_id);
api_request update_alert_config_request(std::string_view group_id, std::string_view config_id,
                                        const boost::json::object& body);

struct api_call_result {
    attempt_failure failure = attempt_failure::none;  ///< none = an HTTP response arrived
    int status = 0;                                   ///< HTTP status when a response arrived
    std::string error_code;                           ///< the API error body's errorCode, if any
    api_errc api_error = api_errc::none;              ///< error_code as the enum the code acts on
    /// API detail, or a short description of a transport failure / non-JSON body ("HTML error
    /// page", "connection reset after sending"); NEVER contains a secret
    std::string detail;
    /// The parsed JSON body of a GET or of an error status (null if none or unparseable). A
    /// successful write's body is only checked to be JSON (a failure when it is not), never kept.
    boost::json::value body;
    std::optional<std::chrono::milliseconds> retry_after;
    double ratelimit_remaining = -1, ratelimit_limit = -1;
    bool auth_failed =
        false;  ///< definitive 401 (wrong key/secret, or no access), NOT a stale nonce
    int requests_sent =
        0;  ///< HTTP requests this call cost (1 normally; 2 when a challenge was needed)
    /// Server latency: from sending each HTTP request of the call to its answer (or failure),
    /// summed over the call's round trips (a Digest challenge's too). Time waiting in cmbulk's
    /// own gate is not in it: see `queued`.
    std::chrono::microseconds latency{};
    /// Time the call waited in cmbulk's request gate (the pacer's slot, a Retry-After pause)
    /// before its requests went out.
    std::chrono::microseconds queued{};
    /// Set by the run engine: a request of the same credential had been answered before this
    /// one (the classifier's context for a 401).
    bool credential_answered = false;
};

/// Parsed API error body {"error","errorCode","reason","detail","parameters"}.
struct api_error_body {
    int error = 0;
    std::string error_code, reason, detail;
};
/// Parses an API error body; nullopt for HTML, garbage, empty bodies or JSON that is not an error
/// object (no error/errorCode/detail/reason member). Pure, never throws.
std::optional<api_error_body> parse_error_body(std::string_view body);

/// The flavor's default prefix: "/api/public/v1.0" or "/api/atlas/v2".
std::string_view api_prefix(flavor f);
/// The prefix a config's requests use: path_prefix, else base_url's documented path, else the
/// flavor's default.
std::string api_prefix(const api_config& cfg);
/// The media type sent as Accept (and Content-Type of bodies) for a flavor's default API.
std::string_view media_type(flavor f);
/// The media type of the API a config talks to (Atlas v2's versioned type only on /api/atlas/v2).
std::string_view media_type(const api_config& cfg);
/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
std::string encode_segment(std::string_view s);
/// `<prefix>/groups/{group}/integrations/{type}` (the flavor's default prefix, or the config's).
std::string integration_path(flavor f, std::string_view group_id, std::string_view type);
std::string integration_path(const api_config& cfg, std::string_view group_id,
                             std::string_view type);
/// `<prefix>/groups/{group}/integrations?pageNum=..&itemsPerPage=..`.
std::string integrations_page_path(flavor f, std::string_view group_id, int page_num,
                                   int items_per_page);
std::string integrations_page_path(const api_config& cfg, std::string_view group_id, int page_num,
                                   int items_per_page);
/// `<prefix>/groups?..` (org empty) or `<prefix>/orgs/{org}/groups?..`.
std::string projects_page_path(flavor f, std::string_view org_id, int page_num, int items_per_page);
std::string projects_page_path(const api_config& cfg, std::string_view org_id, int page_num,
                               int items_per_page);

/// The facts of a result the classifier and the retry rules look at (retry.hpp).
answer_facts facts_of(const api_call_result& r);

/// A short, secret-free description of a non-JSON body: "HTML error page (<title>)", "empty
/// body", "non-JSON body".
std::string describe_non_json(std::string_view body);

namespace detail {
struct client_shared;
}

/// What the run engine's workers send their requests through: an api_session (a keep-alive
/// connection), or the dry run's printer. One coroutine at a time uses one sender.
class api_sender {
public:
    virtual ~api_sender() = default;
    /// Sends one request (one attempt; a Digest challenge round trip included) and reads its
    /// answer. The request is taken by value: the awaitable keeps no reference to the caller's.
    virtual boost::asio::awaitable<api_call_result> perform(api_request req) = 0;
    /// Ends the keep-alive connection between requests.
    virtual void close() = 0;
    /// Stops now, from another coroutine: a request in flight (resolving, connecting, writing or
    /// reading) ends at once with attempt_failure::cancelled, and nothing more is sent.
    virtual void cancel() = 0;
};

/// Makes senders: one api_client per credential, or the dry run's printer.
class api_sender_factory {
public:
    virtual ~api_sender_factory() = default;
    virtual std::unique_ptr<api_sender> make_sender() = 0;
    /// Stops every wait that belongs to the factory rather than to a sender (the OAuth token
    /// provider's): they end at once with attempt_failure::cancelled.
    virtual void cancel() {}
};

/// One keep-alive connection with its digest state. One coroutine at a time uses it. Any error
/// or timeout closes the connection; the next call opens a fresh one. The Digest challenge is
/// kept across reconnects (see digest_session), so a session normally pays one challenge.
class api_session final : public api_sender {
public:
    explicit api_session(std::shared_ptr<detail::client_shared> shared);
    ~api_session() override;

    boost::asio::awaitable<api_call_result> perform(api_request req) override;

    // The calls below build the request (path, body) before they return: the awaitable they
    // give keeps no reference to the arguments.
    boost::asio::awaitable<api_call_result> get_integration(std::string_view group_id,
                                                            std::string_view type);
    /// POST; the body is `fields` plus "type": type.
    boost::asio::awaitable<api_call_result> create_integration(std::string_view group_id,
                                                               std::string_view type,
                                                               const boost::json::object& fields);
    /// PUT; the body is `fields` plus "type": type.
    boost::asio::awaitable<api_call_result> update_integration(std::string_view group_id,
                                                               std::string_view type,
                                                               const boost::json::object& fields);
    boost::asio::awaitable<api_call_result> delete_integration(std::string_view group_id,
                                                               std::string_view type);
    boost::asio::awaitable<api_call_result> list_integrations_page(std::string group_id,
                                                                   int page_num,
                                                                   int items_per_page);
    /// GET /groups (org empty) or /orgs/{org}/groups.
    boost::asio::awaitable<api_call_result> list_projects_page(std::string org_id, int page_num,
                                                               int items_per_page);
    void close() override;
    void cancel() override;

    /// TCP connections this session opened so far (tests, statistics).
    std::uint64_t connections_opened() const;

private:
    std::shared_ptr<detail::client_shared> shared_;
    http_connection conn_;
    std::optional<digest_session> digest_;
    bool cancelled_ = false;
};

class api_client final : public api_sender_factory {
public:
    /// Throws std::invalid_argument (with a secret-free message) when check() fails.
    api_client(boost::asio::any_io_executor ex, api_config cfg, request_gate& gate);
    ~api_client() override;
    /// Checks the config (base URL: a bare scheme://host[:port] or a documented base whose API
    /// the flavor speaks and path_prefix agrees with; credentials present; CA file readable...).
    /// The message never contains a secret.
    static boost::system::result<void> check(const api_config& cfg, std::string& message);
    std::unique_ptr<api_session> make_session();
    std::unique_ptr<api_sender> make_sender() override { return make_session(); }
    /// Ends the token provider's waits (its endpoint's limit, a Retry-After, a refresh in
    /// flight) at once; its requests after this fail with attempt_failure::cancelled.
    void cancel() override;
    /// Token requests made so far (0 with API keys).
    std::uint64_t token_requests() const;
    /// Revokes every OAuth token this client got, once each (token_provider::revoke_all);
    /// answers how many were revoked (0 with API keys).
    boost::asio::awaitable<std::uint64_t> revoke_tokens();

private:
    std::shared_ptr<detail::client_shared> shared_;
};

}  // namespace cmbulk
