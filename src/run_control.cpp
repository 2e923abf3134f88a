// The stop controller; see run_control.hpp.
#include "cmbulk/run_control.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <exception>
#include <ostream>

namespace cmbulk {
namespace asio = boost::asio;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// Keeps a timer registered with the controller while a wait is in progress (also when the
/// coroutine frame is destroyed mid-wait).
struct registration {
    std::function<void()> undo;
    ~registration() { undo(); }
};
}  // namespace

run_control::run_control(asio::any_io_executor ex, std::chrono::milliseconds grace,
                         std::ostream* err)
    : ex_(ex), grace_(grace), err_(err), grace_timer_(ex) {}

run_control::~run_control() = default;

std::string_view run_control::signal_name() const {
    switch (signal_) {
        case 0:
            return "";
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
    }
    return "a signal";
}

void run_control::listen_for_signals() {
    if (!signals_) signals_ = std::make_unique<asio::signal_set>(ex_, SIGINT, SIGTERM);
    signals_->async_wait([this](boost::system::error_code ec, int sig) {
        if (ec) return;  // stop_listening()
        interrupt(sig);
        if (!hard_) listen_for_signals();
    });
}

void run_control::stop_listening() {
    if (signals_) {
        boost::system::error_code ec;
        signals_->cancel(ec);
    }
    grace_timer_.cancel();
}

void run_control::interrupt(int signal_number) {
    if (signal_ != 0) {
        if (err_ && !hard_) *err_ << "cmbulk: " << signal_name() << " again: stopping now\n";
        hard_stop();
        return;
    }
    signal_ = signal_number;
    stopping_ = true;
    if (err_) {
        *err_ << "\ncmbulk: interrupted (" << signal_name() << "): nothing new is started; ";
        if (grace_.count() > 0)
            *err_ << "requests in flight get up to " << static_cast<double>(grace_.count()) / 1000
                  << " s (again to stop now)\n";
        else
            *err_ << "stopping now (--grace 0)\n";
    }
    if (grace_.count() <= 0) {
        hard_stop();
        return;
    }
    grace_timer_.expires_after(grace_);
    grace_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || hard_) return;
        if (err_) *err_ << "cmbulk: --grace is over: stopping now\n";
        hard_stop();
    });
}

void run_control::stop() { stopping_ = true; }

void run_control::fail(std::string message) {
    if (fatal_message_.empty()) fatal_message_ = message.empty() ? "fatal error" : message;
    stopping_ = true;
}

void run_control::hard_stop() {
    if (hard_) return;
    hard_ = stopping_ = true;
    grace_timer_.cancel();
    for (auto* t : std::vector(timers_)) t->cancel();
    // A hook may drop its own handle (or another's) while it runs: run a copy.
    auto hooks = hooks_;
    for (auto& [id, f] : hooks) f();
}

void run_control::add_(asio::steady_timer* t) { timers_.push_back(t); }

void run_control::remove_(asio::steady_timer* t) {
    auto it = std::find(timers_.begin(), timers_.end(), t);
    if (it != timers_.end()) timers_.erase(it);
}

asio::awaitable<bool> run_control::sleep(std::chrono::steady_clock::duration d) {
    if (hard_) co_return false;
    asio::steady_timer timer(ex_, d);
    add_(&timer);
    registration reg{[this, &timer] { remove_(&timer); }};
    co_await timer.async_wait(as_tuple_awaitable);
    co_return !hard_;
}

run_control::event::event(run_control& ctl) : ctl_(ctl), timer_(ctl.ex_) {
    timer_.expires_at(asio::steady_timer::time_point::max());
}

run_control::event::~event() { ctl_.remove_(&timer_); }

asio::awaitable<bool> run_control::event::wait() {
    if (ctl_.hard_) co_return false;
    ctl_.add_(&timer_);
    registration reg{[this] { ctl_.remove_(&timer_); }};
    co_await timer_.async_wait(as_tuple_awaitable);
    co_return !ctl_.hard_;
}

void run_control::event::notify_all() { timer_.cancel(); }

run_control::hook run_control::on_hard_stop(std::function<void()> f) {
    if (hard_) {
        f();
        return {};
    }
    auto id = next_hook_++;
    hooks_.emplace_back(id, std::move(f));
    return hook(this, id);
}

run_control::hook::~hook() {
    if (!ctl_) return;
    auto& v = ctl_->hooks_;
    v.erase(std::remove_if(v.begin(), v.end(), [this](auto& h) { return h.first == id_; }),
            v.end());
}

void run_to_completion(asio::io_context& ioc, run_control& ctl,
                       std::function<asio::awaitable<void>()> work) {
    std::exception_ptr failure;
    ctl.listen_for_signals();
    asio::co_spawn(ioc, work(), [&](std::exception_ptr e) {
        failure = e;
        ctl.stop_listening();
    });
    ioc.run();
    ioc.restart();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace cmbulk
