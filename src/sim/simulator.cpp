// The simulator's network shell: accept loop and one coroutine per connection (plain TCP or TLS),
// keep-alive with an idle timeout, 413/431 on oversized requests, and the faults the core decides
// (latency, reset before/after applying, stall, truncated body). The core runs under one mutex.
#include "cmbulk/sim/simulator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cmbulk::sim {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct simulator::impl {
    sim_options opts;
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::unique_ptr<asio::ssl::context> tls;
    std::optional<asio::signal_set> signals;
    std::mutex mu;  // guards core (the only shared state)
    core state;
    std::vector<std::thread> threads;
    unsigned short port = 0;

    explicit impl(sim_options o)
        : opts(std::move(o)), state(opts.core, opts.initial, clock_type::now()) {}

    response handle(const request& req) {
        std::lock_guard lock(mu);
        return state.handle(req, clock_type::now());
    }
};

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

template <class Stream>
tcp::socket& raw_socket(Stream& s) {
    return beast::get_lowest_layer(s).socket();
}

// Closes with RST (SO_LINGER 0): the client sees "connection reset", not a clean end.
template <class Stream>
void reset_connection(Stream& s) {
    beast::error_code ec;
    raw_socket(s).set_option(asio::socket_base::linger(true, 0), ec);
    raw_socket(s).close(ec);
}

http::response<http::string_body> to_beast(const response& r, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "cmbulk-sim");
    for (auto& [k, v] : r.headers) res.insert(k, v);
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    res.body() = r.body;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

template <class Stream>
asio::awaitable<void> send_and_close(Stream& stream, response r) {
    auto res = to_beast(r, 11, false);
    co_await http::async_write(stream, res, tuple_awaitable);
}

/// The answer to a request that could not be read because it is too large, if that is why.
std::optional<response> limit_reply(const beast::error_code& ec, const simulator::impl& s) {
    if (ec == http::error::body_limit)
        return error_response(
            413, "PAYLOAD_TOO_LARGE",
            "The request body is larger than " + std::to_string(s.opts.body_limit) + " bytes.");
    if (ec == http::error::header_limit)
        return error_response(
            431, "HEADERS_TOO_LARGE",
            "The request header is larger than " + std::to_string(s.opts.header_limit) + " bytes.");
    return std::nullopt;
}

/// The core's view of one parsed request.
request to_request(http::request<http::string_body>& msg, const simulator::impl& s, bool loopback,
                   const std::string& remote, const std::string& scheme) {
    request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (auto& f : msg) req.headers[lower(f.name_string())] = std::string(f.value());
    req.body = std::move(msg.body());
    req.loopback = loopback;
    req.remote_address = remote;
    auto host = msg[http::field::host];
    req.origin =
        scheme + "://" +
        (host.empty() ? s.opts.listen_host + ":" + std::to_string(s.port) : std::string(host));
    return req;
}

/// --verbose: one line per request, never a secret (no headers, no bodies, no query strings).
void log_request(const request& req, const response& r) {
    auto q = req.target.find('?');
    std::fprintf(
        stderr, "cmbulk-sim: %s %s -> %d%s%s\n", req.method.c_str(),
        req.target.substr(0, q).c_str(), r.status,
        r.fault == fault_kind::none ? "" : " fault=", std::string(to_string(r.fault)).c_str());
}

/// Plays a connection-level fault (reset, stall, truncated answer); true when it ended the
/// connection, false for an answer to send as usual.
template <class Stream>
asio::awaitable<bool> play_fault(simulator::impl& s, Stream& stream, const response& r,
                                 unsigned version) {
    switch (r.fault) {
        case fault_kind::reset_before:
        case fault_kind::reset_after:
            reset_connection(stream);
            co_return true;
        case fault_kind::stall: {
            // Hold the connection, reading and discarding, until the client closes or the cap.
            beast::get_lowest_layer(stream).expires_after(s.opts.stall_cap);
            char sink[1024];
            for (;;) {
                auto [rec, rn] = co_await raw_socket(stream).async_read_some(asio::buffer(sink),
                                                                             tuple_awaitable);
                (void)rn;
                if (rec) break;
            }
            reset_connection(stream);
            co_return true;
        }
        case fault_kind::truncate: {
            auto res = to_beast(r, version, false);
            std::ostringstream head;
            head << res.base();
            std::string wire = head.str() + r.body.substr(0, r.body.size() / 2);
            beast::get_lowest_layer(stream).expires_after(s.opts.idle_timeout);
            co_await asio::async_write(stream, asio::buffer(wire), tuple_awaitable);
            reset_connection(stream);
            co_return true;
        }
        default:
            co_return false;
    }
}

template <class Stream>
asio::awaitable<void> serve(simulator::impl& s, Stream stream, bool loopback, std::string remote,
                            std::string scheme) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(s.opts.header_limit));
        parser.body_limit(s.opts.body_limit);
        beast::get_lowest_layer(stream).expires_after(s.opts.idle_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
        (void)n;
        if (auto too_large = limit_reply(ec, s)) {
            co_await send_and_close(stream, std::move(*too_large));
            break;
        }
        if (ec) break;  // end of stream, idle timeout, or garbage: close.
        auto& msg = parser.get();
        bool keep_alive = msg.keep_alive();
        unsigned version = msg.version();
        request req = to_request(msg, s, loopback, remote, scheme);
        response r = s.handle(req);
        if (s.opts.verbose) log_request(req, r);
        beast::get_lowest_layer(stream).expires_never();
        if (r.delay.count() > 0) {
            asio::steady_timer timer(co_await asio::this_coro::executor);
            timer.expires_after(r.delay);
            co_await timer.async_wait(tuple_awaitable);
        }
        bool ended = co_await play_fault(s, stream, r, version);
        if (ended) co_return;
        auto res = to_beast(r, version, keep_alive);
        beast::get_lowest_layer(stream).expires_after(s.opts.idle_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, tuple_awaitable);
        (void)wn;
        if (wec || !keep_alive) break;
    }
    beast::error_code ec;
    raw_socket(stream).shutdown(tcp::socket::shutdown_send, ec);
}

