// Injected faults: their names, the reproducible draw per request number, and the answers of
// the faults that have one (500, an HTML 503, a spurious 429). Resets, stalls and truncated
// bodies are carried out by the network shell (simulator.cpp).
#include "cmbulk/sim/faults.hpp"

#include "routes.hpp"

namespace cmbulk::sim {

std::string_view to_string(fault_kind k) {
    switch (k) {
        case fault_kind::none:
            return "";
        case fault_kind::http_500:
            return "500";
        case fault_kind::http_503_html:
            return "503-html";
        case fault_kind::http_429:
            return "429";
        case fault_kind::reset_before:
            return "reset-before";
        case fault_kind::reset_after:
            return "reset-after";
        case fault_kind::stall:
            return "stall";
        case fault_kind::truncate:
            return "truncate";
    }
    return "";
}

std::optional<fault_kind> parse_fault_kind(std::string_view s) {
    for (auto k : {fault_kind::http_500, fault_kind::http_503_html, fault_kind::http_429,
                   fault_kind::reset_before, fault_kind::reset_after, fault_kind::stall,
                   fault_kind::truncate})
        if (to_string(k) == s) return k;
    return std::nullopt;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

fault_draw draw_fault(const std::map<fault_kind, double>& faults, std::uint64_t seed,
                      std::chrono::milliseconds latency, std::chrono::milliseconds jitter,
                      std::uint64_t seq) {
    std::uint64_t a = splitmix64(seed ^ splitmix64(seq + 0x5eed));
    std::uint64_t b = splitmix64(a);
    double u = static_cast<double>(a >> 11) * (1.0 / 9007199254740992.0);
    fault_draw d;
    d.delay = latency;
    if (jitter.count() > 0)
        d.delay += std::chrono::milliseconds(
            static_cast<std::int64_t>(b % static_cast<std::uint64_t>(jitter.count() + 1)));
    double cum = 0;
    for (auto& [kind, p] : faults) {
        cum += p;
        if (u < cum) {
            d.kind = kind;
            break;
        }
    }
    return d;
}

namespace detail {

response fault_response(fault_kind k) {
    response r;
    switch (k) {
        case fault_kind::http_500:
            return api_error(500, "UNEXPECTED_ERROR", "Unexpected error.");
        case fault_kind::http_503_html:
            r.status = 503;
            r.content_type = "text/html";
            r.body =
                "<html><head><title>503 Service Unavailable</title></head><body><h1>503 "
                "Service Unavailable</h1><p>The server is temporarily unable to service your "
                "request.</p></body></html>\n";
            return r;
        case fault_kind::http_429:
            r = api_error(429, "RATE_LIMITED", "Too many requests. Please retry after 1 seconds.",
                          {1});
            r.headers.emplace_back("Retry-After", "1");
            return r;
        default:
            r.status = 0;  // reset-before and stall: no answer at all
            return r;
    }
}

}  // namespace detail
}  // namespace cmbulk::sim
