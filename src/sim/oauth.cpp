// The simulator's OAuth 2.0 endpoints for service accounts (Cloud Manager and Atlas; not on Ops
// Manager): POST /api/oauth/token (client credentials, Basic auth; 10 requests a minute per IP
// and client, then the documented 429) and POST /api/oauth/revoke (RFC 7009).
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "routes.hpp"

namespace cmbulk::sim {
namespace json = boost::json;
using namespace detail;

namespace {

response oauth_error(int status, std::string_view code, std::string_view description) {
    response e;
    e.status = status;
    e.body = json::serialize(json::object{{"error", code}, {"error_description", description}});
    return e;
}

}  // namespace

const principal* core::basic_client(const request& req, std::string& claimed) const {
    auto header = header_of(req, "authorization");
    std::optional<std::string> creds;
    if (starts_with_ci(header, "Basic ")) creds = base64_decode(std::string_view(header).substr(6));
    auto colon = creds ? creds->find(':') : std::string::npos;
    if (colon == std::string::npos) return nullptr;
    claimed = creds->substr(0, colon);
    auto it = sa_by_id_.find(claimed);
    if (it == sa_by_id_.end()) return nullptr;
    auto& sa = world_.service_accounts[it->second];
    return !sa.revoked && sa.secret == creds->substr(colon + 1) ? &sa : nullptr;
}

std::optional<response> core::oauth_gate(const request& req, std::string_view endpoint,
                                         time_point now, const principal*& sa) {
    std::string claimed;
    sa = basic_client(req, claimed);
    if (world_.service == service_kind::ops_manager)
        return api_error(404, "RESOURCE_NOT_FOUND",
                         "Cannot find resource " + std::string(endpoint) + ".",
                         {json::value(endpoint)});
    if (req.method != "POST")
        return api_error(405, "METHOD_NOT_ALLOWED", "Use POST on " + std::string(endpoint) + ".");
    if (opts_.token_endpoint_per_minute > 0) {
        // One bucket per endpoint, IP and client (the documented scope), before the credentials.
        auto cap = std::max(1.0, opts_.token_endpoint_per_minute);
        auto key = std::string(endpoint) + "|" + req.remote_address + "|" + claimed;
        auto it = token_buckets_.find(key);
        if (it == token_buckets_.end())
            it = token_buckets_
                     .emplace(key, token_bucket(opts_.token_endpoint_per_minute / 60.0, cap, now))
                     .first;
        if (!it->second.try_take(now)) {
            auto wait = std::chrono::duration<double>(it->second.time_until(now)).count();
            auto secs = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
            auto n = static_cast<std::int64_t>(cap);
            auto r = api_error(429, "RATE_LIMITED",
                               "Resource " + std::string(endpoint) + " is limited to " +
                                   std::to_string(n) + " requests every 1 minutes.",
                               {json::value(endpoint), n, 1});
            r.headers.emplace_back("Retry-After", std::to_string(secs));
            sa = nullptr;  // not logged as the client's: it did not authenticate yet
            return r;
        }
    }
    if (!sa) {
        auto r = oauth_error(401, "invalid_client", "Client authentication failed.");
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"oauth\"");
        return r;
    }
    if (!opts_.allowed.allows(req.remote_address))
        return api_error(
            403, "IP_ADDRESS_NOT_ON_ACCESS_LIST",
            "IP address " + req.remote_address + " is not allowed to access this resource.",
            {json::value(req.remote_address)});
    return std::nullopt;
}

response core::handle_token(const request& req, time_point now) {
    const principal* sa = nullptr;
    response r;
    auto form = parse_query(req.body);
    auto grant = form ? query_get(*form, "grant_type") : std::nullopt;
    if (auto refused = oauth_gate(req, "/api/oauth/token", now, sa)) {
        r = std::move(*refused);
    } else if (!grant || *grant != "client_credentials") {
        r = oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials.");
    } else {
        char hex[40];
        std::snprintf(hex, sizeof hex, "%016llx%016llx",
                      static_cast<unsigned long long>(next_random()),
                      static_cast<unsigned long long>(next_random()));
        std::string token = "simtoken_" + std::string(hex);
        tokens_[token] = token_record{sa->id, now + opts_.token_lifetime};
        r.body = json::serialize(json::object{{"access_token", token},
                                              {"token_type", "Bearer"},
                                              {"expires_in", opts_.token_lifetime.count()}});
        r.headers.emplace_back("Cache-Control", "no-store");
    }
    // The endpoint's own bucket (per IP and client) refused it: say so in the log.
    if (record(now, req, sa ? sa->id : "", r.status, fault_kind::none) && r.status == 429)
        record_limit("token", "ip", req.remote_address);
    return r;
}

response core::handle_revoke(const request& req, time_point now) {
    const principal* sa = nullptr;
    response r;
    auto form = parse_query(req.body);
    auto token = form ? query_get(*form, "token") : std::nullopt;
    if (auto refused = oauth_gate(req, "/api/oauth/revoke", now, sa)) {
        r = std::move(*refused);
    } else if (!token) {
        r = oauth_error(400, "invalid_request", "token is required.");
    } else {
        // RFC 7009: 200 whether or not the token was valid; only the client's own token goes.
        auto it = tokens_.find(*token);
        if (it != tokens_.end() && it->second.client_id == sa->id) tokens_.erase(it);
        r.body = "{}";
    }
    // The endpoint's own bucket (per IP and client) refused it: say so in the log.
    if (record(now, req, sa ? sa->id : "", r.status, fault_kind::none) && r.status == 429)
        record_limit("token", "ip", req.remote_address);
    return r;
}

}  // namespace cmbulk::sim
