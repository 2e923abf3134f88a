// Client authentication: the sans-io Digest session (RFC 7616 §3.4, nonce reuse with increasing
// nc, stale handling) and the OAuth 2.0 client-credentials token provider (RFC 6749 §4.4) with its
// cache, single-flight refresh and the token endpoint's request limit; every token it got is
// revoked at the end of the run (revoke_all).
#include "cmbulk/auth.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <utility>

namespace cmbulk {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// ---- digest_session --------------------------------------------------------------------------

digest_session::digest_session(std::string username, std::string password, std::uint64_t seed)
    : username_(std::move(username)), password_(std::move(password)), rng_(seed) {}

digest_session::~digest_session() { std::fill(ha1_.begin(), ha1_.end(), '\0'); }

void digest_session::settle_call_() {
    // What the call that just ended showed about reuse. A refused reuse counts only when the
    // fresh nonce then passed: a key refused with a fresh nonce too says nothing about reuse.
    if (reused_in_call_ && reuse_refused_ && !fresh_refused_) {
        if (++refusals_in_a_row_ >= refusals_before_no_reuse) reuse_ = false;
        calls_without_reuse_ = 0;
    } else if (reused_in_call_ && !reuse_refused_) {
        // Accepted (or no answer came: then there is no evidence against reuse either).
        refusals_in_a_row_ = 0;
        reuse_ = true;
    }
}

void digest_session::begin_call() {
    settle_call_();
    if (!reuse_) ++calls_without_reuse_;
    sent_credentials_ = sent_reused_ = false;
    challenge_from_this_call_ = false;
    stale_in_call_ = 0;
    reused_in_call_ = reuse_refused_ = fresh_refused_ = false;
}

std::optional<std::string> digest_session::authorization(std::string_view method,
                                                         std::string_view uri) {
    // Without reuse, a call's first request draws its own challenge (a probe now and then
    // tries the cached nonce again).
    bool probe = calls_without_reuse_ > probe_every;
    if (!challenge_ || (!reuse_ && !challenge_from_this_call_ && !probe)) {
        sent_credentials_ = sent_reused_ = false;
        return std::nullopt;
    }
    if (probe && !challenge_from_this_call_) calls_without_reuse_ = 0;
    ++nc_;
    sent_reused_ = nc_ > 1;
    reused_in_call_ = reused_in_call_ || sent_reused_;
    // cnonce: 16 random bytes as 32 hex digits, fresh for every request.
    static constexpr char hex[] = "0123456789abcdef";
    std::string cnonce(32, '0');
    for (int half = 0; half < 2; ++half) {
        std::uint64_t r = rng_();
        for (int i = 0; i < 16; ++i) cnonce[half * 16 + i] = hex[(r >> (4 * i)) & 0xf];
    }
    sent_credentials_ = true;
    return digest::make_authorization_from_ha1(*challenge_, username_, ha1_, method, uri, nc_,
                                               cnonce);
}

digest_session::verdict digest_session::on_unauthorized(std::string_view www_authenticate) {
    auto ch = digest::parse_challenge(www_authenticate);
    if (!ch) return verdict::auth_failed;  // no usable Digest challenge: we cannot authenticate
    if (ch->stale) {
        // The credentials were right, the nonce expired: take the new one and resend.
        if (++stale_in_call_ > 2) return verdict::give_up;
    } else if (sent_credentials_ && challenge_from_this_call_) {
        // Credentials computed from a nonce the server just gave us were refused: wrong key.
        fresh_refused_ = true;
        return verdict::auth_failed;
    }
    // A nonce used before, answered with a fresh challenge: maybe the server refuses reuse.
    if (sent_credentials_ && sent_reused_) reuse_refused_ = true;
    take_challenge_(std::move(*ch));
    return verdict::resend;
}

void digest_session::take_challenge_(digest::challenge ch) {
    challenge_ = std::move(ch);
    // H(A1) depends only on the key, the realm and the algorithm: once per challenge.
    std::fill(ha1_.begin(), ha1_.end(), '\0');
    ha1_ = digest::ha1_hex(challenge_->algo, username_, challenge_->realm, password_);
    nc_ = 0;
    challenge_from_this_call_ = true;
}

// ---- token cache, sliding window -----------------------------------------------------

void token_cache::store(std::string token, std::chrono::seconds expires_in, clock::time_point now) {
    token_ = std::move(token);
    // Refresh with max(60 s, 10% of the lifetime) left; never later than the expiry itself.
    auto margin = std::max<std::chrono::seconds>(std::chrono::seconds(60), expires_in / 10);
    auto life = expires_in > margin ? expires_in - margin : std::chrono::seconds(0);
    refresh_at_ = now + life;
}

std::optional<std::string> token_cache::get(clock::time_point now) const {
    if (token_.empty() || now >= refresh_at_) return std::nullopt;
    return token_;
}

void token_cache::invalidate(std::string_view token) {
    if (token == token_) {
        token_.clear();
        refresh_at_ = {};
    }
}

sliding_window_limit::clock::duration sliding_window_limit::delay(clock::time_point now) const {
    // Count the requests still inside the window ending at `now`.
    std::size_t inside = 0;
    for (auto t : sent_)
        if (t + window_ > now) ++inside;
    if (inside < limit_) return clock::duration::zero();
    // Wait until the oldest of the last `limit_` requests leaves the window.
    auto oldest = sent_[sent_.size() - limit_];
    return oldest + window_ - now;
}

void sliding_window_limit::record(clock::time_point now) {
    sent_.push_back(now);
    while (sent_.size() > limit_) sent_.pop_front();
}

// ---- token_provider --------------------------------------------------------------------------

token_provider::token_provider(asio::any_io_executor ex, http_endpoint ep, std::string target,
                               std::shared_ptr<asio::ssl::context> tls_ctx, http_options opts,
                               std::string client_id, std::string client_secret, request_gate& gate,
                               std::string user_agent)
    : ex_(ex),
      conn_(ex, std::move(ep), std::move(tls_ctx), opts),
      target_(std::move(target)),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      gate_(gate),
      user_agent_(std::move(user_agent)),
      event_(ex),
      wait_(ex) {
    event_.expires_at(std::chrono::steady_clock::time_point::max());
}

namespace {
token_result cancelled_result() {
    token_result r;
    r.failure = attempt_failure::cancelled;
    r.detail = "token request: not sent, the run stopped";
    return r;
}
}  // namespace

void token_provider::cancel() {
    cancelled_ = true;
    wait_.cancel();
    event_.cancel();
    conn_.cancel();
}

asio::awaitable<token_result> token_provider::get() {
    for (;;) {
        if (cancelled_) co_return cancelled_result();
        if (auto t = cache_.get(std::chrono::steady_clock::now())) {
            token_result r;
            r.token = std::move(*t);
            co_return r;
        }
        if (!refreshing_) co_return co_await refresh_();
        // Another session is refreshing: wait for it, then share its token (or its failure).
        auto gen = generation_;
        co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (cancelled_) co_return cancelled_result();
        if (generation_ != gen && last_failure_.token.empty() &&
            !cache_.get(std::chrono::steady_clock::now())) {
            token_result r = last_failure_;
            r.requests_sent = 0;
            co_return r;
        }
    }
}

// GCC 12 inlines Asio's frame allocator here and then reports a false -Wmismatched-new-delete
// (aligned_alloc paired with Asio's own aligned_delete); silence it for this function only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<token_result> token_provider::refresh_() {
    refreshing_ = true;
    // Whatever happens (even an exception), clear the flag and wake the waiters.
    struct done_guard {
        token_provider& p;
        ~done_guard() {
            p.refreshing_ = false;
            ++p.generation_;
            p.event_.cancel();
        }
    } guard{*this};

