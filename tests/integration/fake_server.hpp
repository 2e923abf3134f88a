// The purpose-built Beast server of test_client_fake_server.cpp (on 127.0.0.1:0, on the test's
// own single-threaded io_context, scripted reply by reply, recording what it was sent), with the
// helpers around it: a gate that counts what the api layer reports, a bounded coroutine runner,
// the digest configuration for it, and reply builders.
#pragma once

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "cmbulk/api.hpp"
#include "cmbulk/auth.hpp"
#include "cmbulk/digest.hpp"
#include "common/test_support.hpp"

namespace fake_server_test {

using namespace cmbulk;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

inline const std::string group = "5f4d3c2b1a0987654321fedc";

/// What the fake server does with one request that passed authentication.
struct reply {
    enum class kind { respond, reset, stall } what = kind::respond;
    http::response<http::string_body> res{http::status::ok, 11};
};

/// One request as the server saw it.
struct seen_request {
    std::string method, target, authorization, content_type, accept, user_agent, body;
};

class fake_server {
public:
    enum class auth_mode { digest, bearer };

    fake_server(asio::io_context& ioc, auth_mode mode = auth_mode::digest,
                std::shared_ptr<asio::ssl::context> tls = nullptr)
        : ioc_(ioc),
          acceptor_(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          mode_(mode),
          tls_(std::move(tls)) {
        asio::co_spawn(ioc_, accept_loop(), [](std::exception_ptr) {});
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    std::string base_url() const {
        return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
    }

    // Knobs and counters (single thread: the test and the server share the io_context).
    std::function<reply(const http::request<http::string_body>&)> handler;
    std::string password = "priv";
    bool stale_next = false;  ///< answer the next authenticated request with stale=true
    int requests = 0, challenges = 0, stale_sent = 0, connections = 0, nc_violations = 0;
    int token_requests = 0;
    std::vector<seen_request> log;
    std::string token_secret = "csec";
    std::string current_token;
    bool reject_bearer_once = false;

private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++connections;
            asio::co_spawn(ioc_, serve_socket(std::move(sock)), [](std::exception_ptr) {});
        }
    }

    asio::awaitable<void> serve_socket(tcp::socket sock) {
        if (!tls_) {
            co_await serve(sock, sock);
            co_return;
        }
        asio::ssl::stream<tcp::socket> s(std::move(sock), *tls_);
        auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server,
                                               asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        co_await serve(s, s.next_layer());
    }

