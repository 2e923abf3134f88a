// Unit tests for the run-wide pacer on a fake clock: fixed rate, Retry-After pauses, server
// hints from 429 bodies, and adaptive slowing.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <vector>

#include "cmbulk/pacing.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;

namespace {
const time_point t0 = time_point{} + std::chrono::hours(1);

/// Sends `n` requests as fast as the controller allows; returns when the last one went.
time_point drive(rate_controller& c, time_point now, int n) {
    for (int i = 0; i < n; ++i) {
        auto w = c.reserve(now);
        now += w;
        pacing_feedback ok;
        ok.status = 200;
        c.on_response(now, ok);
    }
    return now;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(pacing_suite)

BOOST_AUTO_TEST_CASE(fixed_rate_with_burst) {
    rate_controller c({.rate = 100, .burst = 10}, t0);
    auto end = drive(c, t0, 1010);
    double secs = std::chrono::duration<double>(end - t0).count();
    BOOST_TEST(secs == 10.0, boost::test_tools::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(unlimited_without_rate) {
    rate_controller c({}, t0);
    BOOST_TEST(c.current_rate() == 0.0);
    auto end = drive(c, t0, 1000);
    BOOST_TEST((end == t0));
}

BOOST_AUTO_TEST_CASE(retry_after_pauses_everyone) {
    rate_controller c({}, t0);
    pacing_feedback fb;
    fb.status = 429;
    fb.retry_after = 5s;
    c.on_response(t0, fb);
    BOOST_TEST(c.throttled() == 1u);
    auto w = c.reserve(t0 + 1s);
    BOOST_TEST(std::chrono::duration<double>(w).count() == 4.0, boost::test_tools::tolerance(1e-6));
    // And it slowed down: a rate is now in force.
    BOOST_TEST(c.current_rate() > 0.0);
}

BOOST_AUTO_TEST_CASE(parses_the_apis_429_parameters) {
    auto body = boost::json::parse(
        R"({"detail":"Rate limit exceeded","error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","parameters":["api/atlas/v2/orgs",55,10,5,60],"reason":"Too Many Requests"})");
    auto h = parse_rate_hint(body);
    BOOST_REQUIRE(h.has_value());
    BOOST_TEST(h->capacity == 10.0);
    BOOST_TEST(h->refill_per_second == 5.0 / 60.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(!parse_rate_hint(boost::json::parse(R"({"parameters":["x"]})")).has_value());
    BOOST_TEST(!parse_rate_hint(boost::json::parse(R"([1,2])")).has_value());
    BOOST_TEST(!parse_rate_hint(boost::json::parse(R"({"parameters":["p","a","b","c","d"]})"))
                    .has_value());
}

BOOST_AUTO_TEST_CASE(hint_sets_the_pace_under_the_servers_refill) {
    rate_controller c({}, t0);
    c.apply_hint(t0, server_rate_hint{10, 50});
    BOOST_TEST(c.current_rate() <= 50.0);
    BOOST_TEST(c.current_rate() >= 45.0);
    auto end = drive(c, t0, 500);
    double secs = std::chrono::duration<double>(end - t0).count();
    BOOST_TEST(secs >= 9.0);
    BOOST_TEST(secs <= 11.0);
}

BOOST_AUTO_TEST_CASE(requests_waiting_out_a_pause_leave_at_the_pace_not_together) {
    // A 429 with the server's bucket (capacity 10, 50/s) and Retry-After 1 s: the 16 workers
    // that ask during the pause must not all be released when it ends.
    rate_controller c({}, t0);
    pacing_feedback fb;
    fb.status = 429;
    fb.retry_after = 1s;
    fb.hint = server_rate_hint{10, 50};
    c.on_response(t0, fb);
    std::vector<double> at;
    for (int i = 0; i < 16; ++i)
        at.push_back(
            std::chrono::duration<double>(t0 + 100ms + c.reserve(t0 + 100ms) - t0).count());
    for (double a : at) BOOST_TEST(a >= 1.0 - 1e-9);  // nobody before the pause ends
    // At ~49/s from the end of the pause: about 10 in its first 200 ms, not 16.
    int in_first_200ms =
        static_cast<int>(std::count_if(at.begin(), at.end(), [](double a) { return a < 1.2; }));
    BOOST_TEST(in_first_200ms <= 11);
    BOOST_TEST(at.front() == 1.0, boost::test_tools::tolerance(1e-6));  // the first at the end
    BOOST_TEST(at.back() >= 1.0 + 15 / 49.0 - 1e-3);                    // spread at ~49/s
    BOOST_TEST(std::is_sorted(at.begin(), at.end()));
}

BOOST_AUTO_TEST_CASE(repeated_429s_from_one_burst_cut_once) {
    rate_controller c({.rate = 100}, t0);
    pacing_feedback fb;
    fb.status = 429;
    fb.retry_after = 1s;
    for (int i = 0; i < 8; ++i) c.on_response(t0 + std::chrono::milliseconds(i), fb);
    BOOST_TEST(c.current_rate() == 50.0);
    BOOST_TEST(c.throttled() == 8u);
}

BOOST_AUTO_TEST_CASE(recovers_towards_the_user_rate) {
    rate_controller c({.rate = 100}, t0);
    pacing_feedback fb;
    fb.status = 429;
    fb.retry_after = 1s;
    c.on_response(t0, fb);
    BOOST_TEST(c.current_rate() == 50.0);
    auto now = drive(c, t0 + 1s, 3000);
    BOOST_TEST(c.current_rate() <= 100.0);
    BOOST_TEST(c.current_rate() > 90.0);
    (void)now;
}

BOOST_AUTO_TEST_CASE(low_remaining_engages_a_limit_before_any_429) {
    rate_controller c({}, t0);
    auto now = t0;
    for (int i = 0; i < 20; ++i) {
        now += c.reserve(now) + 10ms;
        c.on_response(now, pacing_feedback{200, 5, 10, std::nullopt, std::nullopt});
    }
    BOOST_TEST(c.current_rate() == 0.0);
    c.on_response(now, pacing_feedback{200, 0, 10, std::nullopt, std::nullopt});
    BOOST_TEST(c.current_rate() > 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
