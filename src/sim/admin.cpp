// The simulator's admin endpoints under /__sim/ (loopback clients only, never logged): the state
// with secrets in clear, the request log, reset, run-time options, and revoking a key or
// service account mid-run.
#include <boost/json.hpp>

#include "routes.hpp"

namespace cmbulk::sim {
namespace json = boost::json;
using namespace detail;

namespace {

/// Applies the fields of a POST /__sim/config body to `next`; the error answer, if any.
std::optional<response> apply_config(const json::object& o, core_options& next) {
    try {
        if (auto* f = o.if_contains("faults")) {
            next.faults.clear();
            for (auto& kv : f->as_object()) {
                auto kind = parse_fault_kind(kv.key());
                if (!kind)
                    return api_error(400, "VALIDATION_ERROR", "Unknown fault kind.", {kv.key()});
                next.faults[*kind] = kv.value().to_number<double>();
            }
        }
        if (auto* x = o.if_contains("faultSeed")) next.fault_seed = x->to_number<std::uint64_t>();
        if (auto* x = o.if_contains("latencyMs"))
            next.latency = std::chrono::milliseconds(x->to_number<std::int64_t>());
        if (auto* x = o.if_contains("latencyJitterMs"))
            next.latency_jitter = std::chrono::milliseconds(x->to_number<std::int64_t>());
        if (auto* x = o.if_contains("rateLimit")) next.rate_limit = x->to_number<double>();
        if (auto* x = o.if_contains("rateBurst")) next.rate_burst = x->to_number<double>();
        if (auto* x = o.if_contains("limits")) {
            // The whole list of buckets, as --limit specs ([] = none).
            next.limits.clear();
            for (auto& spec : x->as_array()) {
                std::string error;
                auto s = limit_set::parse(spec.as_string(), error);
                if (!s) return api_error(400, "VALIDATION_ERROR", "limits: " + error, {spec});
                next.limits.push_back(std::move(*s));
            }
        }
        if (auto* x = o.if_contains("ratelimitHeaders")) next.ratelimit_headers = x->as_bool();
        if (auto* x = o.if_contains("nonceLifetimeSeconds"))
            next.nonce_lifetime = std::chrono::seconds(x->to_number<std::int64_t>());
        if (auto* x = o.if_contains("nonceReuse")) {
            auto mode = parse_nonce_reuse(x->as_string());
            if (!mode)
                return api_error(400, "VALIDATION_ERROR", "nonceReuse: accept or refuse.",
                                 {"nonceReuse"});
            next.reuse = *mode;
        }
        if (auto* x = o.if_contains("accessList")) {
            try {
                next.allowed = access_list::parse(x->as_string());
            } catch (const std::invalid_argument& e) {
                return api_error(400, "VALIDATION_ERROR", e.what(), {"accessList"});
            }
        }
    } catch (const std::exception&) {
        return api_error(400, "VALIDATION_ERROR", "A config value has the wrong type.");
    }
    return std::nullopt;
}

}  // namespace

response core::handle_admin(const request& req, time_point now, std::string_view path) {
    response r;
    if (!req.loopback)
        return api_error(403, "FORBIDDEN", "Admin endpoints answer loopback clients only.");
    auto segs = split_path(path);
    if (path == "/__sim/state" && req.method == "GET") {
        r.body = to_body(state_json(), true);
    } else if (path == "/__sim/requests" && req.method == "GET") {
        r.body = json::serialize(log_json());
    } else if (path == "/__sim/reset" && req.method == "POST") {
        reset(now);
        r.body = R"({"reset":true})";
    } else if (path == "/__sim/config" && req.method == "POST") {
        boost::system::error_code ec;
        auto v = json::parse(req.body, ec);
        if (ec || !v.is_object())
            return api_error(400, "INVALID_JSON", "Received JSON is malformed.");
        core_options next = opts_;
        if (auto bad = apply_config(v.get_object(), next)) return std::move(*bad);
        set_options(std::move(next), now);
        r.body = R"({"configured":true})";
    } else if (segs.size() == 4 && segs[1] == "keys" && segs[3] == "revoke" &&
               req.method == "POST") {
        // POST /__sim/keys/{publicKey or clientId}/revoke
        if (!revoke(segs[2]))
            return api_error(404, "RESOURCE_NOT_FOUND", "No key or service account of that id.",
                             {json::value(segs[2])});
        r.body = json::serialize(json::object{{"revoked", segs[2]}});
    } else {
        return api_error(404, "RESOURCE_NOT_FOUND", "Unknown admin endpoint.", {json::value(path)});
    }
    return r;
}

}  // namespace cmbulk::sim
