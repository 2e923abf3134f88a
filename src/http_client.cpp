// One keep-alive HTTP/1.1 connection over TCP or TLS (Beast), with per-step timeouts armed with
// expires_after (Boost 1.81 has no cancel_after), a body limit, and the mapping of every failure
// onto attempt_failure. Any error closes the connection; the next send reconnects.
#include "cmbulk/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <fstream>

namespace cmbulk {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

asio::awaitable<void> open_gate::before_request() { co_return; }

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

bool is_http_parse_error(const boost::system::error_code& ec) {
    return ec.category() == beast::http::make_error_code(http::error::bad_version).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

std::optional<http_endpoint> parse_url(std::string_view url, std::string& message,
                                       std::string* path_out) {
    auto u = boost::urls::parse_uri(url);
    if (!u) {
        message = "not a valid URL (expected scheme://host[:port])";
        return std::nullopt;
    }
    http_endpoint ep;
    auto scheme = lower(u->scheme());
    if (scheme == "https") {
        ep.tls = true;
    } else if (scheme != "http") {
        message = "unsupported URL scheme '" + scheme + "' (use http or https)";
        return std::nullopt;
    }
    if (u->has_userinfo()) {
        message = "the URL must not contain user information";
        return std::nullopt;
    }
    if (!u->has_authority() || u->encoded_host().empty()) {
        message = "the URL has no host";
        return std::nullopt;
    }
    if (u->host_type() == boost::urls::host_type::ipv6) {
        ep.host = std::string(u->encoded_host_address());
    } else {
        ep.host = u->host();
    }
    if (u->has_port()) {
        if (u->port_number() == 0) {
            message = "the URL has an invalid port";
            return std::nullopt;
        }
        ep.port = std::to_string(u->port_number());
    } else {
        ep.port = ep.tls ? "443" : "80";
    }
    ep.host_header = std::string(u->encoded_host_and_port());
    if (u->has_fragment()) {
        message = "the URL must not have a fragment";
        return std::nullopt;
    }
    if (path_out) {
        std::string p(u->encoded_path());
        if (u->has_query()) p += "?" + std::string(u->encoded_query());
        *path_out = p;
    }
    return ep;
}

bool is_loopback_host(std::string_view host) {
    std::string h = lower(host);
    if (h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"))) return true;
    if (!h.empty() && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    boost::system::error_code ec;
    auto a = asio::ip::make_address(h, ec);
    return !ec && a.is_loopback();
}

std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cacert, bool insecure,
                                                     std::string& message) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (insecure) {
        ctx->set_verify_mode(asio::ssl::verify_none);
        return ctx;
    }
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    if (!cacert.empty()) {
        std::ifstream probe(cacert);
        if (!probe) {
            message = "cannot read the CA file '" + cacert + "'";
            return nullptr;
        }
        ctx->load_verify_file(cacert, ec);
        if (ec) {
            message = "cannot load the CA file '" + cacert + "': " + ec.message();
            return nullptr;
        }
    } else {
        ctx->set_default_verify_paths(ec);
        if (ec) {
            message = "cannot load the system trust store: " + ec.message();
            return nullptr;
        }
    }
    return ctx;
}

http_connection::http_connection(asio::any_io_executor ex, http_endpoint ep,
                                 std::shared_ptr<asio::ssl::context> tls_ctx, http_options opts)
    : ex_(std::move(ex)), ep_(std::move(ep)), tls_ctx_(std::move(tls_ctx)), opts_(opts) {}

http_connection::~http_connection() { close(); }

bool http_connection::is_open() const { return tcp_ != nullptr || tls_ != nullptr; }

void http_connection::close() {
    boost::system::error_code ec;
    if (tls_) {
        // No close_notify: the peer sees a truncated stream, which is harmless for HTTP/1.1
        // with Content-Length framing, and a timed-out TLS stream must not be written again.
        tls_->next_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
        tls_->next_layer().close();
        tls_.reset();
    }
    if (tcp_) {
        tcp_->socket().shutdown(tcp::socket::shutdown_both, ec);
        tcp_->close();
        tcp_.reset();
    }
    buffer_.clear();
}

bool http_connection::peer_closed_() {
    // An idle keep-alive connection the server already closed would turn our next request into
    // a "reset after send" (outcome unknown); peek without blocking to catch it before sending.
    if (buffer_.size() != 0) return true;
    auto& sock = tls_ ? tls_->next_layer().socket() : tcp_->socket();
    char byte;
    ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    return true;  // EOF, an error, or unexpected bytes: do not trust this connection
}

asio::awaitable<http_exchange> http_connection::connect_() {
    http_exchange out;
    auto fail = [&](std::string what) {
        close();
        out.failure = attempt_failure::connect_failed;
        out.detail = std::move(what);
        return out;
    };
    auto timeout = opts_.connect_timeout;
    auto started = std::chrono::steady_clock::now();

    // Resolution has no stream to carry an expiry: a timer cancels the resolver instead.
    auto resolver = std::make_shared<tcp::resolver>(ex_);
    asio::steady_timer guard(ex_);
    if (timeout.count() > 0) {
        guard.expires_after(timeout);
        guard.async_wait([resolver](boost::system::error_code ec) {
            if (!ec) resolver->cancel();
        });
    }
    auto [rec, results] = co_await resolver->async_resolve(ep_.host, ep_.port,
                                                          asio::as_tuple(asio::use_awaitable));
    guard.cancel();
    if (rec) {
        if (rec == asio::error::operation_aborted)
            co_return fail("resolving the host timed out after " + ms_text(timeout));
        co_return fail("cannot resolve the host: " + rec.message());
    }

    auto stream = std::make_unique<beast::tcp_stream>(ex_);
    auto remaining = [&] {
        auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started);
        return left.count() > 0 ? left : std::chrono::milliseconds(1);
    };
    if (timeout.count() > 0)
        stream->expires_after(remaining());
    else
        stream->expires_never();
    auto [cec, endpoint] = co_await stream->async_connect(results, asio::as_tuple(asio::use_awaitable));
    (void)endpoint;
    if (cec) {
        if (cec == beast::error::timeout)
            co_return fail("connect timed out after " + ms_text(timeout));
        co_return fail("connect failed: " + cec.message());
    }
    ++opened_;
    boost::system::error_code ignored;
    stream->socket().set_option(tcp::no_delay(true), ignored);

    if (!ep_.tls) {
        tcp_ = std::move(stream);
        co_return out;
    }
    if (!tls_ctx_) co_return fail("no TLS context for an https URL");
    tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *tls_ctx_);
    // SNI (never for IP literals, RFC 6066 §3), and host-name verification unless verification
    // is off altogether (--insecure).
    if (!is_ip_literal(ep_.host)) SSL_set_tlsext_host_name(tls_->native_handle(), ep_.host.c_str());
    if (SSL_CTX_get_verify_mode(tls_ctx_->native_handle()) != SSL_VERIFY_NONE)
        tls_->set_verify_callback(asio::ssl::host_name_verification(ep_.host));
    if (timeout.count() > 0)
        tls_->next_layer().expires_after(remaining());
    else
        tls_->next_layer().expires_never();
    auto [hec] = co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                                asio::as_tuple(asio::use_awaitable));
    if (hec) {
        if (hec == beast::error::timeout)
            co_return fail("TLS handshake timed out after " + ms_text(timeout));
        std::string reason = hec.message();
        long v = SSL_get_verify_result(tls_->native_handle());
        if (v != X509_V_OK) reason = X509_verify_cert_error_string(v);
        co_return fail("TLS handshake failed: " + reason);
    }
    co_return out;
}

