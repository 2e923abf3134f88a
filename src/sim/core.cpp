// The simulator's request handler: admin endpoints, the OAuth token endpoint, Digest and Bearer
// authentication, per-key token buckets, reproducible fault decisions, and the integrations and
// projects endpoints of /api/public/v1.0 and /api/atlas/v2 (validation, masking, pagination).
// Pure: no sockets, every call takes `now`.
#include "cmbulk/sim/core.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <variant>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/json_util.hpp"

namespace cmbulk::sim {
namespace json = boost::json;

namespace {

constexpr std::string_view realm = "MMS Public API";
constexpr std::string_view v1_base = "/api/public/v1.0";
constexpr std::string_view atlas_base = "/api/atlas/v2";
constexpr std::string_view atlas_media = "application/vnd.atlas.2023-01-01+json";

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 409:
            return "Conflict";
        case 413:
            return "Payload Too Large";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
    }
    return "Unknown";
}

response api_error(int status, std::string_view code, std::string detail, json::array params = {}) {
    response r;
    r.status = status;
    json::object body{{"error", status},
                      {"errorCode", code},
                      {"reason", reason_phrase(status)},
                      {"detail", std::move(detail)},
                      {"parameters", std::move(params)}};
    r.body = json::serialize(body);
    return r;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string hex_of(std::uint64_t a, std::uint64_t b) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buf;
}

int from_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() + 0 && from_hex(s[i + 1]) >= 0 &&
                   from_hex(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(from_hex(s[i + 1]) * 16 + from_hex(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

using query_list = std::vector<std::pair<std::string, std::string>>;

query_list parse_query(std::string_view q) {
    query_list out;
    while (!q.empty()) {
        auto amp = q.find('&');
        auto item = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        if (item.empty()) continue;
        auto eq = item.find('=');
        if (eq == std::string_view::npos)
            out.emplace_back(percent_decode(item), "");
        else
            out.emplace_back(percent_decode(item.substr(0, eq)),
                             percent_decode(item.substr(eq + 1)));
    }
    return out;
}

std::optional<std::string> query_get(const query_list& q, std::string_view key) {
    for (auto& [k, v] : q)
        if (k == key) return v;
    return std::nullopt;
}

bool query_true(const query_list& q, std::string_view key) {
    auto v = query_get(q, key);
    return v && (*v == "true" || *v == "1");
}

std::vector<std::string_view> split_path(std::string_view p) {
    std::vector<std::string_view> out;
    while (!p.empty()) {
        if (p.front() == '/') {
            p.remove_prefix(1);
            continue;
        }
        auto slash = p.find('/');
        out.push_back(p.substr(0, slash));
        p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash + 1);
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+' || c == '-') return 62;
        if (c == '/' || c == '_') return 63;
        return -1;
    };
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        int v = val(c);
        if (v < 0) return std::nullopt;
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buf >> bits) & 0xff));
        }
    }
    return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

std::string header_of(const request& req, const std::string& name) {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? std::string() : it->second;
}

