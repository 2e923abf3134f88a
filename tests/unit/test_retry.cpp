// Unit tests for the retry leaf: which failures are retried, which leave the outcome unknown,
// Retry-After parsing (seconds and HTTP dates against a fixed "now"), full-jitter backoff bounds
// over many seeded draws, and the run-wide retry budget.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>

#include "cmbulk/read_machine.hpp"
#include "cmbulk/retry.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(retry_suite)

BOOST_AUTO_TEST_CASE(is_retryable_table) {
    struct row {
        int status;
        attempt_failure failure;
        bool retryable;
    };
    const row rows[] = {
        {200, attempt_failure::none, false},
        {204, attempt_failure::none, false},
        {400, attempt_failure::none, false},
        {401, attempt_failure::none, false},
        {403, attempt_failure::none, false},
        {404, attempt_failure::none, false},
        {409, attempt_failure::none, false},
        {429, attempt_failure::none, true},
        {500, attempt_failure::none, true},
        {502, attempt_failure::none, true},
        {503, attempt_failure::none, true},
        {504, attempt_failure::none, true},
        {599, attempt_failure::none, true},
        {600, attempt_failure::none, false},
        {0, attempt_failure::connect_failed, true},
        {0, attempt_failure::reset_before_send, true},
        {0, attempt_failure::reset_after_send, true},
        {0, attempt_failure::timeout, true},
        {0, attempt_failure::bad_response, true},
        {503, attempt_failure::bad_response, true},  // an HTML 503
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT("status " << r.status << " failure " << static_cast<int>(r.failure)) {
            BOOST_TEST(is_retryable(r.status, r.failure) == r.retryable);
        }
    }
}

BOOST_AUTO_TEST_CASE(outcome_unknown_only_when_the_request_may_have_landed) {
    BOOST_TEST(!outcome_unknown(attempt_failure::none));
    BOOST_TEST(!outcome_unknown(attempt_failure::connect_failed));
    BOOST_TEST(!outcome_unknown(attempt_failure::reset_before_send));
    BOOST_TEST(outcome_unknown(attempt_failure::reset_after_send));
    BOOST_TEST(outcome_unknown(attempt_failure::timeout));
    BOOST_TEST(outcome_unknown(attempt_failure::bad_response));
}

BOOST_AUTO_TEST_CASE(retry_after_seconds) {
    BOOST_TEST(parse_retry_after("55").value() == milliseconds(55000));
    BOOST_TEST(parse_retry_after("0").value() == milliseconds(0));
    BOOST_TEST(parse_retry_after("  7 ").value() == milliseconds(7000));
    // Capped, by default at ten minutes, and by the caller's cap.
    BOOST_TEST(parse_retry_after("86400").value() == milliseconds(std::chrono::minutes(10)));
    BOOST_TEST(parse_retry_after("120", 30s).value() == milliseconds(30000));
    // Huge (would overflow a 64-bit count of milliseconds) gives the cap, not garbage.
    BOOST_TEST(parse_retry_after("99999999999999999999999").value() ==
               milliseconds(std::chrono::minutes(10)));
    BOOST_TEST(parse_retry_after("9999999999", 5s).value() == milliseconds(5000));
}

