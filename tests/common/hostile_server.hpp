// A purpose-built misbehaving HTTP server for tests: listens on 127.0.0.1:0, runs one thread per
// connection, and hands each connection to a test-supplied behaviour (answer garbage, drip bytes,
// never finish, redirect, close...). Every wait is bounded and the destructor stops and joins all
// threads, so a test using it cannot hang.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cmbulk::test {

/// One request as the server read it.
struct hostile_request {
    std::string method, target;
    std::string head;  ///< the request line and headers, as received
    std::string body;
    /// A header value (name case-insensitive); empty if absent.
    std::string header(std::string_view name) const;
};

/// One accepted connection, as seen by a behaviour.
class hostile_connection {
public:
    hostile_connection(int fd, const std::atomic<bool>& stop) : fd_(fd), stop_(stop) {}
    /// Reads one request (headers + Content-Length body) within `timeout`; false on EOF,
    /// error, timeout or stop.
    bool read_request(hostile_request& out,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Writes all bytes (bounded by 10 s and the stop flag); false on error.
    bool write(std::string_view bytes);
    /// Sleeps up to `d`, returning early (false) when the server stops.
    bool sleep(std::chrono::milliseconds d);
    bool stopping() const { return stop_.load(); }
    /// Everything the client sent on this connection so far.
    const std::string& received() const { return received_; }

private:
    int fd_;
    const std::atomic<bool>& stop_;
    std::string buffer_;
    std::string received_;
};

/// A server whose every connection runs `behaviour` on its own thread; the connection is closed
/// when the behaviour returns.
class hostile_server {
public:
    using behaviour = std::function<void(hostile_connection&)>;
    explicit hostile_server(behaviour b);
    ~hostile_server();
    hostile_server(const hostile_server&) = delete;
    hostile_server& operator=(const hostile_server&) = delete;

    unsigned short port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    /// Connections accepted so far.
    int connections() const { return connections_.load(); }
    /// All bytes every connection received, concatenated (for secret scans).
    std::string all_received() const;
    /// Stops accepting, wakes every behaviour and joins all threads (the destructor calls it).
    void stop();

private:
    void accept_loop_();

    behaviour behaviour_;
    int listen_fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread acceptor_;
    mutable std::mutex mu_;
    std::vector<std::thread> workers_;
    std::string received_;
};

/// A complete HTTP/1.1 response with Content-Length (and `extra_headers`, each ending in \r\n).
std::string http_response_text(int status, std::string_view body,
                               std::string_view content_type = "application/json",
                               std::string_view extra_headers = {});

}  // namespace cmbulk::test
