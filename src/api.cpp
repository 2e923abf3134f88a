// Typed calls of the integrations and projects endpoints: paths per flavor, the api_request of
// each call, request headers, Digest / bearer authentication driven over one http_connection, and
// the reading of responses (JSON bodies, API error bodies and their errorCode, HTML error pages,
// rate-limit headers, a 429's rate hint for the gate). Single attempts only.
#include "cmbulk/api.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/charset.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "cmbulk/json_util.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/tls_context.hpp"
#include "cmbulk/url.hpp"
#include "cmbulk/version.hpp"

namespace cmbulk {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// ---- pure helpers ----------------------------------------------------------------------------

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool icontains(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        bool ok = true;
        for (std::size_t j = 0; j < needle.size() && ok; ++j)
            ok = std::tolower(static_cast<unsigned char>(hay[i + j])) ==
                 std::tolower(static_cast<unsigned char>(needle[j]));
        if (ok) return true;
    }
    return false;
}

double header_number(const http::response<http::string_body>& res, std::string_view name) {
    auto it = res.find(name);
    if (it == res.end()) return -1;
    std::string v(trim(it->value()));
    if (v.empty()) return -1;
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || d < 0) return -1;
    return d;
}

}  // namespace

std::optional<api_error_body> parse_error_body(std::string_view body) {
    body = trim(body);
    if (body.empty() || body.front() != '{') return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    api_error_body e;
    bool any = false;
    if (auto p = o.if_contains("error")) {
        if (p->is_int64()) {
            e.error = static_cast<int>(p->as_int64());
            any = true;
        } else if (p->is_uint64()) {
            e.error = static_cast<int>(p->as_uint64());
            any = true;
        } else if (p->is_string()) {
            // Some gateways put a text there; keep it as the reason if none is given.
            e.reason = std::string(p->as_string());
            any = true;
        }
    }
    auto take = [&](const char* key, std::string& out) {
        if (auto p = o.if_contains(key); p && p->is_string()) {
            out = std::string(p->as_string());
            any = true;
        }
    };
    take("errorCode", e.error_code);
    take("reason", e.reason);
    take("detail", e.detail);
    if (!any) return std::nullopt;
    return e;
}

std::string_view api_prefix(flavor f) { return path_of(default_api_version(f)); }

std::string api_prefix(const api_config& cfg) {
    if (!cfg.path_prefix.empty()) return cfg.path_prefix;
    diagnostics ignored;
    if (auto u = parse_base_url(cfg.base_url, ignored); u && u->version)
        return u->path_prefix(cfg.api_flavor);
    return std::string(api_prefix(cfg.api_flavor));
}

std::string_view media_type(flavor f) { return media_type_of(default_api_version(f)); }

std::string_view media_type(const api_config& cfg) {
    auto v2 = path_of(api_version::atlas_v2);
    // The client fills path_prefix in: no copy of it per request (bench/profile.py).
    std::string computed;
    if (cfg.path_prefix.empty()) computed = api_prefix(cfg);
    std::string_view prefix = cfg.path_prefix.empty() ? computed : cfg.path_prefix;
    return media_type_of(prefix.ends_with(v2) ? api_version::atlas_v2 : api_version::public_v1);
}