// Strict decimal parse of a query parameter.
std::optional<std::int64_t> parse_int(std::string_view s) {
    if (s.empty() || s.size() > 12) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

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

std::string response::header(std::string_view name) const {
    for (auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

response error_response(int status, std::string_view code, std::string detail) {
    return api_error(status, code, std::move(detail));
}

std::string to_body(const json::value& v, bool pretty) {
    return pretty ? json_util::serialize_pretty(v) : json::serialize(v);
}

page_window paginate(std::size_t total, std::int64_t page_num, std::int64_t items_per_page) {
    page_window w;
    auto page = static_cast<std::uint64_t>(std::max<std::int64_t>(page_num, 1));
    auto per = static_cast<std::uint64_t>(std::max<std::int64_t>(items_per_page, 1));
    // Guard the multiplication: a page far past the end is simply empty.
    std::uint64_t begin = (page - 1) > total / per ? total : (page - 1) * per;
    w.begin = static_cast<std::size_t>(std::min<std::uint64_t>(begin, total));
    w.end = static_cast<std::size_t>(std::min<std::uint64_t>(w.begin + per, total));
    w.has_next = w.end < total;
    w.has_previous = page > 1;
    return w;
}

json::object masked_view(const json::object& stored) {
    json::object out;
    auto type_it = stored.find("type");
    const type_spec* spec = type_it != stored.end() && type_it->value().is_string()
                                ? find_type(type_it->value().get_string())
                                : nullptr;
    for (auto& kv : stored) {
        const field_spec* f = spec ? spec->find_field(kv.key()) : nullptr;
        if (!f || f->secret == secrecy::none || !kv.value().is_string()) {
            out.emplace(kv.key(), kv.value());
            continue;
        }
        if (f->secret == secrecy::never_returned) continue;
        out.emplace(kv.key(), mask_as(f->secret, kv.value().get_string()));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

core::core(core_options opts, world w, time_point now)
    : opts_(std::move(opts)),
      seed_(w),
      world_(std::move(w)),
      started_(now),
      token_endpoint_(opts_.token_endpoint_per_minute / 60.0,
                      std::max(1.0, opts_.token_endpoint_per_minute), now),
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
    token_endpoint_ = token_bucket(opts_.token_endpoint_per_minute / 60.0,
                                   std::max(1.0, opts_.token_endpoint_per_minute), now);
    fault_seq_ = 0;
}

void core::set_options(core_options opts, time_point now) {
    opts_ = std::move(opts);
    buckets_.clear();
    token_endpoint_ = token_bucket(opts_.token_endpoint_per_minute / 60.0,
                                   std::max(1.0, opts_.token_endpoint_per_minute), now);
}

json::value core::log_json() const {
    json::array out;
    out.reserve(log_.size());
    for (auto& e : log_)
        out.emplace_back(json::object{{"tUs", e.t_us},
                                      {"method", e.method},
                                      {"path", e.path},
                                      {"key", e.key},
                                      {"status", e.status},
                                      {"fault", to_string(e.fault)}});
    return out;
}

void core::record(time_point now, const request& req, std::string_view key, int status,
                  fault_kind fault) {
    if (log_.size() >= opts_.max_log_entries) return;
    log_entry e;
    e.t_us = std::chrono::duration_cast<std::chrono::microseconds>(now - started_).count();
    e.method = req.method;
    auto q = req.target.find('?');
    e.path = req.target.substr(0, q);
    e.key = key;
    e.status = status;
    e.fault = fault;
    log_.push_back(std::move(e));
}

std::string core::new_nonce(time_point now) {
    random_state_ = splitmix64(random_state_);
    std::string n = hex_of(random_state_, splitmix64(random_state_ ^ ++nonce_counter_));
    nonces_[n] = nonce_record{now, 0, 0};
    return n;
}

void core::prune(time_point now) {
    if (now - last_prune_ < std::chrono::seconds(10) && nonces_.size() < 1'000'000) return;
    last_prune_ = now;
    std::erase_if(nonces_, [&](auto& kv) { return now - kv.second.issued > opts_.nonce_lifetime; });
    std::erase_if(tokens_, [&](auto& kv) { return now >= kv.second.expires; });
}

response core::challenge(bool stale, time_point now) {
    auto r = api_error(401, "UNAUTHORIZED", "You are not authorized for this resource.");
    auto nonce = new_nonce(now);
    for (auto algo : opts_.digest_algorithms) {
        std::string h = "Digest realm=\"" + std::string(realm) + "\", domain=\"\", nonce=\"" +
                        nonce + "\", algorithm=" + std::string(digest::to_string(algo)) +
                        ", qop=\"auth\", stale=" + (stale ? "true" : "false");
        r.headers.emplace_back("WWW-Authenticate", std::move(h));
    }
    return r;
}

core::auth_result core::authenticate(const request& req, time_point now, std::string_view) {
    auth_result out;
    auto header = header_of(req, "authorization");
    if (header.empty()) {
        out.failure = challenge(false, now);
        return out;
    }
    if (starts_with_ci(header, "Bearer ")) {
        auto token = std::string_view(header).substr(7);
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        auto it = tokens_.find(std::string(token));
        if (it == tokens_.end() || now >= it->second.expires) {
            if (it != tokens_.end()) tokens_.erase(it);
            auto r = api_error(401, "UNAUTHORIZED", "The access token is invalid or has expired.");
            r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            out.failure = std::move(r);
            return out;
        }
        auto sa = sa_by_id_.find(it->second.client_id);
        if (sa == sa_by_id_.end()) {
            out.failure =
                api_error(401, "UNAUTHORIZED", "The access token is invalid or has expired.");
            return out;
        }
        out.who = &world_.service_accounts[sa->second];
        return out;
    }
    auto parsed = digest::parse_authorization(header);
    if (!parsed || parsed->realm != realm || parsed->qop != "auth" ||
        std::find(opts_.digest_algorithms.begin(), opts_.digest_algorithms.end(), parsed->algo) ==
            opts_.digest_algorithms.end() ||
        parsed->uri != req.target) {
        out.failure = challenge(false, now);
        return out;
    }
    auto key = key_by_id_.find(parsed->username);
    if (key == key_by_id_.end()) {
        out.failure = challenge(false, now);
        return out;
    }
    const principal& p = world_.api_keys[key->second];
    auto expected = digest::compute_response(parsed->algo, parsed->username, realm, p.secret,
                                             req.method, parsed->uri, parsed->nonce, parsed->nc,
                                             parsed->cnonce, parsed->qop);
    if (expected != parsed->response) {
        out.failure = challenge(false, now);
        return out;
    }
    // The credentials are right; now the nonce. Unknown (from before a restart or pruned) and
    // expired nonces are stale: the client retries with the fresh nonce, no new credentials.
    auto it = nonces_.find(parsed->nonce);
    if (it == nonces_.end() || now - it->second.issued > opts_.nonce_lifetime) {
        if (it != nonces_.end()) nonces_.erase(it);
        out.failure = challenge(true, now);
        return out;
    }
    std::uint64_t nc = 0;
    bool nc_ok = parsed->nc.size() == 8;
    for (char c : parsed->nc) {
        int v = from_hex(c);
        if (v < 0) nc_ok = false;
        nc = nc * 16 + static_cast<std::uint64_t>(std::max(v, 0));
    }
    auto& rec = it->second;
    // Replay protection with a 64-wide window: a count above the highest seen is accepted (and
    // slides the window); a count inside the window is accepted once; anything else is a replay.
    if (!nc_ok || nc == 0) {
        out.failure = challenge(false, now);
        return out;
    }
    if (nc > rec.highest_nc) {
        auto shift = nc - rec.highest_nc;
        rec.window = shift >= 64 ? 0 : rec.window << shift;
        rec.window |= 1;
        rec.highest_nc = nc;
    } else {
        auto diff = rec.highest_nc - nc;
        if (diff >= 64 || (rec.window >> diff) & 1) {
            out.failure = challenge(false, now);
            return out;
        }
        rec.window |= (std::uint64_t{1} << diff);
    }
    out.who = &p;
    return out;
}

fault_kind core::draw_fault(std::uint64_t seq, std::chrono::milliseconds& delay) const {
    std::uint64_t a = splitmix64(opts_.fault_seed ^ splitmix64(seq + 0x5eed));
    std::uint64_t b = splitmix64(a);
    double u = static_cast<double>(a >> 11) * (1.0 / 9007199254740992.0);
    delay = opts_.latency;
    if (opts_.latency_jitter.count() > 0)
        delay += std::chrono::milliseconds(static_cast<std::int64_t>(
            b % static_cast<std::uint64_t>(opts_.latency_jitter.count() + 1)));
    double cum = 0;
    for (auto& [kind, p] : opts_.faults) {
        cum += p;
        if (u < cum) return kind;
    }
    return fault_kind::none;
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

    bool atlas = path.starts_with(atlas_base) &&
                 (path.size() == atlas_base.size() || path[atlas_base.size()] == '/');
    bool v1 =
        path.starts_with(v1_base) && (path.size() == v1_base.size() || path[v1_base.size()] == '/');
    if (!atlas && !v1) {
        auto r = api_error(404, "RESOURCE_NOT_FOUND",
                           "Cannot find resource " + std::string(path) + ".", {json::value(path)});
        record(now, req, "", r.status, fault_kind::none);
        return r;
    }

    auto auth = authenticate(req, now, path);
    if (auth.failure) {
        record(now, req, "", auth.failure->status, fault_kind::none);
        return std::move(*auth.failure);
    }
    const principal& who = *auth.who;

    // Per-key token bucket (only authenticated requests are counted: the key must be known).
    std::optional<std::pair<double, double>> rate_headers;  // limit, remaining
    if (opts_.rate_limit > 0) {
        double cap = opts_.rate_burst > 0 ? opts_.rate_burst : std::max(1.0, opts_.rate_limit);
        auto it = buckets_.find(who.id);
        if (it == buckets_.end())
            it = buckets_.emplace(who.id, token_bucket(opts_.rate_limit, cap, now)).first;
        auto& bucket = it->second;
        if (!bucket.try_take(now)) {
            auto wait = std::chrono::duration<double>(bucket.time_until(now)).count();
            auto secs = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
            auto segs = split_path(path.substr(atlas ? atlas_base.size() : v1_base.size()));
            std::string set = std::string((atlas ? atlas_base : v1_base).substr(1)) + "/" +
                              (segs.empty() ? std::string("groups") : std::string(segs.front()));
            char rate_text[32];
            std::snprintf(rate_text, sizeof rate_text, "%g", opts_.rate_limit);
            auto r = api_error(
                429, "RATE_LIMITED_TOKEN_BUCKET",
                "Rate limit exceeded for " + set + ". Please retry after " + std::to_string(secs) +
                    " seconds. Request capacity: " +
                    std::to_string(static_cast<std::int64_t>(cap)) + ". Refill rate: " + rate_text +
                    " per 1 seconds.",
                {json::value(set), secs, static_cast<std::int64_t>(cap), opts_.rate_limit, 1});
            r.headers.emplace_back("Retry-After", std::to_string(secs));
            if (opts_.ratelimit_headers) {
                r.headers.emplace_back("RateLimit-Limit",
                                       std::to_string(static_cast<std::int64_t>(cap)));
                r.headers.emplace_back("RateLimit-Remaining", "0");
            }
            if (atlas) r.content_type = std::string(atlas_media);
            record(now, req, who.id, r.status, fault_kind::none);
            return r;
        }
        rate_headers = {cap, std::max(0.0, std::floor(bucket.available(now)))};
    }

    std::chrono::milliseconds delay{0};
    fault_kind fault = draw_fault(fault_seq_++, delay);
    response r;
    switch (fault) {
        case fault_kind::http_500:
            r = api_error(500, "UNEXPECTED_ERROR", "Unexpected error.");
            break;
        case fault_kind::http_503_html:
            r.status = 503;
            r.content_type = "text/html";
            r.body =
                "<html><head><title>503 Service Unavailable</title></head><body><h1>503 "
                "Service Unavailable</h1><p>The server is temporarily unable to service your "
                "request.</p></body></html>\n";
            break;
        case fault_kind::http_429:
            r = api_error(429, "RATE_LIMITED", "Too many requests. Please retry after 1 seconds.",
                          {1});
            r.headers.emplace_back("Retry-After", "1");
            break;
        case fault_kind::reset_before:
        case fault_kind::stall:
            r.status = 0;
            break;
        default:
            r = route_api(req, path.substr(atlas ? atlas_base.size() : v1_base.size()), query, who,
                          atlas, fault);
            break;
    }
    r.fault = fault;
    r.delay = delay;
    if (rate_headers && opts_.ratelimit_headers && r.status != 0) {
        r.headers.emplace_back("RateLimit-Limit",
                               std::to_string(static_cast<std::int64_t>(rate_headers->first)));
        r.headers.emplace_back("RateLimit-Remaining",
                               std::to_string(static_cast<std::int64_t>(rate_headers->second)));
    }
    if (atlas && r.content_type == "application/json") r.content_type = std::string(atlas_media);
    record(now, req, who.id, r.status, fault);
    return r;
}

response core::handle_token(const request& req, time_point now) {
    response r;
    std::string client;
    auto oauth_error = [](int status, std::string_view code, std::string_view description) {
        response e;
        e.status = status;
        e.body = json::serialize(json::object{{"error", code}, {"error_description", description}});
        return e;
    };
    if (req.method != "POST") {
        r = api_error(405, "METHOD_NOT_ALLOWED", "Use POST on /api/oauth/token.");
    } else if (opts_.token_endpoint_per_minute > 0 && !token_endpoint_.try_take(now)) {
        auto wait = std::chrono::duration<double>(token_endpoint_.time_until(now)).count();
        auto secs = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
        auto cap = static_cast<std::int64_t>(std::max(1.0, opts_.token_endpoint_per_minute));
        r = api_error(429, "RATE_LIMITED_TOKEN_BUCKET",
                      "Rate limit exceeded for api/oauth/token. Please retry after " +
                          std::to_string(secs) +
                          " seconds. Request capacity: " + std::to_string(cap) +
                          ". Refill rate: " + std::to_string(cap) + " per 60 seconds.",
                      {"api/oauth/token", secs, cap, cap, 60});
        r.headers.emplace_back("Retry-After", std::to_string(secs));
    } else {
        auto header = header_of(req, "authorization");
        std::optional<std::string> creds;
        if (starts_with_ci(header, "Basic "))
            creds = base64_decode(std::string_view(header).substr(6));
        auto colon = creds ? creds->find(':') : std::string::npos;
        const principal* sa = nullptr;
        if (colon != std::string::npos) {
            auto it = sa_by_id_.find(creds->substr(0, colon));
            if (it != sa_by_id_.end() &&
                world_.service_accounts[it->second].secret == creds->substr(colon + 1))
                sa = &world_.service_accounts[it->second];
        }
        auto form = parse_query(req.body);
        auto grant = query_get(form, "grant_type");
        if (!sa) {
            r = oauth_error(401, "invalid_client", "Client authentication failed.");
            r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"oauth\"");
        } else if (!grant || *grant != "client_credentials") {
            client = sa->id;
            r = oauth_error(400, "unsupported_grant_type",
                            "grant_type must be client_credentials.");
        } else {
            client = sa->id;
            random_state_ = splitmix64(random_state_);
            std::string token =
                "simtoken_" + hex_of(random_state_, splitmix64(random_state_ ^ ++nonce_counter_));
            tokens_[token] = token_record{sa->id, now + opts_.token_lifetime};
            r.body = json::serialize(json::object{{"access_token", token},
                                                  {"token_type", "Bearer"},
                                                  {"expires_in", opts_.token_lifetime.count()}});
            r.headers.emplace_back("Cache-Control", "no-store");
        }
    }
    record(now, req, client, r.status, fault_kind::none);
    return r;
}

response core::handle_admin(const request& req, time_point now, std::string_view path) {
    response r;
    if (!req.loopback)
        return api_error(403, "FORBIDDEN", "Admin endpoints answer loopback clients only.");
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
        auto& o = v.get_object();
        core_options next = opts_;
        try {
            if (auto* f = o.if_contains("faults")) {
                next.faults.clear();
                for (auto& kv : f->as_object()) {
                    auto kind = parse_fault_kind(kv.key());
                    if (!kind)
                        return api_error(400, "VALIDATION_ERROR", "Unknown fault kind.",
                                         {kv.key()});
                    next.faults[*kind] = kv.value().to_number<double>();
                }
            }
            if (auto* x = o.if_contains("faultSeed"))
                next.fault_seed = x->to_number<std::uint64_t>();
            if (auto* x = o.if_contains("latencyMs"))
                next.latency = std::chrono::milliseconds(x->to_number<std::int64_t>());
            if (auto* x = o.if_contains("latencyJitterMs"))
                next.latency_jitter = std::chrono::milliseconds(x->to_number<std::int64_t>());
            if (auto* x = o.if_contains("rateLimit")) next.rate_limit = x->to_number<double>();
            if (auto* x = o.if_contains("rateBurst")) next.rate_burst = x->to_number<double>();
            if (auto* x = o.if_contains("ratelimitHeaders")) next.ratelimit_headers = x->as_bool();
            if (auto* x = o.if_contains("nonceLifetimeSeconds"))
                next.nonce_lifetime = std::chrono::seconds(x->to_number<std::int64_t>());
        } catch (const std::exception&) {
            return api_error(400, "VALIDATION_ERROR", "A config value has the wrong type.");
        }
        set_options(std::move(next), now);
        r.body = R"({"configured":true})";
    } else {
        return api_error(404, "RESOURCE_NOT_FOUND", "Unknown admin endpoint.", {json::value(path)});
    }
    return r;
}

// ---------------------------------------------------------------------------------------------

namespace {

struct list_params {
    std::int64_t page = 1;
    std::int64_t per = 100;
    bool pretty = false;
    bool envelope = false;
    bool include_count = true;
};

// Validates the body of a POST/PUT against the catalogue; returns the error or the object to store.
std::variant<response, json::object> validate_body(std::string_view body, const type_spec& spec,
                                                   bool atlas) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return api_error(400, "INVALID_JSON", "Received JSON is malformed.");
    auto& o = v.get_object();
    std::string tname(spec.name);
    auto type_it = o.find("type");
    if (type_it == o.end())
        return api_error(400, "VALIDATION_ERROR", "Required field 'type' is missing.", {"type"});
    if (!type_it->value().is_string() || type_it->value().get_string() != spec.name) {
        std::string got = type_it->value().is_string() ? std::string(type_it->value().get_string())
                                                       : json::serialize(type_it->value());
        return api_error(400, "VALIDATION_ERROR",
                         "The type '" + got + "' in the body does not match the type '" + tname +
                             "' in the path.",
                         {"type", json::value(got), json::value(tname)});
    }
    json::object stored;
    stored["type"] = tname;
    for (auto& kv : o) {
        std::string key(kv.key());
        if (key == "type") continue;
        const field_spec* f = spec.find_field(key);
        if (!f)
            return api_error(400, "VALIDATION_ERROR",
                             "Unknown field '" + key + "' for integration type '" + tname + "'.",
                             {json::value(key), json::value(tname)});
        switch (f->kind) {
            case field_kind::boolean:
                if (!kv.value().is_bool())
                    return api_error(400, "VALIDATION_ERROR",
                                     "Field '" + key + "' must be a boolean.", {json::value(key)});
                break;
            case field_kind::string:
                if (!kv.value().is_string())
                    return api_error(400, "VALIDATION_ERROR",
                                     "Field '" + key + "' must be a string.", {json::value(key)});
                break;
            case field_kind::enumeration: {
                bool ok =
                    kv.value().is_string() &&
                    std::find(f->enum_values.begin(), f->enum_values.end(),
                              std::string_view(kv.value().get_string())) != f->enum_values.end();
                if (!ok) {
                    std::string allowed;
                    for (auto e : f->enum_values)
                        allowed += (allowed.empty() ? "" : ", ") + std::string(e);
                    std::string got = kv.value().is_string() ? std::string(kv.value().get_string())
                                                             : json::serialize(kv.value());
                    return api_error(400, "VALIDATION_ERROR",
                                     "Invalid value '" + got + "' for field '" + key +
                                         "'; expected one of: " + allowed + ".",
                                     {json::value(key), json::value(got)});
                }
                break;
            }
        }
        stored[key] = kv.value();
    }
    for (auto& f : spec.fields) {
        if (!type_spec::is_required(f, atlas ? flavor::atlas : flavor::cloud_manager)) continue;
        auto it = stored.find(f.name);
        if (it == stored.end() || (it->value().is_string() && it->value().get_string().empty()))
            return api_error(400, "VALIDATION_ERROR",
                             "Required field '" + std::string(f.name) +
                                 "' is missing for integration type '" + tname + "'.",
                             {json::value(f.name), json::value(tname)});
    }
    return stored;
}

}  // namespace

response core::route_api(const request& req, std::string_view path, std::string_view query,
                         const principal& who, bool atlas, fault_kind) {
    auto segs = split_path(path);
    auto q = parse_query(query);
    list_params lp;
    lp.pretty = query_true(q, "pretty");
    lp.envelope = query_true(q, "envelope");
    if (auto ic = query_get(q, "includeCount")) lp.include_count = *ic != "false";

    if (atlas) {
        auto accept = header_of(req, "accept");
        if (accept.find(atlas_media) == std::string::npos)
            return api_error(406, "NOT_ACCEPTABLE",
                             "Invalid accept header or version date: use Accept: " +
                                 std::string(atlas_media) + ".",
                             {json::value(accept)});
    }
    auto bad_param = [&](std::string_view name, std::string_view why) {
        return api_error(
            400, "VALIDATION_ERROR",
            "Invalid query parameter " + std::string(name) + ": " + std::string(why) + ".",
            {json::value(name)});
    };
    if (auto pn = query_get(q, "pageNum")) {
        auto v = parse_int(*pn);
        if (!v || *v < 1) return bad_param("pageNum", "must be a positive integer");
        lp.page = *v;
    }
    if (auto ipp = query_get(q, "itemsPerPage")) {
        auto v = parse_int(*ipp);
        if (!v || *v < 1 || *v > opts_.max_items_per_page)
            return bad_param("itemsPerPage", "must be an integer from 1 to " +
                                                 std::to_string(opts_.max_items_per_page));
        lp.per = *v;
    }

    std::string base_path = std::string(atlas ? atlas_base : v1_base) + std::string(path);
    auto finish_single = [&](int status, json::value body) {
        response r;
        r.status = status;
        if (lp.envelope) body = json::object{{"status", status}, {"content", std::move(body)}};
        r.body = to_body(body, lp.pretty);
        return r;
    };
    // A list page: links (absolute), results, totalCount, and with envelope the status.
    auto finish_list = [&](json::array all, bool paged) {
        std::size_t total = all.size();
        page_window w =
            paged ? paginate(total, lp.page, lp.per) : page_window{0, total, false, false};
        std::string others;
        for (auto& [k, v] : q)
            if (k != "pageNum" && k != "itemsPerPage")
                others += "&" + k + (v.empty() ? "" : "=" + v);
        auto href = [&](std::int64_t page) {
            return req.origin + base_path + "?pageNum=" + std::to_string(page) +
                   "&itemsPerPage=" + std::to_string(lp.per) + others;
        };
        json::array links;
        links.emplace_back(json::object{{"href", paged ? href(lp.page) : req.origin + base_path},
                                        {"rel", "self"}});
        if (w.has_next)
            links.emplace_back(json::object{{"href", href(lp.page + 1)}, {"rel", "next"}});
        if (w.has_previous)
            links.emplace_back(json::object{{"href", href(lp.page - 1)}, {"rel", "previous"}});
        json::array results;
        for (std::size_t i = w.begin; i < w.end; ++i) results.push_back(std::move(all[i]));
        json::object body{{"links", std::move(links)}, {"results", std::move(results)}};
        if (lp.include_count || !atlas) body["totalCount"] = total;
        if (lp.envelope) body["status"] = 200;
        response r;
        r.body = to_body(body, lp.pretty);
        return r;
    };
    auto method_not_allowed = [&] {
        return api_error(405, "METHOD_NOT_ALLOWED",
                         "Method " + req.method + " is not allowed on " + base_path + ".",
                         {json::value(req.method)});
    };
    auto not_found = [&] {
        return api_error(404, "RESOURCE_NOT_FOUND", "Cannot find resource " + base_path + ".",
                         {json::value(base_path)});
    };
    auto can_see_org = [&](const std::string& org_id) {
        return std::find(who.org_ids.begin(), who.org_ids.end(), org_id) != who.org_ids.end();
    };
    auto project_json = [](const project_state& p) {
        return json::object{
            {"id", p.id}, {"name", p.name}, {"orgId", p.org_id}, {"clusterCount", 0}};
    };

    if (segs.empty()) return not_found();

    if (segs[0] == "orgs") {
        if (req.method != "GET") return method_not_allowed();
        if (segs.size() == 1) {
            json::array all;
            for (auto& org : world_.orgs)
                if (can_see_org(org.id))
                    all.emplace_back(
                        json::object{{"id", org.id}, {"name", org.name}, {"isDeleted", false}});
            return finish_list(std::move(all), true);
        }
        std::string org_id(segs[1]);
        if (!is_object_id(org_id))
            return api_error(400, "INVALID_ORG_ID",
                             "An invalid organization ID " + org_id + " was specified.",
                             {json::value(org_id)});
        auto it = world_.org_index.find(org_id);
        if (it == world_.org_index.end())
            return api_error(404, "RESOURCE_NOT_FOUND",
                             "No organization with ID " + org_id + " exists.",
                             {json::value(org_id)});
        if (!can_see_org(org_id))
            return api_error(403, "FORBIDDEN",
                             "The key has no access to organization " + org_id + ".",
                             {json::value(org_id)});
        auto& org = world_.orgs[it->second];
        if (segs.size() == 2)
            return finish_single(
                200, json::object{{"id", org.id}, {"name", org.name}, {"isDeleted", false}});
        if (segs.size() == 3 && segs[2] == "groups") {
            json::array all;
            for (auto& pid : org.project_ids)
                all.emplace_back(project_json(world_.projects.at(pid)));
            return finish_list(std::move(all), true);
        }
        return not_found();
    }

    if (segs[0] != "groups") return not_found();
    if (segs.size() == 1) {
        if (req.method != "GET") return method_not_allowed();
        json::array all;
        for (auto& org : world_.orgs)
            if (can_see_org(org.id))
                for (auto& pid : org.project_ids)
                    all.emplace_back(project_json(world_.projects.at(pid)));
        return finish_list(std::move(all), true);
    }
    std::string group_id(segs[1]);
    if (!is_object_id(group_id))
        return api_error(400, "INVALID_GROUP_ID",
                         "An invalid group ID " + group_id + " was specified.",
                         {json::value(group_id)});
    auto pit = world_.projects.find(group_id);
    if (pit == world_.projects.end())
        return api_error(404, "RESOURCE_NOT_FOUND", "No group with ID " + group_id + " exists.",
                         {json::value(group_id)});
    auto& project = pit->second;
    if (!can_see_org(project.org_id))
        return api_error(403, "FORBIDDEN", "The key has no access to group " + group_id + ".",
                         {json::value(group_id)});
    if (segs.size() == 2) {
        if (req.method != "GET") return method_not_allowed();
        return finish_single(200, project_json(project));
    }
    if (segs[2] != "integrations" || segs.size() > 4) return not_found();

    auto whole_list = [&] {
        json::array all;
        for (auto& [type, obj] : project.integrations) all.emplace_back(masked_view(obj));
        return all;
    };
    if (segs.size() == 3) {
        if (req.method != "GET") return method_not_allowed();
        return finish_list(whole_list(), true);
    }
    std::string type(segs[3]);
    const type_spec* spec = find_type(type);
    if (!spec)
        return api_error(400, "VALIDATION_ERROR", "Unknown integration type '" + type + "'.",
                         {json::value(type)});
    auto existing = project.integrations.find(type);
    auto not_configured = [&] {
        return api_error(404, "INTEGRATION_NOT_CONFIGURED",
                         "The integration of type '" + type + "' is not configured for this group.",
                         {json::value(type)});
    };
    // The answer to POST/PUT: the project's whole list (self link is the list's URL).
    auto list_answer = [&] {
        base_path =
            std::string(atlas ? atlas_base : v1_base) + "/groups/" + group_id + "/integrations";
        return finish_list(whole_list(), false);
    };

    if (req.method == "GET") {
        if (existing == project.integrations.end()) return not_configured();
        return finish_single(200, masked_view(existing->second));
    }
    if (req.method == "DELETE") {
        if (existing == project.integrations.end()) return not_configured();
        project.integrations.erase(existing);
        ++project.deletes;
        if (atlas) {
            response r;
            r.status = 204;
            r.content_type.clear();
            return r;
        }
        response r;
        if (lp.envelope)
            r.body = to_body(json::object{{"status", 200}}, lp.pretty);
        else
            r.content_type.clear();
        return r;
    }
    if (req.method == "POST" || req.method == "PUT") {
        if (req.method == "POST" && existing != project.integrations.end())
            return api_error(
                409, "INTEGRATION_ALREADY_CONFIGURED",
                "The integration of type '" + type + "' is already configured for this group.",
                {json::value(type)});
        if (req.method == "PUT" && atlas && existing == project.integrations.end())
            return not_configured();
        auto checked = validate_body(req.body, *spec, atlas);
        if (auto* err = std::get_if<response>(&checked)) return std::move(*err);
        auto& obj = std::get<json::object>(checked);
        if (existing == project.integrations.end()) {
            project.integrations.emplace(type, std::move(obj));
            ++project.creates;
        } else {
            existing->second = std::move(obj);
            ++project.updates;
        }
        return list_answer();
    }
    return method_not_allowed();
}

}  // namespace cmbulk::sim
