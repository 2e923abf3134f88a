// The one stop controller of a run (apply, plan, audit alike): why the run stops and the
// cancellation every wait honours. A first SIGINT or SIGTERM (or --max-failures, or a fatal
// error) stops dispatch: no new item starts, items in flight go on; after a signal they get
// --grace. A second signal, or the end of the grace, is the hard stop: every wait registered here
// ends at once (a row's backoff, the gate's Retry-After pause, the auth gate, the token
// provider's wait through a hook) and the hooks cancel the connections (connect, read).
// Everything runs on one io_context thread: no locks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk {

class run_control {
public:
    /// `grace`: how long items in flight get after a first signal (zero: the first signal stops
    /// hard). `err`: where the signal messages go (nullptr: nowhere).
    run_control(boost::asio::any_io_executor ex, std::chrono::milliseconds grace,
                std::ostream* err = nullptr);
    ~run_control();
    run_control(const run_control&) = delete;
    run_control& operator=(const run_control&) = delete;

    /// Starts listening for SIGINT and SIGTERM (until stop_listening()).
    void listen_for_signals();
    /// Stops listening and ends the grace timer, so the io_context can run out.
    void stop_listening();

    /// A signal arrived (what the signal handler calls; tests call it directly): the first
    /// stops dispatch and starts the grace, the second stops hard.
    void interrupt(int signal_number);
    /// No new items: --max-failures, or the end of the work.
    void stop();
    /// The run cannot go on (wrong credentials, unreachable server, a checkpoint that cannot be
    /// written): no new items; the first message is kept for the summary.
    void fail(std::string message);
    /// Every wait ends now and the hooks run (connections are cancelled).
    void hard_stop();

    bool stopping() const { return stopping_; }
    bool hard_stopped() const { return hard_; }
    bool interrupted() const { return signal_ != 0; }
    bool fatal() const { return !fatal_message_.empty(); }
    const std::string& fatal_message() const { return fatal_message_; }
    /// "SIGINT" or "SIGTERM" ("" before any signal).
    std::string_view signal_name() const;

    /// Sleeps `d`, or less if the hard stop comes first. False when the hard stop cut it short
    /// (or had come already).
    boost::asio::awaitable<bool> sleep(std::chrono::steady_clock::duration d);

    /// A condition to wait for (the auth gate, more work): wait() returns after a notify_all()
    /// or the hard stop, whichever comes first; callers re-check their condition in a loop.
    class event {
    public:
        explicit event(run_control& ctl);
        ~event();
        event(const event&) = delete;
        event& operator=(const event&) = delete;
        /// False when it returned because of the hard stop.
        boost::asio::awaitable<bool> wait();
        void notify_all();

    private:
        run_control& ctl_;
        boost::asio::steady_timer timer_;
    };

    /// `f` runs once at the hard stop (at once if it came already) while the returned handle
    /// lives. The engine cancels its senders and the token providers this way.
    class hook {
    public:
        hook() = default;
        hook(run_control* ctl, std::uint64_t id) : ctl_(ctl), id_(id) {}
        ~hook();
        hook(hook&& o) noexcept : ctl_(o.ctl_), id_(o.id_) { o.ctl_ = nullptr; }
        hook& operator=(hook&&) = delete;

    private:
        run_control* ctl_ = nullptr;
        std::uint64_t id_ = 0;
    };
    [[nodiscard]] hook on_hard_stop(std::function<void()> f);

    /// Waits registered now (tests).
    std::size_t waiting() const { return timers_.size(); }

private:
    void add_(boost::asio::steady_timer* t);
    void remove_(boost::asio::steady_timer* t);

    boost::asio::any_io_executor ex_;
    std::chrono::milliseconds grace_;
    std::ostream* err_;
    std::unique_ptr<boost::asio::signal_set> signals_;
    boost::asio::steady_timer grace_timer_;
    bool stopping_ = false, hard_ = false;
    int signal_ = 0;
    std::string fatal_message_;
    std::vector<boost::asio::steady_timer*> timers_;  ///< every wait in progress
    std::vector<std::pair<std::uint64_t, std::function<void()>>> hooks_;
    std::uint64_t next_hook_ = 1;
};

/// Runs `work` on `ioc` to completion with `ctl` listening for signals, then restarts `ioc`.
/// Rethrows the work's exception (a bug: expected failures are values).
void run_to_completion(boost::asio::io_context& ioc, run_control& ctl,
                       std::function<boost::asio::awaitable<void>()> work);

}  // namespace cmbulk
