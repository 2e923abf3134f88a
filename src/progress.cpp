// Progress line on stderr; see progress.hpp. The text comes from format_progress
// (progress_line.hpp); this file decides where it goes, how often and how wide.
#include "cmbulk/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "cmbulk/progress_line.hpp"

namespace cmbulk {

double request_rate::update(std::chrono::steady_clock::time_point now, std::uint64_t requests) {
    samples_.emplace_back(now, requests);
    // Keep one sample at or before the window's start, so the rate spans the whole window.
    while (samples_.size() > 2 && now - samples_[1].first >= window_) samples_.pop_front();
    const auto& [t0, n0] = samples_.front();
    double secs = std::chrono::duration<double>(now - t0).count();
    if (secs <= 0 || requests < n0) return 0;
    return static_cast<double>(requests - n0) / secs;
}

std::size_t progress_width(const char* columns_env, int tty_columns) {
    std::size_t cols = 0;
    if (columns_env && *columns_env) {
        std::string_view s(columns_env);
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), cols);
        if (ec != std::errc{} || p != s.data() + s.size()) cols = 0;
    }
    if (cols == 0 && tty_columns > 0) cols = static_cast<std::size_t>(tty_columns);
    if (cols == 0) cols = 80;
    return cols > 1 ? cols - 1 : 1;
}

progress_meter::progress_meter(std::ostream& out, progress_mode mode)
    : out_(out), quiet_(mode == progress_mode::quiet) {
    const char* term = std::getenv("TERM");
    bool tty = isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
    live_ = mode == progress_mode::live || (mode == progress_mode::automatic && tty);
    if (mode == progress_mode::plain) live_ = false;
    if (live_) width_ = terminal_width();
}

void progress_meter::start(std::uint64_t total, std::string_view unit) {
    total_ = total;
    unit_ = unit;
    started_ = std::chrono::steady_clock::now();
    rate_ = request_rate{};
}

std::chrono::milliseconds progress_meter::interval() const {
    return live_ ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5000);
}

std::size_t progress_meter::terminal_width() {
    int cols = 0;
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) cols = ws.ws_col;
    return progress_width(std::getenv("COLUMNS"), cols);
}

void progress_meter::on_resize(std::size_t width, std::chrono::steady_clock::time_point now) {
    width_ = width;
    // Redrawn now, not at the next tick: a narrower terminal would wrap the line shown.
    if (live_ && printed_live_ && !quiet_) tick(last_, now);
}

void progress_meter::tick(const progress_counts_now& c, std::chrono::steady_clock::time_point now) {
    if (quiet_) return;
    last_ = c;
    progress_snapshot s;
    s.done = c.done;
    s.total = total_;
    s.failed = c.failed;
    s.requests = c.requests;
    s.throttled = c.throttled;
    s.retries = c.retries;
    s.requests_per_second = rate_.update(now, c.requests);
    s.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
    s.pause_left = c.pause_left;
    s.unit = unit_;
    if (live_) {
        // One line, rewritten: back to its start, the text, clear what a longer one left.
        out_ << '\r' << format_progress(s, width()) << "\033[K" << std::flush;
        printed_live_ = true;
    } else {
        out_ << "progress: " << format_progress(s, 0) << "\n" << std::flush;
    }
}

void progress_meter::finish() {
    if (live_ && printed_live_) out_ << "\r\033[K" << std::flush;
    printed_live_ = false;
}

}  // namespace cmbulk