    auto now = std::chrono::steady_clock::now();
    auto wait = std::max(window_.delay(now), not_before_ > now
                                                 ? not_before_ - now
                                                 : std::chrono::steady_clock::duration::zero());
    if (wait > std::chrono::steady_clock::duration::zero()) {
        wait_.expires_after(wait);
        co_await wait_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (cancelled_) co_return cancelled_result();
    // Marked as a token request: the token endpoint's own limit is paced here (window_), not
    // by the API's buckets.
    const bool go = co_await gate_.before_send({{}, "oauth/token", {}});
    if (!go) co_return cancelled_result();
    window_.record(std::chrono::steady_clock::now());
    ++requests_;

    auto ex = co_await conn_.send(token_request_(target_, "grant_type=client_credentials"));

    token_result r;
    r.requests_sent = 1;
    if (ex.failure != attempt_failure::none) {
        gate_feedback none;
        none.path = "oauth/token";
        gate_.after_response(none);
        if (cancelled_) co_return cancelled_result();
        r.failure = ex.failure;
        r.detail = "token request: " + ex.detail;
        last_failure_ = r;
        co_return r;
    }
    auto& res = ex.response;
    r.status = res.result_int();
    if (auto it = res.find(http::field::retry_after); it != res.end())
        r.retry_after = parse_retry_after(it->value());
    gate_feedback fb;
    fb.status = r.status;
    fb.retry_after = r.retry_after;
    fb.path = "oauth/token";
    gate_.after_response(fb);

    co_return read_token_answer_(res, std::move(r));
}

http::request<http::string_body> token_provider::token_request_(const std::string& target,
                                                                std::string body) const {
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::user_agent, user_agent_);
    req.set(http::field::accept, "application/json");
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.set(http::field::authorization,
            "Basic " + base64_encode(client_id_ + ":" + client_secret_));
    req.body() = std::move(body);
    return req;
}

