// Progress on stderr: a live line on a terminal, rewritten in place ("\r", the text, clear to
// the end of the line) and never wider than the terminal (its width is read at the start and
// again on SIGWINCH, when the line is redrawn at once: the run engine listens for it); a plain
// line every few seconds otherwise (logs, CI); nothing with --quiet. TERM=dumb counts as "not a
// terminal". The text is progress_line.hpp's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace cmbulk {

/// How progress is shown on stderr.
enum class progress_mode { automatic, live, plain, quiet };

/// What the run engine knows at a tick.
struct progress_counts_now {
    std::uint64_t done = 0, failed = 0;       ///< items (rows; projects for audit)
    std::uint64_t requests = 0;               ///< HTTP requests sent so far
    std::uint64_t throttled = 0;              ///< 429 answers so far
    std::uint64_t retries = 0;                ///< attempts after the first so far
    std::chrono::milliseconds pause_left{0};  ///< > 0 while the run waits out a Retry-After
};

/// Requests per second over the last few seconds, from cumulative counts; pure (`now` given).
class request_rate {
public:
    explicit request_rate(std::chrono::milliseconds window = std::chrono::seconds(5))
        : window_(window) {}
    /// Records that `requests` had been sent by `now` and returns the rate over the window.
    double update(std::chrono::steady_clock::time_point now, std::uint64_t requests);

private:
    std::chrono::milliseconds window_;
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> samples_;
};

/// The width the live line may use: `columns_env` (the COLUMNS variable) when it is a positive
/// number, else `tty_columns` (the terminal's, 0 when unknown), else 80; one column less than
/// that, so that writing the last column never makes a terminal wrap.
std::size_t progress_width(const char* columns_env, int tty_columns);

class progress_meter {
public:
    progress_meter(std::ostream& out, progress_mode mode);
    /// `unit`: what the run counts ("rows"; "projects" for audit). Must outlive the meter's use.
    void start(std::uint64_t total, std::string_view unit = "rows");
    /// Called every interval() by the run engine: prints the line (progress_line.hpp's text:
    /// percentage, done/total, elapsed, ETA, req/s or the Retry-After pause, failed, 429s,
    /// retries).
    void tick(const progress_counts_now& c,
              std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
    /// Clears the live line.
    void finish();
    std::chrono::milliseconds interval() const;
    bool live() const { return live_; }
    /// Fixes the live line's width (tests); 0 goes back to the terminal's.
    void set_width(std::size_t w) { fixed_width_ = w; }
    /// The terminal was resized (SIGWINCH): `width` is the line's new width (terminal_width()),
    /// and a live line already shown is redrawn at once with the last counts.
    void on_resize(std::size_t width,
                   std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
    /// progress_width() of stderr's terminal now (COLUMNS, else its size, else 80).
    static std::size_t terminal_width();

private:
    std::size_t width() const { return fixed_width_ ? fixed_width_ : width_; }
    std::ostream& out_;
    bool quiet_;
    bool live_;
    std::uint64_t total_ = 0;
    std::string_view unit_ = "rows";
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    request_rate rate_;
    std::size_t fixed_width_ = 0;
    std::size_t width_ = 79;    ///< the terminal's, read at the start and on SIGWINCH
    progress_counts_now last_;  ///< of the last tick, for a redraw on resize
    bool printed_live_ = false;
};

}  // namespace cmbulk
