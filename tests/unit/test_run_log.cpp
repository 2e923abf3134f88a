// Unit tests of the `--log-format json` events' numbers: durations are plain decimals with three
// places ("1.500", never Boost.JSON's "1.5E0"), whatever the value, and still parse back as the
// same number; integers stay integers.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/run_log.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(run_log_suite)

BOOST_AUTO_TEST_CASE(milliseconds_are_plain_decimals) {
    BOOST_TEST(plain_milliseconds(1500us) == "1.500");
    BOOST_TEST(plain_milliseconds(0us) == "0.000");
    BOOST_TEST(plain_milliseconds(7us) == "0.007");
    BOOST_TEST(plain_milliseconds(2000us) == "2.000");
    BOOST_TEST(plain_milliseconds(123456789012us) == "123456789.012");
    BOOST_TEST(plain_milliseconds(-1500us) == "-1.500");
}

BOOST_AUTO_TEST_CASE(events_print_no_exponent_and_read_back_the_same) {
    for (auto latency : {1500us, 2000us, 1us, 98765432us}) {
        BOOST_TEST_CONTEXT(latency.count() << "us") {
            auto line = json_request_event("t", 3, "p1", "SLACK", "POST", 2, 200, "", latency);
            BOOST_TEST(
                line.find("\"latencyMs\":" + plain_milliseconds(latency)) != std::string::npos,
                line);
            BOOST_TEST(line.find('E') == std::string::npos, line);  // no "1.5E0"
            auto v = boost::json::parse(line).as_object();
            BOOST_TEST(v.at("latencyMs").as_double() == latency.count() / 1000.0);
            BOOST_TEST(v.at("line").as_int64() == 3);
            BOOST_TEST(v.at("status").as_int64() == 200);
        }
    }
    run_summary s;
    s.requests = 12;
    s.elapsed = std::chrono::milliseconds(2500);
    s.latency.add(1250us);
    auto sum = json_summary_event("t", s, 1);
    BOOST_TEST(sum.find("E0") == std::string::npos, sum);
    auto o = boost::json::parse(sum).as_object();
    BOOST_TEST(o.at("requests").as_int64() == 12);
    BOOST_TEST(o.at("elapsedMs").as_int64() == 2500);
    BOOST_TEST(o.at("exitStatus").as_int64() == 1);
    BOOST_TEST(o.at("latencyP50Ms").is_double());
    BOOST_TEST(o.at("latencyP95Ms").is_double());
}

BOOST_AUTO_TEST_SUITE_END()
