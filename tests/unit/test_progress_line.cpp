// Unit tests for progress_line.hpp: every part when there is room, never wider than the width
// (down to a tiny terminal), the pause message instead of a rate of zero, durations.
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