token_result token_provider::read_token_answer_(const http::response<http::string_body>& res,
                                                token_result r) {
    boost::system::error_code jec;
    auto body = boost::json::parse(res.body(), jec);
    const boost::json::object* obj = (!jec && body.is_object()) ? &body.as_object() : nullptr;
    auto str = [&](const char* key) -> std::string {
        if (!obj) return {};
        auto p = obj->if_contains(key);
        return p && p->is_string() ? std::string(p->as_string()) : std::string();
    };

    if (r.status == 200) {
        std::string token = str("access_token");
        if (token.empty()) {
            r.failure = attempt_failure::bad_response;
            r.detail = "token response without access_token";
            last_failure_ = r;
            return r;
        }
        std::chrono::seconds life(3600);
        if (obj)
            if (auto p = obj->if_contains("expires_in"); p && p->is_number()) {
                boost::system::error_code nec;
                auto v = p->to_number<std::int64_t>(nec);
                if (!nec && v > 0) life = std::chrono::seconds(v);
            }
        cache_.store(token, life, std::chrono::steady_clock::now());
        granted_.push_back(token);
        r.token = std::move(token);
        return r;
    }
    if (r.status == 429) {
        // The token endpoint's own limit: nobody asks again before Retry-After (or a minute).
        not_before_ = std::chrono::steady_clock::now() +
                      r.retry_after.value_or(std::chrono::milliseconds(60000));
    }
    r.error_code = str("errorCode");
    if (r.error_code.empty()) r.error_code = str("error");  // RFC 6749 §5.2 error
    r.detail = str("detail");
    if (r.detail.empty()) r.detail = str("error_description");
    if (r.detail.empty()) r.detail = "token request answered HTTP " + std::to_string(r.status);
    r.auth_failed = r.status == 401 || r.status == 403 || r.error_code == "invalid_client" ||
                    r.error_code == "unauthorized_client";
    last_failure_ = r;
    return r;
}

asio::awaitable<std::uint64_t> token_provider::revoke_all() {
    std::uint64_t revoked = 0;
    constexpr std::string_view tail = "/token";
    if (!target_.ends_with(tail)) co_return revoked;
    const auto target = target_.substr(0, target_.size() - tail.size()) + "/revoke";
    auto tokens = std::exchange(granted_, {});
    for (auto& token : tokens) {
        if (cancelled_) break;
        cache_.invalidate(token);
        auto req = token_request_(
            target, "token=" + boost::urls::encode(token, boost::urls::unreserved_chars) +
                        "&token_type_hint=access_token");
        auto ex = co_await conn_.send(std::move(req));
        // RFC 7009: 200 whether the token was still valid or not. A failure is not retried:
        // the token expires on its own (expires_in).
        if (ex.failure == attempt_failure::none && ex.response.result_int() == 200) ++revoked;
    }
    co_return revoked;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace cmbulk
