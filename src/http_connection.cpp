// One keep-alive HTTP/1.1 connection over TCP or TLS (Beast), with per-step timeouts armed with
// expires_after (Boost 1.81 has no cancel_after), a body limit, the CONNECT tunnel of a proxy,
// and the mapping of every failure onto attempt_failure. Any error closes the connection; the
// next send reconnects. See http_connection.hpp.
#include "cmbulk/http_connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>

namespace cmbulk {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

bool is_http_parse_error(const boost::system::error_code& ec) {
    return ec.category() == beast::http::make_error_code(http::error::bad_version).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

http_connection::http_connection(asio::any_io_executor ex, http_endpoint ep,
                                 std::shared_ptr<asio::ssl::context> tls_ctx, http_options opts)
    : ex_(std::move(ex)), ep_(std::move(ep)), tls_ctx_(std::move(tls_ctx)), opts_(opts) {
    if (opts_.proxy_from_environment)
        proxy_ = select_proxy(ep_, proxy_environment_from_env(), proxy_error_);
}

asio::awaitable<std::string> http_connection::tunnel_(beast::tcp_stream& s) {
    // HTTP CONNECT (RFC 9110 §9.3.6): a 2xx answer turns the connection into a byte tunnel to
    // the target, over which TLS runs end to end. The proxy never sees the API's traffic.
    http::request<http::empty_body> req{http::verb::connect,
                                        ep_.host_header.find(':') == std::string::npos
                                            ? ep_.host_header + ":" + ep_.port
                                            : ep_.host_header,
                                        11};
    req.set(http::field::host, req.target());
    if (!proxy_->authorization.empty())
        req.set(http::field::proxy_authorization, proxy_->authorization);
    auto [wec, w] = co_await http::async_write(s, req, asio::as_tuple(asio::use_awaitable));
    (void)w;
    if (wec) co_return "proxy " + proxy_->display + ": sending CONNECT failed: " + wec.message();
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a 2xx answer to CONNECT has no body
    beast::flat_buffer buf;
    auto [rec, r] =
        co_await http::async_read_header(s, buf, parser, asio::as_tuple(asio::use_awaitable));
    (void)r;
    if (rec) co_return "proxy " + proxy_->display + ": no answer to CONNECT: " + rec.message();
    auto status = parser.get().result_int();
    if (status / 100 != 2)
        co_return "proxy " + proxy_->display + " refused the tunnel: HTTP " +
            std::to_string(status) +
            (status == 407 || status == 401
                 ? " (proxy authentication required: check the proxy URL's user:password)"
                 : "");
    if (buf.size() != 0) co_return "proxy " + proxy_->display + ": unexpected bytes after CONNECT";
    co_return std::string();
}

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

void http_connection::cancel() {
    cancelled_ = true;
    // Close the sockets without destroying the streams: the operation in flight completes with
    // an error and its coroutine, not this caller, releases them (close()).
    boost::system::error_code ec;
    if (resolving_) resolving_->cancel();
    if (connecting_) connecting_->socket().close(ec);
    if (tls_) tls_->next_layer().socket().close(ec);
    if (tcp_) tcp_->socket().close(ec);
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

namespace {
/// Forgets the resolver and stream a connect in progress exposes to cancel(), when it ends.
struct cancel_points {
    std::shared_ptr<tcp::resolver>& resolving;
    beast::tcp_stream*& connecting;
    ~cancel_points() {
        resolving.reset();
        connecting = nullptr;
    }
};
}  // namespace

/// The connect timeout's clock: what is left of it for the next step (at least 1 ms).
struct connect_clock {
    std::chrono::milliseconds timeout;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    bool limited() const { return timeout.count() > 0; }
    std::chrono::milliseconds remaining() const {
        auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started);
        return left.count() > 0 ? left : std::chrono::milliseconds(1);
    }
};

asio::awaitable<http_exchange> http_connection::connect_() {
    connect_clock clock{opts_.connect_timeout};
    cancel_points points{resolving_, connecting_};  // what cancel() reaches while connecting
    std::unique_ptr<beast::tcp_stream> stream;
    std::string why = co_await open_tcp_(clock, stream);
    if (why.empty() && ep_.tls) {
        why = co_await start_tls_(clock, *stream);
    } else if (why.empty()) {
        tcp_ = std::move(stream);  // the same object: cancel() may still close it
    }
    http_exchange out;
    if (!why.empty()) {
        close();
        out.failure = attempt_failure::connect_failed;
        out.detail = std::move(why);
    }
    co_return out;
}

asio::awaitable<std::string> http_connection::open_tcp_(
    const connect_clock& clock, std::unique_ptr<beast::tcp_stream>& stream) {
    auto timeout = clock.timeout;
    // Resolution has no stream to carry an expiry: a timer cancels the resolver instead.
    auto resolver = resolving_ = std::make_shared<tcp::resolver>(ex_);
    asio::steady_timer guard(ex_);
    if (clock.limited()) {
        guard.expires_after(timeout);
        guard.async_wait([resolver](boost::system::error_code ec) {
            if (!ec) resolver->cancel();
        });
    }
    if (!proxy_error_.empty()) co_return proxy_error_;
    const http_endpoint& hop = proxy_ ? proxy_->endpoint : ep_;  // the first hop: proxy or server
    auto [rec, results] =
        co_await resolver->async_resolve(hop.host, hop.port, asio::as_tuple(asio::use_awaitable));
    guard.cancel();
    if (rec) {
        if (rec == asio::error::operation_aborted)
            co_return std::string(proxy_ ? "resolving the proxy" : "resolving the host") +
                " timed out after " + ms_text(timeout);
        co_return std::string(proxy_ ? "cannot resolve the proxy: " : "cannot resolve the host: ") +
            rec.message();
    }
    stream = std::make_unique<beast::tcp_stream>(ex_);
    connecting_ = stream.get();
    if (cancelled_) co_return "cancelled";
    if (clock.limited())
        stream->expires_after(clock.remaining());
    else
        stream->expires_never();
    auto [cec, endpoint] =
        co_await stream->async_connect(results, asio::as_tuple(asio::use_awaitable));
    (void)endpoint;
    if (cec) {
        std::string where = proxy_ ? " (proxy " + proxy_->display + ")" : "";
        if (cec == beast::error::timeout)
            co_return "connect timed out after " + ms_text(timeout) + where;
        co_return "connect failed: " + cec.message() + where;
    }
    ++opened_;
    boost::system::error_code ignored;
    stream->socket().set_option(tcp::no_delay(true), ignored);
    co_return std::string();
}

asio::awaitable<std::string> http_connection::start_tls_(const connect_clock& clock,
                                                         beast::tcp_stream& stream) {
    if (proxy_) {
        if (clock.limited()) stream.expires_after(clock.remaining());
        auto why = co_await tunnel_(stream);
        if (!why.empty()) co_return why;
    }
    if (!tls_ctx_) co_return "no TLS context for an https URL";
    connecting_ = nullptr;
    tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(stream), *tls_ctx_);
    // SNI (never for IP literals, RFC 6066 §3), and host-name verification unless verification
    // is off altogether (--insecure).
    if (!is_ip_literal(ep_.host)) SSL_set_tlsext_host_name(tls_->native_handle(), ep_.host.c_str());
    // Host-name verification by OpenSSL itself (not a verify callback), so a mismatch is
    // reported as such ("hostname mismatch" / "IP address mismatch") rather than as a bare
    // "certificate verify failed".
    if (SSL_CTX_get_verify_mode(tls_ctx_->native_handle()) != SSL_VERIFY_NONE) {
        int ok = is_ip_literal(ep_.host)
                     ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_->native_handle()),
                                                     ep_.host.c_str())
                     : SSL_set1_host(tls_->native_handle(), ep_.host.c_str());
        if (ok != 1) co_return "cannot set up host-name verification for " + ep_.host;
    }
    if (clock.limited())
        tls_->next_layer().expires_after(clock.remaining());
    else
        tls_->next_layer().expires_never();
    auto [hec] = co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                                asio::as_tuple(asio::use_awaitable));
    if (hec) {
        if (hec == beast::error::timeout)
            co_return "TLS handshake timed out after " + ms_text(clock.timeout);
        std::string reason = hec.message();
        long v = SSL_get_verify_result(tls_->native_handle());
        if (v != X509_V_OK) reason = X509_verify_cert_error_string(v);
        co_return "TLS handshake failed: " + reason;
    }
    co_return std::string();
}