template <class Stream>
asio::awaitable<http_exchange> http_connection::exchange_(Stream& s,
                                                          http::request<http::string_body>& req,
                                                          bool reused) {
    http_exchange out;
    out.reused_connection = reused;
    auto& lowest = beast::get_lowest_layer(s);
    auto timeout = opts_.request_timeout;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (timeout.count() > 0)
        lowest.expires_at(deadline);
    else
        lowest.expires_never();

    auto [wec, written] = co_await http::async_write(s, req, asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (wec) {
        close();
        // The request was not complete, so the server cannot have acted on it.
        out.failure = attempt_failure::reset_before_send;
        out.detail = wec == beast::error::timeout ? "timed out while sending the request"
                                                  : "connection lost while sending: " + wec.message();
        co_return out;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(opts_.body_limit);
    if (timeout.count() > 0) lowest.expires_at(deadline);
    auto [rec, read] = co_await http::async_read(s, buffer_, parser, asio::as_tuple(asio::use_awaitable));
    (void)read;
    if (rec) {
        bool got_some = parser.got_some();
        close();
        if (rec == beast::error::timeout) {
            out.failure = attempt_failure::timeout;
            out.detail = "no complete response within " + ms_text(timeout);
        } else if (rec == http::error::body_limit) {
            out.failure = attempt_failure::bad_response;
            out.detail = "response body over the " + std::to_string(opts_.body_limit) + "-byte limit";
        } else if (is_http_parse_error(rec)) {
            out.failure = attempt_failure::bad_response;
            out.detail = "malformed HTTP response: " + rec.message();
        } else if (got_some) {
            out.failure = attempt_failure::bad_response;
            out.detail = "connection closed in the middle of the response";
        } else {
            out.failure = attempt_failure::reset_after_send;
            out.detail = rec == asio::error::connection_reset ? "connection reset after sending"
                                                              : "connection closed after sending";
        }
        co_return out;
    }
    out.response = parser.release();
    if (!out.response.keep_alive()) close();
    co_return out;
}

asio::awaitable<http_exchange> http_connection::send(http::request<http::string_body> req) {
    if (req.find(http::field::host) == req.end()) req.set(http::field::host, ep_.host_header);
    req.version(11);
    req.prepare_payload();
    bool reused = false;
    if (is_open()) {
        if (peer_closed_())
            close();
        else
            reused = true;
    }
    if (!is_open()) {
        auto c = co_await connect_();
        if (c.failure != attempt_failure::none) co_return c;
    }
    if (tls_) co_return co_await exchange_(*tls_, req, reused);
    co_return co_await exchange_(*tcp_, req, reused);
}

}  // namespace cmbulk
