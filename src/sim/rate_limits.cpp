// The simulator's rate limits, consulted once the request is authenticated: the buckets per
// endpoint set and scope (limit_buckets: --limit, live-like by default), the per-key bucket of
// --rate-limit (the set "all" at user scope, kept as it was), each with the documented 429
// RATE_LIMITED_TOKEN_BUCKET body, Retry-After and RateLimit-* headers; and the answer of
// GET /api/atlas/v2/rateLimits.
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "routes.hpp"

namespace cmbulk::sim {
namespace json = boost::json;
using namespace detail;

std::optional<response> core::take_rate_token(const principal& who, std::string_view base,
                                              std::string_view rest, time_point now,
                                              std::optional<std::pair<double, double>>& headers) {
    if (opts_.rate_limit <= 0) return std::nullopt;
    double cap = opts_.rate_burst > 0 ? opts_.rate_burst : std::max(1.0, opts_.rate_limit);
    auto it = buckets_.find(who.id);
    if (it == buckets_.end())
        it = buckets_.emplace(who.id, token_bucket(opts_.rate_limit, cap, now)).first;
    auto& bucket = it->second;
    if (bucket.try_take(now)) {
        // The tightest bucket names the headers.
        double left = std::max(0.0, std::floor(bucket.available(now)));
        if (!headers || left < headers->second) headers = std::pair{cap, left};
        return std::nullopt;
    }
    // The endpoint set is named as the live answers name it: "api/atlas/v2/groups".
    auto wait = std::chrono::duration<double>(bucket.time_until(now)).count();
    auto secs = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
    auto segs = split_path(rest);
    std::string set = std::string(base.substr(1)) + "/" +
                      (segs.empty() ? std::string("groups") : std::string(segs.front()));
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "%g", opts_.rate_limit);
    auto r = api_error(
        429, "RATE_LIMITED_TOKEN_BUCKET",
        "Rate limit exceeded for " + set + ". Please retry after " + std::to_string(secs) +
            " seconds. Request capacity: " + std::to_string(static_cast<std::int64_t>(cap)) +
            ". Refill rate: " + rate_text + " per 1 seconds.",
        {json::value(set), secs, static_cast<std::int64_t>(cap), opts_.rate_limit, 1});
    r.headers.emplace_back("Retry-After", std::to_string(secs));
    if (opts_.ratelimit_headers) {
        r.headers.emplace_back("RateLimit-Limit", std::to_string(static_cast<std::int64_t>(cap)));
        r.headers.emplace_back("RateLimit-Remaining", "0");
    }
    return r;
}

std::vector<limit_set> live_like_limits() {
    // Only the published one (1200 per project for the integrations set): the listings' capacity
    // is not published, so it is modelled only when asked (--limit projects=user:...). Issue 16.
    return default_limit_sets();
}

std::optional<response> core::take_scope_token(const principal& who, const request& req,
                                               std::string_view base, std::string_view rest,
                                               time_point now,
                                               std::optional<std::pair<double, double>>& headers) {
    if (limits_.sets().empty()) return std::nullopt;
    limit_subject subject;
    auto segs = split_path(rest);
    if (segs.size() >= 2 && segs[0] == "groups") {
        subject.project_id = std::string(segs[1]);
        if (auto it = world_.projects.find(subject.project_id); it != world_.projects.end())
            subject.org_id = it->second.org_id;
    } else if (segs.size() >= 2 && segs[0] == "orgs") {
        subject.org_id = std::string(segs[1]);
    }
    subject.user = who.id;
    subject.ip = req.remote_address;
    auto d = limits_.take(base.substr(1), rest, subject, now);
    if (d.allowed) {
        if (d.limit >= 0) headers = std::pair{d.limit, d.remaining};
        return std::nullopt;
    }
    response r;
    r.status = 429;
    r.body = rate_limited_body(d);
    r.headers.emplace_back("Retry-After", std::to_string(d.retry_after_seconds));
    if (opts_.ratelimit_headers) {
        r.headers.emplace_back("RateLimit-Limit",
                               std::to_string(static_cast<std::int64_t>(d.limit)));
        r.headers.emplace_back("RateLimit-Remaining", "0");
    }
    if (record(now, req, who.id, r.status, fault_kind::none))
        record_limit(d.refused->name, to_string(d.refused->scope), d.refused_key);
    return r;
}

response core::rate_limits_answer(const request& req, std::string_view query, time_point now) {
    if (req.method != "GET")
        return api_error(405, "METHOD_NOT_ALLOWED", "Use GET on /api/atlas/v2/rateLimits.");
    // The resource exists from the 2025-03-12 version on.
    auto accept = header_of(req, "accept");
    if (!accepts_atlas_version(accept, "2025-03-12"))
        return api_error(406, "NOT_ACCEPTABLE",
                         "Invalid accept header or version date: use Accept: "
                         "application/vnd.atlas.2025-03-12+json.",
                         {json::value(accept)});
    auto q = parse_query(query);
    if (!q) return api_error(400, "VALIDATION_ERROR", "The query string is malformed.");
    std::map<std::string, std::string> filters;
    for (auto& [k, v] : *q)
        if (k == "groupId" || k == "orgId" || k == "userId" || k == "ipAddress") filters[k] = v;
    response r;
    r.body = json::serialize(limits_.describe(filters, now));
    r.content_type = "application/vnd.atlas.2025-03-12+json;charset=utf-8";
    return r;
}

}  // namespace cmbulk::sim
