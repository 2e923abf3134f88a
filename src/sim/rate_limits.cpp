// The simulator's rate limits: today one token bucket per key (public key or client id),
// consulted once the request is authenticated, with the documented 429 RATE_LIMITED_TOKEN_BUCKET
// body, Retry-After and RateLimit-* headers. Per-scope buckets (project, org, user, IP) per
// endpoint set and GET /api/atlas/v2/rateLimits (issue 16) belong here too.
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
        headers = std::pair{cap, std::max(0.0, std::floor(bucket.available(now)))};
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

}  // namespace cmbulk::sim
