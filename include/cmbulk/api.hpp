// Typed calls of the integrations and projects endpoints for one API flavor (Cloud Manager /
// Ops Manager `/api/public/v1.0`, Atlas `/api/atlas/v2` with its versioned media type, the
// deprecated Atlas `/api/atlas/v1.0`), on top of one keep-alive connection with its Digest or
// bearer authentication. Single attempts only: retries, pacing and concurrency are the runner's
// (it sees every request through request_gate).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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

struct api_call_result {
    attempt_failure failure = attempt_failure::none;  ///< none = an HTTP response arrived
    int status = 0;                                   ///< HTTP status when a response arrived
    std::string error_code;                           ///< the API error body's errorCode, if any
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
    std::chrono::microseconds latency{};
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

/// A short, secret-free description of a non-JSON body: "HTML error page (<title>)", "empty
/// body", "non-JSON body".
std::string describe_non_json(std::string_view body);

namespace detail {
struct client_shared;
}

/// One keep-alive connection with its digest state. One coroutine at a time uses it. Any error
/// or timeout closes the connection; the next call opens a fresh one. The Digest challenge is
/// kept across reconnects (see digest_session), so a session normally pays one challenge.
class api_session {
public:
    explicit api_session(std::shared_ptr<detail::client_shared> shared);
    ~api_session();

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
    void close();

    /// TCP connections this session opened so far (tests, statistics).
    std::uint64_t connections_opened() const;

private:
    /// One API call: `payload` is the JSON body (none for GET/DELETE).
    boost::asio::awaitable<api_call_result> perform_(boost::beast::http::verb method,
                                                     std::string target,
                                                     std::optional<std::string> payload);

    std::shared_ptr<detail::client_shared> shared_;
    http_connection conn_;
    std::optional<digest_session> digest_;
};

class api_client {
public:
    /// Throws std::invalid_argument (with a secret-free message) when check() fails.
    api_client(boost::asio::any_io_executor ex, api_config cfg, request_gate& gate);
    ~api_client();
    /// Checks the config (base URL: a bare scheme://host[:port] or a documented base whose API
    /// the flavor speaks and path_prefix agrees with; credentials present; CA file readable...).
    /// The message never contains a secret.
    static boost::system::result<void> check(const api_config& cfg, std::string& message);
    std::unique_ptr<api_session> make_session();
    /// Token requests made so far (0 with API keys).
    std::uint64_t token_requests() const;

private:
    std::shared_ptr<detail::client_shared> shared_;
};

}  // namespace cmbulk
