// The simulator core's dispatcher: admin endpoints, the OAuth endpoints, then for the API bases
// authentication, the access list, the rate limit, the fault draw and the routes, in that
// order; plus the core's bookkeeping (request log, reset, options, revocation). Each step lives
// in its own file: admin.cpp, oauth.cpp, auth.cpp, rate_limits.cpp, faults.cpp, projects.cpp,
// integrations.cpp, alert_configs.cpp.
#include "cmbulk/sim/core.hpp"

#include <boost/json.hpp>
#include <ctime>
#include <random>

#include "routes.hpp"

namespace cmbulk::sim {
namespace json = boost::json;
using namespace detail;

namespace {

/// "2026-12-02T01:43:14Z".
std::string iso_time(std::chrono::system_clock::time_point t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

}  // namespace

core::core(core_options opts, world w, time_point now)
    : opts_(std::move(opts)),
      seed_(w),
      world_(std::move(w)),
      started_(now),
      limits_(opts_.limits),
      random_state_(std::random_device{}() ^
                    (static_cast<std::uint64_t>(std::random_device{}()) << 32)),
      last_prune_(now) {
    index_principals();
}

void core::index_principals() {
    key_by_id_.clear();
    sa_by_id_.clear();
    for (std::size_t i = 0; i < world_.api_keys.size(); ++i) key_by_id_[world_.api_keys[i].id] = i;
    for (std::size_t i = 0; i < world_.service_accounts.size(); ++i)
        sa_by_id_[world_.service_accounts[i].id] = i;
}

void core::reset(time_point now) {
    world_ = seed_;
    index_principals();
    log_.clear();
    nonces_.clear();
    tokens_.clear();
    buckets_.clear();
    token_buckets_.clear();
    limits_.reset();
    fault_seq_ = 0;
    serial_ = 0;
    alert_serial_ = 0;
    last_prune_ = now;
}

void core::set_options(core_options opts, time_point) {
    opts_ = std::move(opts);
    buckets_.clear();
    token_buckets_.clear();
    limits_ = limit_buckets(opts_.limits);
}

bool core::revoke(std::string_view id) {
    bool found = false;
    for (auto* list : {&world_.api_keys, &world_.service_accounts})
        for (auto& p : *list)
            if (p.id == id) p.revoked = found = true;
    if (found) std::erase_if(tokens_, [&](auto& kv) { return kv.second.client_id == id; });
    return found;
}

json::value core::log_json() const {
    json::array out;
    out.reserve(log_.size());
    for (auto& e : log_) {
        json::object o{{"tUs", e.t_us}, {"method", e.method}, {"path", e.path},
                       {"key", e.key},  {"status", e.status}, {"fault", to_string(e.fault)}};
        // Which bucket refused a 429: its set, scope and scope key.
        if (!e.refused_set.empty()) {
            o["limit"] = e.refused_set;
            o["limitScope"] = e.refused_scope;
            o["limitKey"] = e.refused_key;
        }
        out.emplace_back(std::move(o));
    }
    return out;
}

void core::record_limit(std::string_view set, std::string_view scope, std::string_view key) {
    if (log_.empty()) return;
    log_.back().refused_set = set;
    log_.back().refused_scope = scope;
    log_.back().refused_key = key;
}

bool core::record(time_point now, const request& req, std::string_view key, int status,
                  fault_kind fault) {
    if (log_.size() >= opts_.max_log_entries) return false;
    log_entry e;
    e.t_us = std::chrono::duration_cast<std::chrono::microseconds>(now - started_).count();
    e.method = req.method;
    auto q = req.target.find('?');
    e.path = req.target.substr(0, q);
    e.key = key;
    e.status = status;
    e.fault = fault;
    log_.push_back(std::move(e));
    return true;
}

response core::handle(const request& req, time_point now) {
    prune(now);
    auto qpos = req.target.find('?');
    std::string_view path = std::string_view(req.target).substr(0, qpos);
    std::string_view query = qpos == std::string::npos
                                 ? std::string_view{}
                                 : std::string_view(req.target).substr(qpos + 1);
    if (path.starts_with("/__sim/") || path == "/__sim") return handle_admin(req, now, path);
    if (path == "/api/oauth/token") return handle_token(req, now);
    if (path == "/api/oauth/revoke") return handle_revoke(req, now);
    return handle_api(req, now, path, query);
}

response core::handle_api(const request& req, time_point now, std::string_view path,
                          std::string_view query) {
    auto base = match_base(path);
    // An Ops Manager serves /api/public/v1.0 only.
    if (!base ||
        (world_.service == service_kind::ops_manager && base->version != api_version::public_v1)) {
        auto r = api_error(404, "RESOURCE_NOT_FOUND",
                           "Cannot find resource " + std::string(path) + ".", {json::value(path)});
        record(now, req, "", r.status, fault_kind::none);
        return r;
    }
    auto auth = authenticate(req, now);
    if (auth.failure) {
        record(now, req, "", auth.failure->status, fault_kind::none);
        return std::move(*auth.failure);
    }
    const principal& who = *auth.who;
    // The access list: every request from another address fails alike.
    if (!opts_.allowed.allows(req.remote_address)) {
        auto r = api_error(
            403, "IP_ADDRESS_NOT_ON_ACCESS_LIST",
            "IP address " + req.remote_address + " is not allowed to access this resource.",
            {json::value(req.remote_address)});
        record(now, req, who.id, r.status, fault_kind::none);
        return r;
    }
    std::string_view rest = path.substr(base->prefix.size());
    std::optional<std::pair<double, double>> rate_headers;  // limit, remaining
    if (auto limited = take_scope_token(who, req, base->prefix, rest, now, rate_headers))
        return std::move(*limited);
    if (auto limited = take_rate_token(who, base->prefix, rest, now, rate_headers)) {
        if (record(now, req, who.id, limited->status, fault_kind::none))
            record_limit("rate-limit", "user", who.id);
        return std::move(*limited);
    }
    if (base->version == api_version::atlas_v2 && rest == "/rateLimits") {
        auto r = rate_limits_answer(req, query, now);
        record(now, req, who.id, r.status, fault_kind::none);
        return r;
    }

    auto drawn = draw_fault(opts_.faults, opts_.fault_seed, opts_.latency, opts_.latency_jitter,
                            fault_seq_++);
    response r;
    if (drawn.kind == fault_kind::none || drawn.kind == fault_kind::reset_after ||
        drawn.kind == fault_kind::truncate) {
        auto q = parse_query(query);
        route_context c{req,
                        opts_,
                        world_,
                        who,
                        *base,
                        flavor_of(base->version, world_.service),
                        rest,
                        q ? std::move(*q) : query_list{},
                        {},
                        serial_,
                        alert_serial_,
                        iso_time(wall_started_ +
                                 std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                     now - started_))};
        r = q ? route_api(c) : api_error(400, "VALIDATION_ERROR", "The query string is malformed.");
        // No access: a Digest client gets a fresh challenge, as for a wrong key; a Bearer
        // client the same body without one (a challenge would only send it for a new token).
        if (r.challenge && !auth.bearer) add_challenge(r, false, now);
        r.challenge = false;
    } else {
        r = fault_response(drawn.kind);
    }
    r.fault = drawn.kind;
    r.delay = drawn.delay;
    if (rate_headers && opts_.ratelimit_headers && r.status != 0) {
        r.headers.emplace_back("RateLimit-Limit",
                               std::to_string(static_cast<std::int64_t>(rate_headers->first)));
        r.headers.emplace_back("RateLimit-Remaining",
                               std::to_string(static_cast<std::int64_t>(rate_headers->second)));
    }
    // v2 answers its success in the versioned media type; errors stay application/json.
    if (base->version == api_version::atlas_v2 && r.status >= 200 && r.status < 300 &&
        r.content_type == "application/json")
        r.content_type = std::string(atlas_success_type);
    record(now, req, who.id, r.status, drawn.kind);
    return r;
}

}  // namespace cmbulk::sim
