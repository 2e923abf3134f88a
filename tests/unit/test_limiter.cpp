// Unit tests for the limiter leaf: the token bucket and the adaptive (AIMD) pacer, driven by a
// fake clock (time points built by hand, starting an hour after the epoch and moved by the test),
// so nothing here sleeps or depends on the machine's speed.
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "cmbulk/limiter.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;

namespace {
/// The fake clock: a time point the test moves by hand.
struct fake_clock {
    time_point now = time_point{} + 1h;
    void advance(duration d) { now += d; }
};
double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
}  // namespace

BOOST_AUTO_TEST_SUITE(token_bucket_suite)

BOOST_AUTO_TEST_CASE(starts_full_and_holds_capacity) {
    fake_clock c;
    token_bucket b(10, 5, c.now);
    BOOST_TEST(b.available(c.now) == 5.0);
    for (int i = 0; i < 5; ++i) BOOST_TEST(b.try_take(c.now));
    BOOST_TEST(!b.try_take(c.now));
    // A long idle time never fills above capacity.
    c.advance(1h);
    BOOST_TEST(b.available(c.now) == 5.0);
    for (int i = 0; i < 5; ++i) BOOST_TEST(b.try_take(c.now));
    BOOST_TEST(!b.try_take(c.now));
}

BOOST_AUTO_TEST_CASE(refills_continuously_at_rate) {
    fake_clock c;
    token_bucket b(10, 10, c.now);
    for (int i = 0; i < 10; ++i) BOOST_REQUIRE(b.try_take(c.now));
    c.advance(50ms);  // half a token
    BOOST_TEST(!b.try_take(c.now));
    c.advance(50ms);  // now one token
    BOOST_TEST(b.try_take(c.now));
    BOOST_TEST(!b.try_take(c.now));
    c.advance(300ms);
    BOOST_TEST(b.available(c.now) == 3.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(try_take_several_tokens) {
    fake_clock c;
    token_bucket b(1, 4, c.now);
    BOOST_TEST(!b.try_take(c.now, 5));  // more than there is: nothing taken
    BOOST_TEST(b.available(c.now) == 4.0);
    BOOST_TEST(b.try_take(c.now, 3));
    BOOST_TEST(b.available(c.now) == 1.0);
}

BOOST_AUTO_TEST_CASE(time_until_answers_the_wait) {
    fake_clock c;
    token_bucket b(4, 2, c.now);  // one token every 250 ms
    BOOST_TEST(ms(b.time_until(c.now)) == 0.0);
    BOOST_REQUIRE(b.try_take(c.now, 2));
    BOOST_TEST(ms(b.time_until(c.now)) == 250.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(ms(b.time_until(c.now, 2)) == 500.0, boost::test_tools::tolerance(1e-6));
    c.advance(100ms);
    BOOST_TEST(ms(b.time_until(c.now)) == 150.0, boost::test_tools::tolerance(1e-6));
    // Asking does not take anything.
    BOOST_TEST(ms(b.time_until(c.now)) == 150.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(reserve_goes_into_debt_in_arrival_order) {
    fake_clock c;
    token_bucket b(10, 2, c.now);  // 100 ms per token
    BOOST_TEST(ms(b.reserve(c.now)) == 0.0);
    BOOST_TEST(ms(b.reserve(c.now)) == 0.0);
    // The next reservations wait 100, 200, 300 ms: each one is queued behind the previous.
    BOOST_TEST(ms(b.reserve(c.now)) == 100.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(ms(b.reserve(c.now)) == 200.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(ms(b.reserve(c.now)) == 300.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(b.available(c.now) == -3.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(!b.try_take(c.now));
    // The debt is paid by time: after 300 ms the bucket is at zero, after 400 ms one token.
    c.advance(300ms);
    BOOST_TEST(b.available(c.now) == 0.0, boost::test_tools::tolerance(1e-9));
    c.advance(100ms);
    BOOST_TEST(b.try_take(c.now));
}

BOOST_AUTO_TEST_CASE(reserve_over_a_long_run_keeps_the_rate) {
    // 1,000 reservations at 100/s with a burst of 10: the last one waits (1000 - 10) / 100 s.
    fake_clock c;
    token_bucket b(100, 10, c.now);
    duration last{};
    for (int i = 0; i < 1000; ++i) last = b.reserve(c.now);
    BOOST_TEST(ms(last) == 9900.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(block_until_empties_and_delays_refill) {
    fake_clock c;
    token_bucket b(10, 10, c.now);
    BOOST_TEST(b.available(c.now) == 10.0);
    b.block_until(c.now + 55s);  // Retry-After: 55
    BOOST_TEST(!b.try_take(c.now));
    BOOST_TEST(ms(b.time_until(c.now)) == 55100.0, boost::test_tools::tolerance(1e-6));
    c.advance(55s);
    BOOST_TEST(!b.try_take(c.now));  // refill starts at the end of the block
    c.advance(100ms);
    BOOST_TEST(b.try_take(c.now));
    // A block that ends earlier than the current one does not shorten it.
    b.block_until(c.now + 10s);
    b.block_until(c.now + 1s);
    BOOST_TEST(ms(b.time_until(c.now)) >= 10000.0);
}

BOOST_AUTO_TEST_CASE(block_until_in_the_past_changes_nothing) {
    fake_clock c;
    token_bucket b(10, 10, c.now);
    c.advance(1s);
    b.block_until(c.now - 5s);
    BOOST_TEST(b.try_take(c.now));
}

BOOST_AUTO_TEST_CASE(set_rate_keeps_tokens_capped) {
    fake_clock c;
    token_bucket b(10, 10, c.now);
    BOOST_REQUIRE(b.try_take(c.now, 4));  // 6 left
    b.set_rate(1, 3, c.now);
    BOOST_TEST(b.rate() == 1.0);
    BOOST_TEST(b.capacity() == 3.0);
    BOOST_TEST(b.available(c.now) == 3.0);
    BOOST_REQUIRE(b.try_take(c.now, 3));
    c.advance(500ms);
    BOOST_TEST(!b.try_take(c.now));  // the new rate applies: 0.5 token after 500 ms
    c.advance(500ms);
    BOOST_TEST(b.try_take(c.now));
    // Tokens earned at the old rate before the change are kept.
    token_bucket d(10, 10, c.now);
    BOOST_REQUIRE(d.try_take(c.now, 10));
    c.advance(200ms);
    d.set_rate(1, 10, c.now);
    BOOST_TEST(d.available(c.now) == 2.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(unlimited_never_waits) {
    fake_clock c;
    token_bucket b(0, 1, c.now);
    BOOST_TEST(b.unlimited());
    for (int i = 0; i < 10000; ++i) BOOST_REQUIRE(b.try_take(c.now));
    BOOST_TEST(ms(b.reserve(c.now, 1000)) == 0.0);
    BOOST_TEST(ms(b.time_until(c.now, 1e9)) == 0.0);
    b.block_until(c.now + 1h);  // ignored when unlimited
    BOOST_TEST(b.try_take(c.now));
    token_bucket neg(-1, 5, c.now);
    BOOST_TEST(neg.unlimited());
}

BOOST_AUTO_TEST_CASE(from_unlimited_to_limited) {
    // A negative "unlimited" rate must not drain the bucket while time passes.
    fake_clock c;
    token_bucket b(-1, 5, c.now);
    c.advance(10s);
    b.set_rate(10, 5, c.now);
    BOOST_TEST(!b.unlimited());
    BOOST_TEST(b.available(c.now) == 5.0);
}

BOOST_AUTO_TEST_CASE(capacity_is_at_least_one) {
    fake_clock c;
    token_bucket b(10, 0, c.now);
    BOOST_TEST(b.capacity() == 1.0);
    BOOST_TEST(b.try_take(c.now));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(adaptive_pacer_suite)

BOOST_AUTO_TEST_CASE(increases_while_successful) {
    fake_clock c;
    pacer_params p;
    p.initial_rate = 10;
    p.increase_per_second = 2;
    adaptive_pacer a(p, c.now);
    BOOST_TEST(a.rate() == 10.0);
    for (int i = 0; i < 10; ++i) {
        c.advance(100ms);
        a.on_success(c.now);
    }
    BOOST_TEST(a.rate() == 12.0, boost::test_tools::tolerance(1e-9));
    c.advance(5s);
    a.on_success(c.now);
    BOOST_TEST(a.rate() == 22.0, boost::test_tools::tolerance(1e-9));
    // No time passed: no increase.
    a.on_success(c.now);
    BOOST_TEST(a.rate() == 22.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(halves_on_429_once_per_burst) {
    fake_clock c;
    pacer_params p;
    p.initial_rate = 40;
    adaptive_pacer a(p, c.now);
    c.advance(10ms);
    a.on_throttled(c.now);
    BOOST_TEST(a.rate() == 20.0);
    // The rest of the burst (requests already in flight) does not cut again.
    for (int i = 0; i < 8; ++i) {
        c.advance(50ms);
        a.on_throttled(c.now);
    }
    BOOST_TEST(a.rate() == 20.0);
    // A later 429 is a new signal.
    c.advance(2s);
    a.on_throttled(c.now);
    BOOST_TEST(a.rate() == 10.0);
}

BOOST_AUTO_TEST_CASE(no_increase_right_after_a_cut) {
    fake_clock c;
    pacer_params p;
    p.initial_rate = 40;
    p.increase_per_second = 2;
    adaptive_pacer a(p, c.now);
    c.advance(10s);
    a.on_throttled(c.now);  // 40 -> 20; the 10 s before the 429 earn nothing
    c.advance(1s);
    a.on_success(c.now);
    BOOST_TEST(a.rate() == 22.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(eases_off_on_low_remaining) {
    fake_clock c;
    pacer_params p;
    p.initial_rate = 100;
    p.low_remaining = 2;
    adaptive_pacer a(p, c.now);
    c.advance(100ms);
    a.on_success(c.now, 1, 100);  // the very first low signal counts
    BOOST_TEST(a.rate() == 90.0, boost::test_tools::tolerance(1e-9));
    c.advance(100ms);
    a.on_success(c.now, 0, 100);  // within a second: not again
    BOOST_TEST(a.rate() == 90.0, boost::test_tools::tolerance(1e-9));
    c.advance(1s);
    a.on_success(c.now, 2, 100);
    BOOST_TEST(a.rate() == 81.0, boost::test_tools::tolerance(1e-9));
    // Plenty remaining (or no header) grows again.
    c.advance(1s);
    a.on_success(c.now, 50, 100);
    BOOST_TEST(a.rate() > 81.0);
}

BOOST_AUTO_TEST_CASE(an_ease_does_not_swallow_a_429) {
    fake_clock c;
    pacer_params p;
    p.initial_rate = 100;
    adaptive_pacer a(p, c.now);
    c.advance(2s);
    a.on_throttled(c.now);  // 100 -> 50 (time passed before counts for nothing)
    c.advance(3s);
    a.on_success(c.now, 0);  // ease: 50 -> 45
    BOOST_TEST(a.rate() == 45.0, boost::test_tools::tolerance(1e-9));
    c.advance(100ms);
    a.on_throttled(c.now);  // a real 429 soon after the ease still cuts
    BOOST_TEST(a.rate() == 22.5, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(stays_within_bounds) {
    fake_clock c;
    pacer_params p;
    p.initial_rate = 4;
    p.min_rate = 1;
    p.max_rate = 50;
    adaptive_pacer a(p, c.now);
    for (int i = 0; i < 20; ++i) {
        c.advance(2s);
        a.on_throttled(c.now);
    }
    BOOST_TEST(a.rate() == 1.0);
    for (int i = 0; i < 20; ++i) {
        c.advance(2s);
        a.on_success(c.now, 0);
    }
    BOOST_TEST(a.rate() == 1.0);
    c.advance(1h);
    a.on_success(c.now);
    BOOST_TEST(a.rate() == 50.0);
    // An initial rate outside the bounds is clamped.
    pacer_params q;
    q.initial_rate = 5000;
    q.max_rate = 100;
    BOOST_TEST(adaptive_pacer(q, c.now).rate() == 100.0);
    q.initial_rate = 0.01;
    q.min_rate = 0.5;
    BOOST_TEST(adaptive_pacer(q, c.now).rate() == 0.5);
}

BOOST_AUTO_TEST_SUITE_END()