std::string encode_segment(std::string_view s) {
    // RFC 3986 §2.3: everything but the unreserved characters is percent-encoded. Ids and type
    // names are unreserved already: copied as they are (this runs for every request).
    const char* end = s.data() + s.size();
    if (boost::urls::grammar::find_if_not(s.data(), end, boost::urls::unreserved_chars) == end)
        return std::string(s);
    return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string describe_non_json(std::string_view body) {
    auto t = trim(body);
    if (t.empty()) return "empty body";
    // Never echo the page: it could reflect anything (even a header we sent).
    if (t.front() == '<' || icontains(t.substr(0, 1024), "<html")) return "HTML error page";
    return "non-JSON body";
}

// ---- client and sessions ---------------------------------------------------------------------

namespace detail {
struct client_shared {
    asio::any_io_executor ex;
    api_config cfg;
    request_gate* gate = nullptr;
    http_endpoint ep;
    std::shared_ptr<asio::ssl::context> tls;
    http_options opts;
    std::unique_ptr<token_provider> tokens;
    std::random_device seed_source;
};
}  // namespace detail

namespace {
std::string join_www_authenticate(const http::response<http::string_body>& res) {
    std::string all;
    auto range = res.equal_range(http::field::www_authenticate);
    for (auto it = range.first; it != range.second; ++it) {
        if (!all.empty()) all += ", ";
        all += std::string(it->value());
    }
    return all;
}

void fill_from_response(api_call_result& r, const http::response<http::string_body>& res,
                        http::verb method) {
    r.status = res.result_int();
    if (r.status >= 300 && r.status <= 399) {
        // Never followed: the Location could be another host, and the next request would carry
        // credentials there. The Location itself is not echoed (it could hold anything).
        r.detail = "HTTP " + std::to_string(r.status) + " redirect not followed (check --base-url)";
        return;
    }
    auto text = trim(res.body());
    if (text.empty()) return;
    if (method != http::verb::get && r.status >= 200 && r.status < 300) {
        // The answer to a successful write (the project's whole list, for a POST) is read by
        // nobody: check that it is JSON, without building it.
        if (!json_util::is_json(text)) {
            r.detail = describe_non_json(text);
            r.failure = attempt_failure::bad_response;
        }
        return;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec) {
        r.detail = describe_non_json(text);
        if (r.status >= 200 && r.status < 300) r.failure = attempt_failure::bad_response;
        return;
    }
    r.body = std::move(v);
    if (r.status >= 300) {
        if (auto e = parse_error_body(text)) {
            r.error_code = e->error_code;
            r.api_error = parse_api_errc(e->error_code);
            r.detail = !e->detail.empty() ? e->detail : e->reason;
        }
    }
}
}  // namespace

api_session::api_session(std::shared_ptr<detail::client_shared> shared)
    : shared_(std::move(shared)), conn_(shared_->ex, shared_->ep, shared_->tls, shared_->opts) {
    const auto& c = shared_->cfg.creds;
    if (!c.public_key.empty()) {
        std::uint64_t seed = (std::uint64_t(shared_->seed_source()) << 32) ^ shared_->seed_source();
        digest_.emplace(c.public_key, c.private_key, seed);
    }
}

api_session::~api_session() = default;

void api_session::close() { conn_.close(); }

void api_session::cancel() {
    cancelled_ = true;
    conn_.cancel();
}

std::uint64_t api_session::connections_opened() const { return conn_.connections_opened(); }

namespace {
http::verb verb_of(api_method m) {
    switch (m) {
        case api_method::get:
            return http::verb::get;
        case api_method::post:
            return http::verb::post;
        case api_method::put:
            return http::verb::put;
        case api_method::patch:
            return http::verb::patch;
        case api_method::del:
            return http::verb::delete_;
    }
    return http::verb::get;
}

/// RateLimit-* and Retry-After of a response into `r`.
void read_limits(api_call_result& r, const http::response<http::string_body>& res,
                 std::chrono::milliseconds max_retry_after) {
    r.ratelimit_remaining = header_number(res, "RateLimit-Remaining");
    r.ratelimit_limit = header_number(res, "RateLimit-Limit");
    r.retry_after.reset();
    if (auto it = res.find(http::field::retry_after); it != res.end())
        r.retry_after = parse_retry_after(it->value(), max_retry_after);
}

/// parameters[0] of a RATE_LIMITED_TOKEN_BUCKET body: the endpoint set it refused ("" if none).
std::string refused_set_of(const boost::json::value& body) {
    auto* o = body.if_object();
    auto* p = o ? o->if_contains("parameters") : nullptr;
    if (!p || !p->is_array() || p->get_array().empty() || !p->get_array()[0].is_string()) return {};
    return std::string(p->get_array()[0].get_string());
}

/// A token request that gave no token ends the call with its failure.
void take_token_failure(api_call_result& r, const token_result& t) {
    r.failure = t.failure;
    r.status = t.status;
    r.auth_failed = t.auth_failed;
    r.error_code = t.error_code;
    r.api_error = parse_api_errc(t.error_code);
    r.detail = t.detail;
    r.retry_after = t.retry_after;
}

/// The request without its authorization: user agent, media types, body.
http::request<http::string_body> base_request(http::verb method, const std::string& target,
                                              const api_request& req, const api_config& cfg) {
    http::request<http::string_body> hr{method, target, 11};
    hr.set(http::field::user_agent, user_agent());
    hr.set(http::field::accept, req.accept.empty() ? media_type(cfg) : req.accept);
    if (req.body) {
        hr.set(http::field::content_type, media_type(cfg));
        hr.body() = *req.body;
    }
    return hr;
}

/// A 429 reaches the gate once its body is read: the bucket it describes and the set it names.
void report_429(request_gate& gate, gate_feedback& fb, const api_call_result& r) {
    fb.hint = parse_rate_hint(r.body);
    fb.error_code = r.error_code;
    fb.refused_set = refused_set_of(r.body);
    gate.after_response(fb);
}
}  // namespace

asio::awaitable<api_call_result> api_session::perform(api_request req) {
    using clock = std::chrono::steady_clock;
    auto& sh = *shared_;
    const http::verb method = verb_of(req.method);
    // path_prefix is filled in by api_client (the base URL's documented path, or the flavor's).
    std::string target(sh.cfg.path_prefix);
    target += req.path;
    api_call_result r;
    auto since = [](clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t);
    };
    if (digest_) digest_->begin_call();
    bool bearer_retried = false;
    // For the gate's pacing per scope: the path without its query, and whose credential it is.
    const std::string_view api_path = std::string_view(req.path).substr(0, req.path.find('?'));
    const std::string_view credential_id =
        sh.cfg.creds.public_key.empty() ? sh.cfg.creds.client_id : sh.cfg.creds.public_key;

    // Bounded: a challenge, a stale nonce or two, a refreshed bearer token.
    for (int round = 0; round < 6; ++round) {
        auto hr = base_request(method, target, req, sh.cfg);
        std::string bearer;
        if (digest_) {
            if (auto a = digest_->authorization(http::to_string(method), target))
                hr.set(http::field::authorization, *a);
        } else if (sh.tokens) {
            auto t = co_await sh.tokens->get();
            r.requests_sent += t.requests_sent;
            if (t.token.empty()) {
                take_token_failure(r, t);
                co_return r;
            }
            bearer = std::move(t.token);
            hr.set(http::field::authorization, "Bearer " + bearer);
        }

        const auto queued_at = clock::now();
        const bool go = co_await sh.gate->before_send({req.scope, api_path, credential_id});
        r.queued += since(queued_at);
        if (!go) {
            r.failure = attempt_failure::cancelled;
            r.detail = "not sent: the run stopped";
            co_return r;
        }
        const auto sent_at = clock::now();
        auto ex = co_await conn_.send(std::move(hr));
        r.latency += since(sent_at);
        ++r.requests_sent;
        gate_feedback fb;
        fb.scope = req.scope;
        fb.path = api_path;
        fb.credential = credential_id;
        if (ex.failure != attempt_failure::none) {
            sh.gate->after_response(fb);
            r.failure = cancelled_ ? attempt_failure::cancelled : ex.failure;
            r.detail = ex.detail;
            co_return r;
        }
        auto& res = ex.response;
        read_limits(r, res, sh.cfg.max_retry_after);
        fb.status = res.result_int();
        fb.remaining = r.ratelimit_remaining;
        fb.limit = r.ratelimit_limit;
        fb.retry_after = r.retry_after;
        // A 429 is reported once its body is read: the gate takes the bucket it describes.
        if (fb.status != 429) sh.gate->after_response(fb);

        if (fb.status == 401) {
            if (digest_) {
                auto v = digest_->on_unauthorized(join_www_authenticate(res));
                if (v == digest_session::verdict::resend) continue;
                r.auth_failed = v == digest_session::verdict::auth_failed;
            } else if (sh.tokens && !bearer_retried) {
                // Maybe revoked or expired early: one fresh token, then it is definitive.
                sh.tokens->invalidate(bearer);
                bearer_retried = true;
                continue;
            } else {
                r.auth_failed = true;
            }
        }
        fill_from_response(r, res, method);
        if (fb.status == 429) report_429(*sh.gate, fb, r);
        if (r.status == 401 && r.detail.empty()) r.detail = "authentication failed";
        co_return r;
    }
    // Unreachable in practice (every path above returns or continues at most 5 times).
    r.detail = "authentication did not settle";
    co_return r;
}

