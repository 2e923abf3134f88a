// cmbulk-sim's network shell: a Beast HTTP/1.1 server (plain TCP or TLS) with keep-alive, idle
// timeouts, body and header limits, that hands each request to the pure core (core.hpp) under one
// mutex and carries out the core's fault decisions (latency, resets, stalls, truncated bodies).
// Usable in-process by tests and by the cmbulk-sim executable.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "cmbulk/sim/core.hpp"

namespace cmbulk::sim {

/// Everything the simulator can be told (cmbulk-sim's command line maps onto this).
struct sim_options {
    /// Address to listen on (an IP address, or "localhost").
    std::string listen_host = "127.0.0.1";
    /// Port to listen on; 0 picks a free port (start() returns it).
    unsigned short listen_port = 0;
    /// If set, the port followed by "\n" is written here once listening (atomically, via rename).
    std::string port_file;
    /// PEM certificate chain and private key: both set means HTTPS instead of HTTP.
    std::string tls_cert;
    std::string tls_key;
    /// Number of io_context threads (the core is guarded by one mutex).
    int threads = 1;
    /// One line per request on stderr (method, path, status, key id, fault; never a secret).
    bool verbose = false;
    /// A keep-alive connection idle this long (or a request this slow to arrive) is closed.
    std::chrono::seconds idle_timeout{30};
    /// Largest request body accepted; larger answers 413 and closes the connection.
    std::size_t body_limit = 1024 * 1024;
    /// Largest request header accepted; larger answers 431 and closes the connection.
    std::size_t header_limit = 16 * 1024;
    /// The longest a "stall" fault holds a connection before closing it.
    std::chrono::seconds stall_cap{120};
    /// The core's options: auth, rate limits, faults, pagination.
    core_options core;
    /// The initial state (from --seed or --generate); POST /__sim/reset returns to it.
    world initial;
};

/// The simulator: bind with start(), then run() (blocking) or run_in_background(); stop() ends it.
class simulator {
public:
    explicit simulator(sim_options opts);
    ~simulator();
    simulator(const simulator&) = delete;
    simulator& operator=(const simulator&) = delete;

    /// Binds and listens, writes the port file; returns the port. Throws on failure.
    unsigned short start();
    /// Runs the server on sim_options::threads threads (this one included) until stop().
    void run();
    /// Runs the server on internal threads and returns at once; stop() (or the destructor) joins.
    void run_in_background();
    /// Stops accepting and ends run(); safe from any thread and from a signal handler callback.
    void stop();
    /// Makes SIGINT and SIGTERM call stop() (call before run()).
    void stop_on_signals();
    /// The port listened on (after start()).
    unsigned short port() const;

    /// GET /__sim/state's document (secrets in clear, counters), taken under the lock.
    boost::json::value state_json();
    /// GET /__sim/requests's document, taken under the lock.
    boost::json::value log_json();
    /// Runs `f` on the core under the lock (tests, admin).
    void with_core(const std::function<void(core&)>& f);

    /// The implementation (defined in simulator.cpp only).
    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

/// The message of a failed bind: the address, the system's reason and, when the port is taken,
/// how to choose another ("cannot listen on 127.0.0.1:8080: Address already in use (another
/// cmbulk-sim? choose a port with --listen 127.0.0.1:PORT, or 127.0.0.1:0 for a free one)").
std::string bind_error(const std::string& host, unsigned short port,
                       const boost::system::error_code& ec);

/// The version banner ("cmbulk-sim X.Y.Z").
std::string banner();

}  // namespace cmbulk::sim