    template <class Stream>
    asio::awaitable<void> serve(Stream& s, tcp::socket& raw) {
        beast::flat_buffer buf;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] =
                co_await http::async_read(s, buf, req, asio::as_tuple(asio::use_awaitable));
            (void)n;
            if (ec) co_return;
            ++requests;
            auto field = [&](http::field f) { return std::string(req[f]); };
            log.push_back({std::string(req.method_string()), std::string(req.target()),
                           field(http::field::authorization), field(http::field::content_type),
                           field(http::field::accept), field(http::field::user_agent), req.body()});
            reply rep = decide(req);
            if (rep.what == reply::kind::reset) {
                boost::system::error_code ig;
                raw.set_option(asio::socket_base::linger(true, 0), ig);
                raw.close(ig);
                co_return;
            }
            if (rep.what == reply::kind::stall) {
                asio::steady_timer t(ioc_, 5s);
                co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
                co_return;
            }
            rep.res.version(11);
            rep.res.prepare_payload();
            auto [wec, w] =
                co_await http::async_write(s, rep.res, asio::as_tuple(asio::use_awaitable));
            (void)w;
            if (wec || !rep.res.keep_alive()) {
                boost::system::error_code ig;
                raw.shutdown(tcp::socket::shutdown_both, ig);
                co_return;
            }
        }
    }

    static reply json_reply(http::status st, const std::string& body) {
        reply r;
        r.res.result(st);
        r.res.set(http::field::content_type, "application/json");
        r.res.body() = body;
        return r;
    }

    reply unauthorized(bool stale) {
        reply r = json_reply(
            http::status::unauthorized,
            R"({"error":401,"reason":"Unauthorized","detail":"You are not authorized."})");
        if (mode_ == auth_mode::digest) {
            if (stale)
                ++stale_sent;
            else
                ++challenges;
            // A fresh nonce for every challenge, like a real server; earlier ones stay valid.
            nonce_ = "nonce-" + std::to_string(++nonces_issued_);
            valid_nonces_.insert(nonce_);
            r.res.set(http::field::www_authenticate,
                      "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"" + nonce_ +
                          "\", algorithm=MD5, qop=\"auth\", stale=" + (stale ? "true" : "false"));
        }
        return r;
    }

    reply decide(const http::request<http::string_body>& req) {
        std::string authz(req[http::field::authorization]);
        if (req.target() == "/api/oauth/token") {
            ++token_requests;
            bool ok = authz == "Basic " + base64_encode("cid:" + token_secret) &&
                      req.body() == "grant_type=client_credentials" &&
                      req.method() == http::verb::post;
            if (!ok) return json_reply(http::status::unauthorized, R"({"error":"invalid_client"})");
            current_token = "tok-" + std::to_string(token_requests);
            return json_reply(http::status::ok,
                              R"({"access_token":")" + current_token +
                                  R"(","token_type":"Bearer","expires_in":3600})");
        }
        if (mode_ == auth_mode::bearer) {
            if (authz != "Bearer " + current_token || current_token.empty())
                return unauthorized(false);
            if (reject_bearer_once) {
                reject_bearer_once = false;
                current_token = "revoked";
                return unauthorized(false);
            }
        } else {
            if (authz.empty()) return unauthorized(false);
            auto a = digest::parse_authorization(authz);
            if (!a) return unauthorized(false);
            std::string expect = digest::compute_response(a->algo, a->username, "MMS Public API",
                                                          password, req.method_string(), a->uri,
                                                          a->nonce, a->nc, a->cnonce, a->qop);
            if (a->username != "pub" || a->response != expect || a->uri != req.target())
                return unauthorized(false);
            if (!valid_nonces_.count(a->nonce))
                return unauthorized(old_nonces_.count(a->nonce) > 0);
            unsigned long nc = std::stoul(a->nc, nullptr, 16);
            if (nc <= last_nc_[a->nonce]) {
                ++nc_violations;
                return unauthorized(false);
            }
            last_nc_[a->nonce] = nc;
            if (stale_next) {
                stale_next = false;
                old_nonces_.insert(valid_nonces_.begin(), valid_nonces_.end());
                valid_nonces_.clear();
                return unauthorized(true);
            }
        }
        if (handler) return handler(req);
        return json_reply(http::status::ok, R"({"ok":true,"n":)" + std::to_string(requests) + "}");
    }

    asio::io_context& ioc_;
    tcp::acceptor acceptor_;
    auth_mode mode_;
    std::shared_ptr<asio::ssl::context> tls_;
    std::string nonce_;
    int nonces_issued_ = 0;
    std::set<std::string> valid_nonces_, old_nonces_;
    std::map<std::string, unsigned long> last_nc_;
};

/// Counts what the api layer tells the runner.
class counting_gate final : public request_gate {
public:
    asio::awaitable<bool> before_request(std::string_view) override {
        ++before;
        co_return true;
    }
    void after_response(const gate_feedback& fb) override {
        statuses.push_back(fb.status);
        last_remaining = fb.remaining;
        last_limit = fb.limit;
        last_retry_after = fb.retry_after;
    }
    int before = 0;
    std::vector<int> statuses;
    double last_remaining = -2, last_limit = -2;
    std::optional<std::chrono::milliseconds> last_retry_after;
};

/// Runs `body` on the io_context for at most `limit`; fails the test if it did not finish.
template <class F>
inline void run(asio::io_context& ioc, F body, std::chrono::milliseconds limit = 10s) {
    bool done = false;
    std::exception_ptr error;
    ioc.restart();
    asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
        done = true;
        error = e;
        ioc.stop();
    });
    ioc.run_for(limit);
    BOOST_REQUIRE_MESSAGE(done, "the test coroutine did not finish in time");
    if (error) std::rethrow_exception(error);
}

inline api_config digest_config(const fake_server& s, std::string priv = "priv") {
    api_config c;
    c.base_url = s.base_url();
    c.creds.public_key = "pub";
    c.creds.private_key = std::move(priv);
    c.connect_timeout = 2000ms;
    c.request_timeout = 2000ms;
    return c;
}

/// The absolute path of a program found on PATH (run_process uses execve), or empty.
inline std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        auto end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::filesystem::path candidate =
            std::filesystem::path(dirs.substr(start, end - start)) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
        start = end + 1;
    }
    return {};
}

inline reply make_reply(http::status st, std::string body,
                        std::string content_type = "application/json") {
    reply r;
    r.res.result(st);
    r.res.set(http::field::content_type, content_type);
    r.res.body() = std::move(body);
    return r;
}

}  // namespace fake_server_test