// Plain functions, not coroutines: the request is built now, and no coroutine frame is spent on
// forwarding to perform.
asio::awaitable<api_call_result> api_session::get_integration(std::string_view group_id,
                                                              std::string_view type) {
    return perform(get_integration_request(group_id, type));
}

asio::awaitable<api_call_result> api_session::create_integration(
    std::string_view group_id, std::string_view type, const boost::json::object& fields) {
    return perform(create_integration_request(group_id, type, fields));
}

asio::awaitable<api_call_result> api_session::update_integration(
    std::string_view group_id, std::string_view type, const boost::json::object& fields) {
    return perform(update_integration_request(group_id, type, fields));
}

asio::awaitable<api_call_result> api_session::delete_integration(std::string_view group_id,
                                                                 std::string_view type) {
    return perform(delete_integration_request(group_id, type));
}

asio::awaitable<api_call_result> api_session::list_integrations_page(std::string group_id,
                                                                     int page_num,
                                                                     int items_per_page) {
    return perform(integrations_page_request(group_id, page_num, items_per_page));
}

asio::awaitable<api_call_result> api_session::list_projects_page(std::string org_id, int page_num,
                                                                 int items_per_page) {
    return perform(projects_page_request(org_id, page_num, items_per_page));
}

boost::system::result<void> api_client::check(const api_config& cfg, std::string& message) {
    auto bad = [&](std::string m) -> boost::system::result<void> {
        message = std::move(m);
        return boost::system::error_code(std::make_error_code(std::errc::invalid_argument));
    };
    std::string why;
    auto ep = parse_url(cfg.base_url, why);
    if (!ep) return bad("base URL: " + why);
    diagnostics d;
    auto url = parse_base_url(cfg.base_url, d);
    if (!url) return bad("base URL: " + d.message);
    if (url->version && !flavor_speaks(cfg.api_flavor, *url->version))
        return bad("base URL: its path is " + std::string(describe(*url->version)) +
                   ", which the flavor " + std::string(to_string(cfg.api_flavor)) +
                   " does not speak");
    if (!cfg.path_prefix.empty()) {
        bool documented = false;
        for (auto v : {api_version::public_v1, api_version::atlas_v1, api_version::atlas_v2})
            documented = documented || (cfg.path_prefix.ends_with(path_of(v)) &&
                                        flavor_speaks(cfg.api_flavor, v));
        if (!documented || (url->version && cfg.path_prefix != url->path_prefix(cfg.api_flavor)))
            return bad("API path prefix " + cfg.path_prefix + " does not match the base URL (" +
                       url->path_prefix(cfg.api_flavor) + ") or the flavor " +
                       std::string(to_string(cfg.api_flavor)));
    }
    const auto& c = cfg.creds;
    bool keys = !c.public_key.empty() || !c.private_key.empty();
    bool account = !c.client_id.empty() || !c.client_secret.empty();
    if (keys && (c.public_key.empty() || c.private_key.empty()))
        return bad("an API key needs both a public and a private key");
    if (account && (c.client_id.empty() || c.client_secret.empty()))
        return bad("a service account needs both a client id and a client secret");
    if (!keys && !account) return bad("no credentials: give an API key or a service account");
    if (keys && account) return bad("give either an API key or a service account, not both");
    if (cfg.body_limit == 0) return bad("the response body limit must be positive");
    bool tls = ep->tls;
    if (account && !cfg.token_url.empty()) {
        auto tep = parse_url(cfg.token_url, why);
        if (!tep) return bad("token URL: " + why);
        tls = tls || tep->tls;
    }
    if (tls) {
        auto ctx = make_tls_context(cfg.cacert, cfg.insecure, why);
        if (!ctx) return bad(why);
    }
    return {};
}

