// The misbehaving test server: POSIX sockets with poll() in 100 ms slices so every loop notices
// the stop flag; one thread per connection, all joined by stop().
#include "common/hostile_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace cmbulk::test {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// Waits for `events` on fd for at most 100 ms; true when ready.
bool wait_fd(int fd, short events) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, 100) > 0;
}

}  // namespace

std::string hostile_request::header(std::string_view name) const {
    std::string h = lower(head);
    std::string key = "\r\n" + lower(name) + ":";
    auto at = h.find(key);
    if (at == std::string::npos) return {};
    auto start = at + key.size();
    auto end = head.find("\r\n", start);
    std::string v = head.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    return v;
}

bool hostile_connection::read_request(hostile_request& out, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto fill = [&]() -> bool {
        while (!stop_.load() && std::chrono::steady_clock::now() < deadline) {
            if (!wait_fd(fd_, POLLIN)) continue;
            char buf[4096];
            auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return false;
            buffer_.append(buf, static_cast<std::size_t>(n));
            received_.append(buf, static_cast<std::size_t>(n));
            return true;
        }
        return false;
    };
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return false;
    out = {};
    out.head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    auto sp1 = out.head.find(' ');
    auto sp2 = out.head.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
    out.method = out.head.substr(0, sp1);
    out.target = out.head.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t length = 0;
    if (auto cl = out.header("Content-Length"); !cl.empty()) length = std::stoul(cl);
    while (buffer_.size() < length)
        if (!fill()) return false;
    out.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return true;
}

bool hostile_connection::write(std::string_view bytes) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!bytes.empty()) {
        if (stop_.load() || std::chrono::steady_clock::now() >= deadline) return false;
        if (!wait_fd(fd_, POLLOUT)) continue;
        auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool hostile_connection::sleep(std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
        if (stop_.load()) return false;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
    }
    return !stop_.load();
}

hostile_server::hostile_server(behaviour b) : behaviour_(std::move(b)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0) throw std::runtime_error("hostile_server: socket failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
        ::close(listen_fd_);
        throw std::runtime_error("hostile_server: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop_(); });
}

hostile_server::~hostile_server() { stop(); }

void hostile_server::accept_loop_() {
    while (!stop_.load()) {
        if (!wait_fd(listen_fd_, POLLIN)) continue;
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) continue;
        ++connections_;
        std::lock_guard lock(mu_);
        workers_.emplace_back([this, fd] {
            hostile_connection c(fd, stop_);
            try {
                behaviour_(c);
            } catch (...) {
                // A behaviour that throws just drops the connection.
            }
            ::shutdown(fd, SHUT_RDWR);
            ::close(fd);
            std::lock_guard lock(mu_);
            received_ += c.received();
        });
    }
}

void hostile_server::stop() {
    if (stop_.exchange(true)) return;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> workers;
    {
        std::lock_guard lock(mu_);
        workers.swap(workers_);
    }
    for (auto& t : workers)
        if (t.joinable()) t.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
}

std::string hostile_server::all_received() const {
    std::lock_guard lock(mu_);
    return received_;
}

std::string http_response_text(int status, std::string_view body, std::string_view content_type,
                               std::string_view extra_headers) {
    std::string reason = status == 200   ? "OK"
                         : status == 201 ? "Created"
                         : status == 302 ? "Found"
                         : status == 429 ? "Too Many Requests"
                         : status == 503 ? "Service Unavailable"
                                         : "Status";
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    if (!content_type.empty()) out += "Content-Type: " + std::string(content_type) + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += std::string(extra_headers);
    out += "\r\n";
    out += std::string(body);
    return out;
}

}  // namespace cmbulk::test
