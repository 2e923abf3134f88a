// One keep-alive HTTP/1.1 connection of the client over TCP or TLS (Beast), through a proxy
// when the environment names one, with connect and request timeouts and a response body limit.
// Every failure is mapped onto attempt_failure (retry.hpp) and closes the connection; the next
// send opens a fresh one. Also the request serializer it writes with.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cmbulk/proxy.hpp"
#include "cmbulk/retry.hpp"
#include "cmbulk/url.hpp"

namespace cmbulk {

/// Timeouts and limits of one connection; zero timeouts mean "off".
struct http_options {
    std::chrono::milliseconds connect_timeout{10000};  ///< resolve + TCP connect + TLS handshake
    std::chrono::milliseconds request_timeout{
        30000};                                 ///< write of the request + read of the response
    std::size_t body_limit = 16 * 1024 * 1024;  ///< largest response body accepted
    bool proxy_from_environment = true;         ///< honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY
};

/// A request as it goes on the wire: the request line, the fields in their order, a blank line
/// and the body; byte for byte what Beast's serializer writes for a request framed by
/// Content-Length (set by prepare_payload). Built in one string, because Beast's buffer
/// sequences cost more CPU than the rest of a request (measured, docs/performance.md).
/// Chunked requests are not supported (nothing here sends one).
std::string serialize_request(
    const boost::beast::http::request<boost::beast::http::string_body>& req);

/// What one exchange gave.
struct http_exchange {
    attempt_failure failure = attempt_failure::none;  ///< none: `response` holds a whole response
    std::string detail;  ///< short description of a transport failure (never request content)
    boost::beast::http::response<boost::beast::http::string_body> response;
    bool reused_connection = false;  ///< the request went over an already open connection
};

struct connect_clock;  // http_connection.cpp: what is left of the connect timeout

/// One keep-alive connection. One coroutine at a time may use it. Any error or timeout closes
/// it (a TLS stream is never reused after a timeout); the next send opens a fresh one. A
/// response with `Connection: close` (or HTTP/1.0 without keep-alive) closes it as well. When a
/// server keeps hanging up reused connections before answering (two losses, and more than a
/// third of the reuses), no connection is reused any more.
class http_connection {
public:
    /// `tls_ctx` is required when `ep.tls`.
    http_connection(boost::asio::any_io_executor ex, http_endpoint ep,
                    std::shared_ptr<boost::asio::ssl::context> tls_ctx, http_options opts);
    ~http_connection();
    http_connection(const http_connection&) = delete;
    http_connection& operator=(const http_connection&) = delete;

    /// Sends one request (Host is set here if missing) and reads its response.
    boost::asio::awaitable<http_exchange> send(
        boost::beast::http::request<boost::beast::http::string_body> req);
    /// Closes the connection now (no TLS close_notify: a truncated-stream shutdown is harmless).
    void close();
    /// Stops now, from another coroutine: a resolve, connect, write or read in flight ends at
    /// once (its send() returns a failure), and every later send() fails with
    /// attempt_failure::cancelled without connecting. The run engine's hard stop.
    void cancel();
    bool is_open() const;
    /// How many connections (TCP connects that succeeded) this object opened so far.
    std::uint64_t connections_opened() const { return opened_; }
    const http_endpoint& endpoint() const { return ep_; }

private:
    boost::asio::awaitable<http_exchange> connect_();
    /// Resolves the first hop and opens the TCP connection; "" or why not.
    boost::asio::awaitable<std::string> open_tcp_(const connect_clock& clock,
                                                  std::unique_ptr<boost::beast::tcp_stream>& s);
    /// Through the proxy's tunnel when there is one, the TLS handshake; "" or why not.
    boost::asio::awaitable<std::string> start_tls_(const connect_clock& clock,
                                                   boost::beast::tcp_stream& s);
    template <class Stream>
    boost::asio::awaitable<http_exchange> exchange_(
        Stream& s, boost::beast::http::request<boost::beast::http::string_body>& req, bool reused);
    bool peer_closed_();
    boost::asio::awaitable<std::string> tunnel_(boost::beast::tcp_stream& s);

    boost::asio::any_io_executor ex_;
    http_endpoint ep_;
    std::shared_ptr<boost::asio::ssl::context> tls_ctx_;
    http_options opts_;
    std::unique_ptr<boost::beast::tcp_stream> tcp_;
    std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
    boost::beast::flat_buffer buffer_;
    std::uint64_t opened_ = 0;
    /// Counts of requests sent over a reused connection: answered, or lost (the connection died
    /// before any byte of the answer). Too many losses turn keep_alive_ off (see note_reuse_).
    std::uint64_t reuse_answered_ = 0, reuse_lost_ = 0;
    bool keep_alive_ = true;
    void note_reuse_(bool answered);
    std::optional<proxy_config> proxy_;  ///< the proxy this connection goes through, if any
    std::string proxy_error_;            ///< an unusable proxy variable: every connect fails
    bool cancelled_ = false;             ///< cancel() was called: nothing more is sent
    std::shared_ptr<boost::asio::ip::tcp::resolver> resolving_;  ///< during connect_, for cancel
    boost::beast::tcp_stream* connecting_ = nullptr;             ///< during connect_, for cancel
};

}  // namespace cmbulk