api_client::api_client(asio::any_io_executor ex, api_config cfg, request_gate& gate) {
    if (cfg.path_prefix.empty()) cfg.path_prefix = api_prefix(cfg);
    std::string message;
    if (!check(cfg, message)) throw std::invalid_argument(message);
    auto sh = std::make_shared<detail::client_shared>();
    sh->ex = ex;
    sh->gate = &gate;
    sh->opts.connect_timeout = cfg.connect_timeout;
    sh->opts.request_timeout = cfg.request_timeout;
    sh->opts.body_limit = cfg.body_limit;
    std::string why;
    sh->ep = *parse_url(cfg.base_url, why);
    std::string token_target;
    std::optional<http_endpoint> token_ep;
    if (!cfg.creds.client_id.empty()) {
        std::string url = cfg.token_url.empty() ? cfg.base_url : cfg.token_url;
        token_ep = parse_url(url, why, &token_target);
        if (cfg.token_url.empty()) token_target = "/api/oauth/token";
        if (token_target.empty()) token_target = "/";
    }
    if (sh->ep.tls || (token_ep && token_ep->tls))
        sh->tls = make_tls_context(cfg.cacert, cfg.insecure, why);
    if (token_ep)
        sh->tokens = std::make_unique<token_provider>(
            ex, *token_ep, token_target, sh->tls, sh->opts, cfg.creds.client_id,
            cfg.creds.client_secret, gate, std::string(user_agent()));
    sh->cfg = std::move(cfg);
    shared_ = std::move(sh);
}

api_client::~api_client() = default;

void api_client::cancel() {
    if (shared_->tokens) shared_->tokens->cancel();
}

std::unique_ptr<api_session> api_client::make_session() {
    return std::make_unique<api_session>(shared_);
}

boost::asio::awaitable<std::uint64_t> api_client::revoke_tokens() {
    if (!shared_->tokens) co_return 0;
    co_return co_await shared_->tokens->revoke_all();
}

std::uint64_t api_client::token_requests() const {
    return shared_->tokens ? shared_->tokens->requests() : 0;
}

}  // namespace cmbulk
