// Unit tests for progress_line.hpp and progress.hpp's pure parts: every part when there is
// room, never wider than the width (down to a tiny terminal), the pause message instead of a
// rate of zero (and before the clock when the terminal is narrow), durations, the width taken
// from COLUMNS or the terminal, the recent request rate, and the meter's live and plain lines.
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "cmbulk/progress.hpp"
#include "cmbulk/progress_line.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;

namespace {
progress_snapshot busy() {
    progress_snapshot s;
    s.done = 420;
    s.total = 1000;
    s.failed = 2;
    s.requests = 450;
    s.throttled = 3;
    s.retries = 5;
    s.requests_per_second = 35.4;
    s.elapsed = 12s;
    return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(progress_line_suite)

BOOST_AUTO_TEST_CASE(everything_when_there_is_room) {
    BOOST_TEST(format_progress(busy(), 0) ==
               "42% 420/1000 rows, 12s elapsed, ETA 16s, 35 req/s, 2 failed, 3 x 429, 5 retries");
}

BOOST_AUTO_TEST_CASE(never_wider_than_the_terminal) {
    auto full = format_progress(busy(), 0);
    for (std::size_t w = 1; w <= full.size() + 5; ++w) {
        BOOST_TEST_CONTEXT("width " << w) {
            auto line = format_progress(busy(), w);
            BOOST_TEST(line.size() <= w);
            BOOST_TEST(line.find('\n') == std::string::npos);
            if (w >= 17) BOOST_TEST(line.starts_with("42% 420/1000 rows"));
        }
    }
    // At 60 columns the most important parts stay; failed outranks the 429 count.
    auto narrow = format_progress(busy(), 60);
    BOOST_TEST(narrow == "42% 420/1000 rows, 12s elapsed, ETA 16s, 35 req/s, 2 failed");
}

BOOST_AUTO_TEST_CASE(a_pause_is_said_not_shown_as_zero) {
    auto s = busy();
    s.requests_per_second = 0;
    s.pause_left = 11'200ms;
    auto line = format_progress(s, 0);
    BOOST_TEST(line.find("waiting for the server: Retry-After 12 s") != std::string::npos);
    BOOST_TEST(line.find("0 req/s") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(audit_counts_projects_and_no_eta_before_the_first) {
    progress_snapshot s;
    s.total = 500;
    s.unit = "projects";
    s.elapsed = 2s;
    BOOST_TEST(format_progress(s, 0) == "0% 0/500 projects, 2s elapsed, 0 req/s");
}

BOOST_AUTO_TEST_CASE(durations) {
    BOOST_TEST(format_duration(0ms) == "0s");
    BOOST_TEST(format_duration(59'999ms) == "59s");
    BOOST_TEST(format_duration(185s) == "3m05s");
    BOOST_TEST(format_duration(3720s) == "1h02m");
}

BOOST_AUTO_TEST_CASE(a_pause_outranks_the_clock_on_a_narrow_terminal) {
    auto s = busy();
    s.pause_left = 12s;
    auto line = format_progress(s, 60);
    BOOST_TEST(line.size() <= 60u);
    BOOST_TEST(line == "42% 420/1000 rows, waiting for the server: Retry-After 12 s");
}

BOOST_AUTO_TEST_CASE(width_from_columns_or_the_terminal) {
    BOOST_TEST(progress_width("60", 120) == 59u);  // COLUMNS wins; one column kept free
    BOOST_TEST(progress_width(nullptr, 120) == 119u);
    BOOST_TEST(progress_width("", 100) == 99u);
    BOOST_TEST(progress_width("wide", 0) == 79u);  // unreadable: the terminal's, else 80
    BOOST_TEST(progress_width("0", 0) == 79u);
    BOOST_TEST(progress_width("1", 0) == 1u);
}

BOOST_AUTO_TEST_CASE(request_rate_is_over_the_recent_window) {
    request_rate r(5s);
    auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    BOOST_TEST(r.update(t0, 0) == 0.0);
    BOOST_TEST(r.update(t0 + 1s, 10) == 10.0);
    BOOST_TEST(r.update(t0 + 2s, 30) == 15.0);
    // A long quiet spell: the old burst leaves the window and the rate falls to zero.
    r.update(t0 + 10s, 30);
    BOOST_TEST(r.update(t0 + 16s, 30) == 0.0);
}

BOOST_AUTO_TEST_CASE(live_line_is_rewritten_in_place_and_fits) {
    std::ostringstream out;
    progress_meter m(out, progress_mode::live);
    m.set_width(40);
    m.start(1000);
    progress_counts_now c;
    c.done = 420;
    c.failed = 2;
    c.requests = 450;
    c.throttled = 3;
    c.retries = 5;
    m.tick(c);
    c.pause_left = 3s;
    m.tick(c);
    m.finish();
    auto text = out.str();
    BOOST_TEST(text.find('\n') == std::string::npos);  // never a new line: one line rewritten
    std::size_t lines = 0;
    for (std::size_t p = text.find('\r'); p != std::string::npos; p = text.find('\r', p + 1)) {
        auto end = text.find("\033[K", p);
        BOOST_TEST_REQUIRE(end != std::string::npos);
        BOOST_TEST(end - p - 1 <= 40u);
        ++lines;
    }
    BOOST_TEST(lines == 3u);  // two ticks and the clearing at the end
    BOOST_TEST(text.find("42% 420/1000 rows") != std::string::npos);
    BOOST_TEST(text.find("waiting for the server") == std::string::npos);  // 40 columns: no room
}

BOOST_AUTO_TEST_CASE(a_resize_redraws_the_line_at_once_in_the_new_width) {
    std::ostringstream out;
    progress_meter m(out, progress_mode::live);
    m.on_resize(100);  // the width read at the start
    m.start(1000);
    progress_counts_now c;
    c.done = 420;
    c.requests = 450;
    m.on_resize(100);
    BOOST_TEST(out.str().empty());  // nothing shown yet: nothing to redraw
    auto t0 = std::chrono::steady_clock::now();
    m.tick(c, t0);
    auto first = out.str();
    BOOST_TEST_REQUIRE(first.find("\033[K") != std::string::npos);
    auto wide = first.find("\033[K") - first.find('\r') - 1;
    BOOST_TEST(wide > 24u);  // the line uses the room it has
    BOOST_TEST(wide <= 100u);
    // SIGWINCH to 24 columns: redrawn now, before any tick, in the new width.
    m.on_resize(24, t0 + 100ms);
    auto text = out.str();
    BOOST_TEST_REQUIRE(text.size() > first.size());
    auto redraw = text.substr(first.size());
    BOOST_TEST_REQUIRE(redraw.front() == '\r');
    auto end = redraw.find("\033[K");
    BOOST_TEST_REQUIRE(end != std::string::npos);
    BOOST_TEST(end - 1 <= 24u);
    BOOST_TEST(redraw.find("42%") != std::string::npos, redraw);  // the last counts, redrawn
    // And the ticks after it keep the new width.
    c.done = 500;
    m.tick(c, t0 + 600ms);
    auto after = out.str().substr(text.size());
    BOOST_TEST(after.find("\033[K") - 1 <= 24u);
}

BOOST_AUTO_TEST_CASE(a_resize_prints_nothing_without_a_live_line) {
    std::ostringstream out;
    progress_meter m(out, progress_mode::plain);
    m.start(10);
    m.tick(progress_counts_now{});
    auto before = out.str();
    m.on_resize(30);
    BOOST_TEST(out.str() == before);
}

BOOST_AUTO_TEST_CASE(plain_lines_for_logs_and_audit_counts_projects) {
    std::ostringstream out;
    progress_meter m(out, progress_mode::plain);
    m.start(500, "projects");
    progress_counts_now c;
    c.done = 50;
    c.pause_left = 12s;
    m.tick(c);
    auto text = out.str();
    BOOST_TEST(
        text.starts_with("progress: 10% 50/500 projects, waiting for the server: "
                         "Retry-After 12 s"));
    BOOST_TEST(text.back() == '\n');
    BOOST_TEST(text.find('\r') == std::string::npos);
    std::ostringstream quiet_out;
    progress_meter q(quiet_out, progress_mode::quiet);
    q.start(1);
    q.tick(c);
    BOOST_TEST(quiet_out.str().empty());
}

BOOST_AUTO_TEST_SUITE_END()