BOOST_AUTO_TEST_CASE(retry_after_garbage_and_negative) {
    const char* bad[] = {"",           "   ",
                         "-5",         "abc",
                         "5s",         "1.5",
                         "+3",         "Sun, 06 Nov 1994",
                         "55 seconds", "Sun, 06 Nov 1994 08:49:37 PST"};
    for (auto v : bad) {
        BOOST_TEST_CONTEXT("value '" << v << "'") { BOOST_TEST(!parse_retry_after(v).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(retry_after_http_date) {
    // now = Sun, 06 Nov 1994 08:49:00 GMT (784111740 s after the epoch).
    auto now = std::chrono::system_clock::from_time_t(784111740);
    auto d = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", std::chrono::minutes(10), now);
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->count() == 37000);
    // A date in the past means "now".
    auto past = parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", std::chrono::minutes(10), now);
    BOOST_REQUIRE(past.has_value());
    BOOST_TEST(past->count() == 0);
    // Far in the future: capped.
    auto far = parse_retry_after("Mon, 07 Nov 1994 08:49:00 GMT", 60s, now);
    BOOST_REQUIRE(far.has_value());
    BOOST_TEST(far->count() == 60000);
}

BOOST_AUTO_TEST_CASE(backoff_full_jitter_bounds) {
    backoff_params p;
    p.base = 200ms;
    p.cap = 30s;
    std::mt19937_64 rng(42);
    for (int attempt = 1; attempt <= 12; ++attempt) {
        long long ceiling = std::min<long long>(200LL << (attempt - 1), 30000);
        long long lo = ceiling, hi = 0;
        double sum = 0;
        const int draws = 2000;
        for (int i = 0; i < draws; ++i) {
            long long d = backoff_delay(p, attempt, std::nullopt, rng).count();
            lo = std::min(lo, d);
            hi = std::max(hi, d);
            sum += static_cast<double>(d);
        }
        BOOST_TEST_CONTEXT("attempt " << attempt << " ceiling " << ceiling) {
            BOOST_TEST(lo >= 0);
            BOOST_TEST(hi <= ceiling);
            // Full jitter covers the whole range: draws near 0 and near the ceiling, mean ~ half.
            BOOST_TEST(lo <= ceiling / 20);
            BOOST_TEST(hi >= ceiling - ceiling / 20);
            BOOST_TEST(sum / draws == ceiling / 2.0, boost::test_tools::tolerance(0.1));
        }
    }
}

BOOST_AUTO_TEST_CASE(backoff_same_seed_same_delays) {
    backoff_params p;
    std::mt19937_64 a(7), b(7);
    for (int i = 1; i < 20; ++i)
        BOOST_TEST(backoff_delay(p, i, std::nullopt, a) == backoff_delay(p, i, std::nullopt, b));
}

BOOST_AUTO_TEST_CASE(backoff_respects_retry_after_floor) {
    backoff_params p;
    p.base = 100ms;
    p.cap = 1s;
    std::mt19937_64 rng(1);
    for (int i = 0; i < 500; ++i) {
        auto d = backoff_delay(p, 1, milliseconds(5000), rng);
        BOOST_REQUIRE(d == milliseconds(5000));  // the jitter (<= 100 ms) is below the floor
    }
    // A small Retry-After is a floor, not a replacement: values above it still occur.
    bool above = false;
    for (int i = 0; i < 500; ++i) {
        auto d = backoff_delay(p, 4, milliseconds(10), rng);
        BOOST_REQUIRE(d >= milliseconds(10));
        BOOST_REQUIRE(d <= milliseconds(800));
        above = above || d > milliseconds(10);
    }
    BOOST_TEST(above);
}

BOOST_AUTO_TEST_CASE(backoff_cap_and_no_overflow) {
    backoff_params p;
    p.base = 200ms;
    p.cap = 30s;
    std::mt19937_64 rng(3);
    for (int attempt : {30, 63, 64, 65, 1000, 1 << 30}) {
        BOOST_TEST_CONTEXT("attempt " << attempt) {
            for (int i = 0; i < 200; ++i) {
                auto d = backoff_delay(p, attempt, std::nullopt, rng);
                BOOST_REQUIRE(d >= 0ms);
                BOOST_REQUIRE(d <= 30s);
            }
        }
    }
    // attempt 0 or negative behaves as attempt 1.
    for (int i = 0; i < 200; ++i) BOOST_REQUIRE(backoff_delay(p, 0, std::nullopt, rng) <= 200ms);
    for (int i = 0; i < 200; ++i) BOOST_REQUIRE(backoff_delay(p, -5, std::nullopt, rng) <= 200ms);
    // A huge cap does not overflow while doubling.
    backoff_params huge;
    huge.base = milliseconds(1000);
    huge.cap = milliseconds::max();
    bool big = false;
    for (int i = 0; i < 50; ++i) {
        auto d = backoff_delay(huge, 1000, std::nullopt, rng);
        BOOST_REQUIRE(d >= 0ms);
        big = big || d > milliseconds(1'000'000'000'000LL);  // the ceiling is the (huge) cap
    }
    BOOST_TEST(big);
    // A zero base never waits (and does not loop forever on a huge attempt number).
    backoff_params zero;
    zero.base = 0ms;
    BOOST_TEST(backoff_delay(zero, 1 << 30, std::nullopt, rng) == 0ms);
}

BOOST_AUTO_TEST_CASE(retry_budget_minimum_then_ratio) {
    retry_budget b(0.5, 3);
    BOOST_TEST(b.try_spend());
    BOOST_TEST(b.try_spend());
    BOOST_TEST(b.try_spend());
    BOOST_TEST(!b.try_spend());  // the minimum is used up and nothing was earned
    BOOST_TEST(b.spent() == 3u);
    b.on_first_attempt();
    BOOST_TEST(!b.try_spend());  // half a token
    b.on_first_attempt();
    BOOST_TEST(b.try_spend());  // one whole token from two first attempts
    BOOST_TEST(!b.try_spend());
    BOOST_TEST(b.spent() == 4u);
    // A healthy run: 1,000 first attempts earn 500 retries on top of the minimum.
    retry_budget r(0.5, 50);
    for (int i = 0; i < 1000; ++i) r.on_first_attempt();
    int spent = 0;
    for (int i = 0; i < 10000 && r.try_spend(); ++i) ++spent;
    BOOST_TEST(spent == 550);
}

BOOST_AUTO_TEST_CASE(overloaded_is_a_whole_429_or_503) {
    BOOST_TEST(is_overloaded(429, attempt_failure::none));
    BOOST_TEST(is_overloaded(503, attempt_failure::none));
    BOOST_TEST(!is_overloaded(500, attempt_failure::none));
    BOOST_TEST(!is_overloaded(502, attempt_failure::none));
    BOOST_TEST(!is_overloaded(503, attempt_failure::bad_response));  // an HTML page cut short
    BOOST_TEST(!is_overloaded(0, attempt_failure::timeout));
}

namespace {
/// Steps a read_machine (the machine of every read: audit, plan, --verify's pages) over
/// `answers` (one status per attempt; the last repeats) with --max-attempts 3; returns the final
/// status and the attempts made.
std::pair<int, int> read_through(std::vector<int> answers) {
    retry_policy policy;
    policy.max_attempts = 3;
    policy.backoff = {milliseconds(1), milliseconds(1)};
    read_machine m(get_integration_request("5e2211c17a3e5a48f5497de3", "SLACK"));
    std::size_t next = 0;
    auto step = m.start(policy);
    for (int guard = 0; step.kind == item_step::send && guard < 1000; ++guard) {
        api_call_result r;
        r.status = answers[std::min(next++, answers.size() - 1)];
        step = m.next(std::move(r), policy);
    }
    BOOST_TEST((step.kind == item_step::done));
    return {m.result().status, m.attempts()};
}
}  // namespace

BOOST_AUTO_TEST_CASE(reads_count_503_like_writes_do) {
    // A read (audit, plan, --verify) under 503s gets the same larger allowance as a write
    // (row_plan), not --max-attempts: seven 503s and then the answer.
    auto [status, attempts] = read_through({503, 503, 503, 503, 503, 503, 503, 200});
    BOOST_TEST(status == 200);
    BOOST_TEST(attempts == 8);
    // Other 5xx still give up after --max-attempts (3).
    auto [s500, a500] = read_through({500});
    BOOST_TEST(s500 == 500);
    BOOST_TEST(a500 == 3);
}

BOOST_AUTO_TEST_CASE(one_classifier_for_every_machine) {
    struct row {
        answer_facts a;
        bool resend_safe;
        verdict v;
    };
    auto http = [](int status, api_errc e = api_errc::none) {
        return answer_facts{attempt_failure::none, status, e, false};
    };
    auto lost = [](attempt_failure f) { return answer_facts{f, 0, api_errc::none, false}; };
    const row rows[] = {
        {http(200), true, verdict::ok},
        {http(204), false, verdict::ok},
        {http(404, api_errc::integration_not_configured), true, verdict::row_failed},
        {http(400, api_errc::invalid_integration_settings), false, verdict::row_failed},
        {http(302), true, verdict::row_failed},
        {http(429, api_errc::rate_limited), false, verdict::retry},
        {http(503), false, verdict::retry},
        {http(500), true, verdict::retry},
        {{attempt_failure::none, 401, api_errc::none, true}, true, verdict::fatal},
        {lost(attempt_failure::connect_failed), false, verdict::retry},
        {lost(attempt_failure::reset_before_send), false, verdict::retry},
        {lost(attempt_failure::reset_after_send), false, verdict::ambiguous},
        {lost(attempt_failure::reset_after_send), true, verdict::retry},
        {lost(attempt_failure::timeout), false, verdict::ambiguous},
        {{attempt_failure::bad_response, 201, api_errc::none, false}, false, verdict::ambiguous},
        {lost(attempt_failure::cancelled), true, verdict::row_failed},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT("status " << r.a.status << " failure " << to_string(r.a.failure)
                                     << " resend_safe " << r.resend_safe) {
            BOOST_TEST(to_string(classify(r.a, request_facts{r.resend_safe, false})) ==
                       to_string(r.v));
        }
    }
}

BOOST_AUTO_TEST_CASE(an_unanswered_item_stops_the_run_only_before_any_answer) {
    BOOST_TEST(unreachable_stops_run(false, 3, 0));
    BOOST_TEST(!unreachable_stops_run(true, 3, 0));   // the server answered before
    BOOST_TEST(!unreachable_stops_run(false, 3, 1));  // this item got an answer
    BOOST_TEST(!unreachable_stops_run(false, 0, 0));  // it sent nothing
}

BOOST_AUTO_TEST_CASE(decide_retry_counts_allowances_and_the_budget) {
    retry_policy p;
    p.max_attempts = 3;
    p.backoff = {milliseconds(100), milliseconds(1000)};
    p.rng.seed(1);
    int failed = 0, overloaded = 0;
    answer_facts e500{attempt_failure::none, 500, api_errc::none, false};
    auto d = decide_retry(e500, std::nullopt, failed, overloaded, p);
    BOOST_TEST(!d.give_up);
    BOOST_TEST(d.delay.count() <= 100);
    d = decide_retry(e500, milliseconds(700), failed, overloaded, p);
    BOOST_TEST(!d.give_up);
    BOOST_TEST(d.delay.count() >= 700);  // never shorter than the server's Retry-After
    d = decide_retry(e500, std::nullopt, failed, overloaded, p);
    BOOST_TEST(d.give_up);  // the third failure: --max-attempts 3
    BOOST_TEST(!d.budget_spent);
    // A 429 waits in the gate, not here, and does not use up --max-attempts.
    answer_facts e429{attempt_failure::none, 429, api_errc::rate_limited, false};
    d = decide_retry(e429, milliseconds(5000), failed, overloaded, p);
    BOOST_TEST(!d.give_up);
    BOOST_TEST(d.delay.count() == 0);
    BOOST_TEST(overloaded == 1);
    // The run-wide budget.
    retry_policy tight;
    tight.budget = retry_budget(0, 1);
    int f2 = 0, o2 = 0;
    BOOST_TEST(!decide_retry(e500, std::nullopt, f2, o2, tight).give_up);
    auto spent = decide_retry(e500, std::nullopt, f2, o2, tight);
    BOOST_TEST(spent.give_up);
    BOOST_TEST(spent.budget_spent);
}

BOOST_AUTO_TEST_CASE(transport_and_api_errors_are_error_codes) {
    boost::system::error_code t = attempt_failure::timeout;
    BOOST_TEST(t.category().name() == std::string("cmbulk.transport"));
    BOOST_TEST(t.message() == "no complete response in time");
    boost::system::error_code none = attempt_failure::none;
    BOOST_TEST(!none);
    BOOST_TEST(
        (parse_api_errc("INTEGRATION_NOT_CONFIGURED") == api_errc::integration_not_configured));
    BOOST_TEST((parse_api_errc("IP_ADDRESS_NOT_ON_ACCESS_LIST") ==
                api_errc::ip_address_not_on_access_list));
    BOOST_TEST((parse_api_errc("SOMETHING_NEW") == api_errc::other));
    BOOST_TEST((parse_api_errc("") == api_errc::none));
    BOOST_TEST(to_string(api_errc::user_unauthorized) == "USER_UNAUTHORIZED");
    boost::system::error_code a = api_errc::group_not_found;
    BOOST_TEST(a.category().name() == std::string("cmbulk.api"));
}

BOOST_AUTO_TEST_CASE(issue_13_rules_no_access_forbidden_role_and_the_access_list) {
    answer_facts refused{attempt_failure::none, 401, api_errc::none, true};
    // A definitive 401 before the credential was ever answered: a wrong key, the run stops.
    BOOST_TEST(to_string(classify(refused, request_facts{true, false, true})) == "fatal");
    // After it was answered, on a project path: that project only (`no-access`).
    BOOST_TEST(to_string(classify(refused, request_facts{true, true, true})) == "row-failed");
    BOOST_TEST(to_string(refusal_outcome(refused)) == "no-access");
    // Not on a project path (a project list): still the key.
    BOOST_TEST(to_string(classify(refused, request_facts{true, true, false})) == "fatal");
    // USER_UNAUTHORIZED: the key's role may not write here.
    answer_facts role{attempt_failure::none, 401, api_errc::user_unauthorized, false};
    BOOST_TEST(to_string(classify(role, request_facts{false, true, true})) == "row-failed");
    BOOST_TEST(to_string(refusal_outcome(role)) == "forbidden-role");
    // 403 IP_ADDRESS_NOT_ON_ACCESS_LIST: nothing from here gets through, stop at once.
    answer_facts ip{attempt_failure::none, 403, api_errc::ip_address_not_on_access_list, false};
    BOOST_TEST(to_string(classify(ip, request_facts{true, true, true})) == "fatal");
    auto why = fatal_reason(ip, "IP address 203.0.113.7 is not allowed");
    BOOST_TEST(why.find("203.0.113.7") != std::string::npos, why);
    BOOST_TEST(why.find("access list") != std::string::npos, why);
    // Another 403 is only its row's.
    answer_facts other{attempt_failure::none, 403, api_errc::other, false};
    BOOST_TEST(to_string(classify(other, request_facts{true, false, true})) == "row-failed");
    BOOST_TEST(to_string(refusal_outcome(other)) == "failed");
}

BOOST_AUTO_TEST_SUITE_END()