std::string serialize_request(const http::request<http::string_body>& req) {
    std::size_t size = req.method_string().size() + req.target().size() + 16 + req.body().size();
    for (const auto& f : req) size += f.name_string().size() + f.value().size() + 4;
    std::string out;
    out.reserve(size);
    out.append(req.method_string());
    out += ' ';
    out.append(req.target());
    out += " HTTP/";
    out += static_cast<char>('0' + req.version() / 10);
    out += '.';
    out += static_cast<char>('0' + req.version() % 10);
    out += "\r\n";
    for (const auto& f : req) {
        out.append(f.name_string());
        out += ": ";
        out.append(f.value());
        out += "\r\n";
    }
    out += "\r\n";
    out += req.body();
    return out;
}

void http_connection::note_reuse_(bool answered) {
    // A server that hangs up after every response without "Connection: close" makes our next
    // request on that connection race with the hang-up, and lose often: each loss costs an
    // attempt and, for a write, a read-back. When at least two reuses died unanswered and they
    // are more than a third of all reuses, stop reusing connections. (An occasional reset on a
    // healthy server does not turn keep-alive off: with TLS that would cost a handshake a
    // request.)
    ++(answered ? reuse_answered_ : reuse_lost_);
    if (reuse_lost_ >= 2 && reuse_lost_ * 2 > reuse_answered_) keep_alive_ = false;
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

    const std::string wire = serialize_request(req);
    auto [wec, written] =
        co_await asio::async_write(s, asio::buffer(wire), asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (wec) {
        close();
        if (reused) note_reuse_(false);
        // The request was not complete, so the server cannot have acted on it.
        out.failure = attempt_failure::reset_before_send;
        out.detail = wec == beast::error::timeout
                         ? "timed out while sending the request"
                         : "connection lost while sending: " + wec.message();
        co_return out;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(opts_.body_limit);
    if (timeout.count() > 0) lowest.expires_at(deadline);
    auto [rec, read] =
        co_await http::async_read(s, buffer_, parser, asio::as_tuple(asio::use_awaitable));
    (void)read;
    if (rec) {
        bool got_some = parser.got_some();
        close();
        if (rec == beast::error::timeout) {
            out.failure = attempt_failure::timeout;
            out.detail = "no complete response within " + ms_text(timeout);
        } else if (rec == http::error::body_limit) {
            out.failure = attempt_failure::bad_response;
            out.detail =
                "response body over the " + std::to_string(opts_.body_limit) + "-byte limit";
        } else if (is_http_parse_error(rec)) {
            out.failure = attempt_failure::bad_response;
            out.detail = "malformed HTTP response: " + rec.message();
        } else if (got_some) {
            out.failure = attempt_failure::bad_response;
            out.detail = "connection closed in the middle of the response";
        } else {
            if (reused) note_reuse_(false);
            out.failure = attempt_failure::reset_after_send;
            out.detail = rec == asio::error::connection_reset ? "connection reset after sending"
                                                              : "connection closed after sending";
        }
        co_return out;
    }
    out.response = parser.release();
    if (reused) note_reuse_(true);
    if (!out.response.keep_alive() || !keep_alive_) close();
    co_return out;
}

asio::awaitable<http_exchange> http_connection::send(http::request<http::string_body> req) {
    if (cancelled_) {
        http_exchange out;
        out.failure = attempt_failure::cancelled;
        out.detail = "not sent: the run stopped";
        co_return out;
    }
    if (req.find(http::field::host) == req.end()) req.set(http::field::host, ep_.host_header);
    if (proxy_ && !ep_.tls) {
        // Plain http through a proxy: absolute-form request target (RFC 9112 §3.2.2).
        if (!req.target().starts_with("http://"))
            req.target("http://" + ep_.host_header + std::string(req.target()));
        if (!proxy_->authorization.empty())
            req.set(http::field::proxy_authorization, proxy_->authorization);
    }
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
