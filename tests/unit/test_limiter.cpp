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