/// The client's address as text (for the access list) and whether it is a loopback one.
std::pair<std::string, bool> remote_of(const tcp::socket& sock) {
    beast::error_code ec;
    auto remote = sock.remote_endpoint(ec);
    if (ec) return {std::string(), false};
    auto addr = remote.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    return {addr.to_string(), addr.is_loopback()};
}

asio::awaitable<void> serve_plain(simulator::impl& s, tcp::socket sock) {
    auto [remote, loopback] = remote_of(sock);
    co_await serve(s, beast::tcp_stream(std::move(sock)), loopback, remote, "http");
}

asio::awaitable<void> serve_tls(simulator::impl& s, tcp::socket sock) {
    auto [remote, loopback] = remote_of(sock);
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(sock)), *s.tls);
    beast::get_lowest_layer(stream).expires_after(s.opts.idle_timeout);
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (hec) co_return;
    co_await serve(s, std::move(stream), loopback, remote, "https");
}

asio::awaitable<void> accept_loop(simulator::impl& s) {
    for (;;) {
        auto [ec, sock] =
            co_await s.acceptor.async_accept(asio::make_strand(s.ioc), tuple_awaitable);
        if (ec) {
            if (!s.acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
            continue;  // e.g. too many open files: keep serving the others
        }
        beast::error_code nec;
        sock.set_option(tcp::no_delay(true), nec);
        auto ex = sock.get_executor();
        auto on_done = [&s](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                if (s.opts.verbose)
                    std::fprintf(stderr, "cmbulk-sim: connection error: %s\n", ex.what());
            }
        };
        if (s.tls)
            asio::co_spawn(ex, serve_tls(s, std::move(sock)), on_done);
        else
            asio::co_spawn(ex, serve_plain(s, std::move(sock)), on_done);
    }
}

}  // namespace

std::string bind_error(const std::string& host, unsigned short port,
                       const boost::system::error_code& ec) {
    std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                        std::to_string(port);
    std::string out = "cannot listen on " + where + ": " + ec.message();
    if (ec == asio::error::address_in_use)
        out += " (another cmbulk-sim? choose a port with --listen " + host + ":PORT, or " + host +
               ":0 for a free one)";
    else if (ec == asio::error::access_denied)
        out += " (ports below 1024 need privileges: choose one with --listen " + host +
               ":PORT, or " + host + ":0 for a free one)";
    return out;
}

simulator::simulator(sim_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}

simulator::~simulator() {
    stop();
    for (auto& t : impl_->threads)
        if (t.joinable()) t.join();
}

unsigned short simulator::start() {
    auto& s = *impl_;
    if (!s.opts.tls_cert.empty() || !s.opts.tls_key.empty()) {
        if (s.opts.tls_cert.empty() || s.opts.tls_key.empty())
            throw std::runtime_error("--tls-cert and --tls-key go together");
        s.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
        s.tls->use_certificate_chain_file(s.opts.tls_cert);
        s.tls->use_private_key_file(s.opts.tls_key, asio::ssl::context::pem);
    }
    std::string host = s.opts.listen_host == "localhost" ? "127.0.0.1" : s.opts.listen_host;
    tcp::endpoint ep(asio::ip::make_address(host), s.opts.listen_port);
    s.acceptor.open(ep.protocol());
    s.acceptor.set_option(asio::socket_base::reuse_address(true));
    beast::error_code ec;
    s.acceptor.bind(ep, ec);
    if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error(bind_error(s.opts.listen_host, s.opts.listen_port, ec));
    s.port = s.acceptor.local_endpoint().port();
    asio::co_spawn(s.ioc, accept_loop(s), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    if (!s.opts.port_file.empty()) {
        auto tmp = s.opts.port_file + ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << s.port << "\n";
            if (!out) throw std::runtime_error("cannot write the port file " + tmp);
        }
        std::filesystem::rename(tmp, s.opts.port_file);
    }
    return s.port;
}

unsigned short simulator::port() const { return impl_->port; }

void simulator::run() {
    auto& s = *impl_;
    for (int i = 1; i < s.opts.threads; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
    s.ioc.run();
    for (auto& t : s.threads)
        if (t.joinable()) t.join();
    s.threads.clear();
}

void simulator::run_in_background() {
    auto& s = *impl_;
    for (int i = 0; i < std::max(1, s.opts.threads); ++i)
        s.threads.emplace_back([&s] { s.ioc.run(); });
}

void simulator::stop() {
    auto& s = *impl_;
    asio::post(s.ioc, [&s] {
        beast::error_code ec;
        s.acceptor.close(ec);
        if (s.signals) s.signals->cancel(ec);
        s.ioc.stop();
    });
}

void simulator::stop_on_signals() {
    auto& s = *impl_;
    s.signals.emplace(s.ioc, SIGINT, SIGTERM);
    s.signals->async_wait([this](const beast::error_code& ec, int) {
        if (!ec) stop();
    });
}

boost::json::value simulator::state_json() {
    std::lock_guard lock(impl_->mu);
    return impl_->state.state_json();
}

boost::json::value simulator::log_json() {
    std::lock_guard lock(impl_->mu);
    return impl_->state.log_json();
}

void simulator::with_core(const std::function<void(core&)>& f) {
    std::lock_guard lock(impl_->mu);
    f(impl_->state);
}

}  // namespace cmbulk::sim
