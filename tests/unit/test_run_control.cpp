// Unit tests for the stop controller: the first interrupt stops dispatch and starts the grace,
// the second (or the end of the grace) is the hard stop, and every wait of a run wakes at once on
// it: a backoff sleep, an event (the auth gate), the request gate's Retry-After pause, the token
// provider's waits, a connection's read and connect, and the engine's workers. Every loop runs
// under run_for with a deadline, so a wait that does not wake fails the test instead of hanging.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <sstream>

#include "cmbulk/auth.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/http_connection.hpp"
#include "cmbulk/run_control.hpp"
#include "cmbulk/run_gate.hpp"
#include "common/hostile_server.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using clock_t_ = std::chrono::steady_clock;

namespace {

/// Runs `body` (a coroutine) on `ioc`, calls `stop` after `after`, and runs the loop for at most
/// `limit`; returns how long the body took to finish (limit when it did not).
template <class Body, class Stop>
std::chrono::milliseconds time_until_done(asio::io_context& ioc, Body body, Stop stop,
                                          std::chrono::milliseconds after = 30ms,
                                          std::chrono::milliseconds limit = 5s) {
    bool done = false;
    auto t0 = clock_t_::now();
    auto finished_at = t0 + limit;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await body();
            done = true;
            finished_at = clock_t_::now();
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    asio::steady_timer t(ioc, after);
    t.async_wait([&](boost::system::error_code ec) {
        if (!ec) stop();
    });
    ioc.run_for(limit);
    BOOST_TEST(done);
    return std::chrono::duration_cast<std::chrono::milliseconds>(finished_at - t0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(run_control_suite)

BOOST_AUTO_TEST_CASE(a_backoff_sleep_wakes_on_the_hard_stop) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    bool slept = true;
    auto took = time_until_done(
        ioc, [&]() -> asio::awaitable<void> { slept = co_await ctl.sleep(30s); },
        [&] { ctl.hard_stop(); });
    BOOST_TEST(!slept);
    BOOST_TEST(took.count() < 1000);
    BOOST_TEST(ctl.waiting() == 0u);
    // After the hard stop, a sleep does not even start.
    asio::io_context ioc2;
    bool again = true;
    asio::co_spawn(
        ioc2, [&]() -> asio::awaitable<void> { again = co_await ctl.sleep(30s); }, asio::detached);
    ioc2.run_for(1s);
    BOOST_TEST(!again);
}

BOOST_AUTO_TEST_CASE(a_short_sleep_ends_by_itself) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    bool slept = false;
    auto took = time_until_done(
        ioc, [&]() -> asio::awaitable<void> { slept = co_await ctl.sleep(20ms); }, [] {}, 1s);
    BOOST_TEST(slept);
    BOOST_TEST(took.count() < 900);
}

BOOST_AUTO_TEST_CASE(an_event_wakes_on_notify_and_on_the_hard_stop) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    run_control::event ev(ctl);
    int woken = 0;
    bool first = false, second = true;
    auto waiter = [&](bool& out) -> asio::awaitable<void> {
        out = co_await ev.wait();
        ++woken;
    };
    asio::co_spawn(ioc, waiter(first), asio::detached);
    asio::steady_timer t(ioc, 20ms);
    t.async_wait([&](auto) { ev.notify_all(); });
    ioc.run_for(1s);
    BOOST_TEST(woken == 1);
    BOOST_TEST(first);
    ioc.restart();
    auto took = time_until_done(
        ioc, [&]() -> asio::awaitable<void> { co_await waiter(second); }, [&] { ctl.hard_stop(); });
    BOOST_TEST(!second);
    BOOST_TEST(took.count() < 1000);
}

BOOST_AUTO_TEST_CASE(first_interrupt_stops_then_grace_or_second_stops_hard) {
    asio::io_context ioc;
    std::ostringstream err;
    run_control ctl(ioc.get_executor(), 50ms, &err);
    ctl.interrupt(SIGINT);
    BOOST_TEST(ctl.stopping());
    BOOST_TEST(ctl.interrupted());
    BOOST_TEST(!ctl.hard_stopped());
    BOOST_TEST(ctl.signal_name() == "SIGINT");
    BOOST_TEST(err.str().find("interrupted (SIGINT)") != std::string::npos, err.str());
    BOOST_TEST(err.str().find("signal 2") == std::string::npos);
    ioc.run_for(1s);  // the grace (50 ms) ends
    BOOST_TEST(ctl.hard_stopped());

    asio::io_context ioc2;
    run_control twice(ioc2.get_executor(), 10s, &err);
    twice.interrupt(SIGTERM);
    BOOST_TEST(!twice.hard_stopped());
    BOOST_TEST(twice.signal_name() == "SIGTERM");
    twice.interrupt(SIGTERM);
    BOOST_TEST(twice.hard_stopped());

    asio::io_context ioc3;
    run_control no_grace(ioc3.get_executor(), 0ms);
    no_grace.interrupt(SIGINT);
    BOOST_TEST(no_grace.hard_stopped());
}

BOOST_AUTO_TEST_CASE(stop_and_fail_do_not_stop_hard) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    ctl.stop();
    BOOST_TEST(ctl.stopping());
    BOOST_TEST(!ctl.hard_stopped());
    BOOST_TEST(!ctl.fatal());
    ctl.fail("authentication failed");
    ctl.fail("a later reason");
    BOOST_TEST(ctl.fatal());
    BOOST_TEST(ctl.fatal_message() == "authentication failed");
    BOOST_TEST(!ctl.interrupted());
}

BOOST_AUTO_TEST_CASE(hooks_run_once_at_the_hard_stop_while_held) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    int kept = 0, dropped = 0;
    auto h = ctl.on_hard_stop([&] { ++kept; });
    {
        auto gone = ctl.on_hard_stop([&] { ++dropped; });
    }
    ctl.hard_stop();
    ctl.hard_stop();
    BOOST_TEST(kept == 1);
    BOOST_TEST(dropped == 0);
    int late = 0;
    auto l = ctl.on_hard_stop([&] { ++late; });  // after the hard stop: at once
    BOOST_TEST(late == 1);
}

BOOST_AUTO_TEST_CASE(the_gate_pause_wakes_on_the_hard_stop) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    run_gate gate(ctl, pacing_params{});
    gate_feedback fb;
    fb.status = 429;
    fb.retry_after = 60s;  // the whole run pauses for a minute
    gate.after_response(fb);
    bool sent = true;
    auto took = time_until_done(
        ioc, [&]() -> asio::awaitable<void> { sent = co_await gate.before_request("p"); },
        [&] { ctl.hard_stop(); });
    BOOST_TEST(!sent);
    BOOST_TEST(took.count() < 1000);
    BOOST_TEST(gate.requests() == 0u);
    BOOST_TEST(gate.throttled() == 1u);
}

BOOST_AUTO_TEST_CASE(a_projects_429_defers_that_project_only) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    run_gate gate(ctl, pacing_params{});
    gate_feedback fb;
    fb.status = 429;
    fb.retry_after = 60s;
    fb.scope = "p";
    fb.path = "/groups/p/integrations/SLACK";
    fb.credential = "k";
    fb.error_code = "RATE_LIMITED_TOKEN_BUCKET";
    fb.refused_set = "api/atlas/v2/groups/{groupId}/integrations";
    gate.after_response(fb);
    auto now = clock_t_::now();
    BOOST_TEST((gate.project_ready_at("p", now) > now + 50s));
    BOOST_TEST((gate.project_ready_at("q", now) == now));
    BOOST_TEST(gate.project_throttled() == 1u);
    // Another project's request, and a listing, go at once.
    bool sent_q = false, sent_list = false;
    time_until_done(
        ioc,
        [&]() -> asio::awaitable<void> {
            sent_q = co_await gate.before_send({"q", "/groups/q/integrations/SLACK", "k"});
            sent_list = co_await gate.before_send({"", "/groups", "k"});
        },
        [] {});
    BOOST_TEST(sent_q);
    BOOST_TEST(sent_list);
    BOOST_TEST(gate.requests() == 2u);
    // A credential's limit on one endpoint set (the listings' bucket) pauses that credential's
    // requests of that set, not its project resources (the integrations set, counted per
    // project) nor another credential's (issue 16: paced per credential and endpoint set).
    gate_feedback all;
    all.status = 429;
    all.retry_after = 60s;
    all.path = "/groups";
    all.credential = "k";
    all.error_code = "RATE_LIMITED_TOKEN_BUCKET";
    all.refused_set = "api/atlas/v2/groups";
    gate.after_response(all);
    ioc.restart();
    bool sent_other = false, sent_q_again = false, sent_list_again = true;
    time_until_done(
        ioc,
        [&]() -> asio::awaitable<void> {
            sent_other = co_await gate.before_send({"", "/groups", "j"});
            sent_q_again = co_await gate.before_send({"q", "/groups/q/integrations/SLACK", "k"});
            sent_list_again = co_await gate.before_send({"", "/groups", "k"});
        },
        [&] { ctl.hard_stop(); });
    BOOST_TEST(sent_other);
    BOOST_TEST(sent_q_again);
    BOOST_TEST(!sent_list_again);
}

BOOST_AUTO_TEST_CASE(the_limits_read_first_pace_each_project) {
    asio::io_context ioc;
    run_control ctl(ioc.get_executor(), 10s);
    run_gate gate(ctl, pacing_params{});
    BOOST_TEST(!gate.learn(boost::json::parse(R"({"results":[]})")));
    BOOST_TEST(gate.learn(boost::json::parse(R"({"results":[{"endpointSetName":"integrations",
        "scope":"PROJECT","capacity":2,"refillRate":1,"refillDurationSeconds":10,
        "endpoints":["groups/{groupId}/integrations"]}]})")));
    int sent = 0;
    time_until_done(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 2; ++i) {
                const bool go = co_await gate.before_send({"p", "/groups/p/integrations/A", "k"});
                if (go) ++sent;
                gate_feedback ok;
                ok.status = 200;
                ok.scope = "p";
                ok.path = "/groups/p/integrations/A";
                ok.credential = "k";
                gate.after_response(ok);
            }
        },
        [] {});
    BOOST_TEST(sent == 2);
    // Its bucket is empty now: the project waits for a refill (no 429 needed), others do not.
    auto now = clock_t_::now();
    BOOST_TEST((gate.project_ready_at("p", now) > now + 5s));
    BOOST_TEST((gate.project_ready_at("q", now) == now));
}

BOOST_AUTO_TEST_CASE(the_token_providers_waits_wake_on_cancel) {
    // The token endpoint answers 429 with Retry-After: 60: the next request waits a minute, and a
    // second caller waits for the first.
    test::hostile_server srv([](test::hostile_connection& c) {
        test::hostile_request req;
        while (c.read_request(req))
            if (!c.write(test::http_response_text(429, R"({"error":"slow_down"})",
                                                  "application/json", "Retry-After: 60\r\n")))
                return;
    });
    asio::io_context ioc;
    open_gate gate;
    http_endpoint ep{false, "127.0.0.1", std::to_string(srv.port()), "127.0.0.1"};
    token_provider tokens(ioc.get_executor(), ep, "/api/oauth/token", nullptr, http_options{}, "id",
                          "secret", gate, "test");
    token_result first, waiting, follower;
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { first = co_await tokens.get(); }, asio::detached);
    ioc.run_for(5s);
    BOOST_TEST(first.status == 429);
    ioc.restart();
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { follower = co_await tokens.get(); }, asio::detached);
    auto took = time_until_done(
        ioc, [&]() -> asio::awaitable<void> { waiting = co_await tokens.get(); },
        [&] { tokens.cancel(); });
    BOOST_TEST(took.count() < 1000);
    BOOST_TEST((waiting.failure == attempt_failure::cancelled));
    BOOST_TEST((follower.failure == attempt_failure::cancelled));
    BOOST_TEST(tokens.requests() == 1u);  // nothing more was sent
}

BOOST_AUTO_TEST_CASE(a_read_in_flight_ends_on_cancel) {
    // A server that reads the request and never answers.
    test::hostile_server srv([](test::hostile_connection& c) {
        test::hostile_request req;
        if (c.read_request(req)) c.sleep(30s);
    });
    asio::io_context ioc;
    http_options opts;
    opts.request_timeout = 30s;
    http_connection conn(ioc.get_executor(),
                         http_endpoint{false, "127.0.0.1", std::to_string(srv.port()), "127.0.0.1"},
                         nullptr, opts);
    http_exchange ex, after;
    auto took = time_until_done(
        ioc,
        [&]() -> asio::awaitable<void> {
            boost::beast::http::request<boost::beast::http::string_body> req{
                boost::beast::http::verb::get, "/x", 11};
            ex = co_await conn.send(std::move(req));
            boost::beast::http::request<boost::beast::http::string_body> again{
                boost::beast::http::verb::get, "/y", 11};
            after = co_await conn.send(std::move(again));
        },
        [&] { conn.cancel(); }, 200ms);
    BOOST_TEST(took.count() < 1200);
    BOOST_TEST((ex.failure != attempt_failure::none));
    BOOST_TEST((after.failure == attempt_failure::cancelled));  // nothing more is sent
    BOOST_TEST(srv.connections() == 1);
}

BOOST_AUTO_TEST_CASE(a_connect_in_flight_ends_on_cancel) {
    // A listening socket whose accept queue is full: the kernel drops further SYNs, so a
    // connect to it waits (here for up to the 30 s connect timeout).
    int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_REQUIRE(::listen(lfd, 0) == 0);
    socklen_t len = sizeof a;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        fillers.push_back(fd);
    }
    asio::io_context ioc;
    http_options opts;
    opts.connect_timeout = 30s;
    http_connection conn(
        ioc.get_executor(),
        http_endpoint{false, "127.0.0.1", std::to_string(ntohs(a.sin_port)), "127.0.0.1"}, nullptr,
        opts);
    http_exchange ex;
    auto took = time_until_done(
        ioc,
        [&]() -> asio::awaitable<void> {
            boost::beast::http::request<boost::beast::http::string_body> req{
                boost::beast::http::verb::get, "/x", 11};
            ex = co_await conn.send(std::move(req));
        },
        [&] { conn.cancel(); }, 300ms);
    BOOST_TEST(took.count() < 1300);
    BOOST_TEST((ex.failure != attempt_failure::none));
    for (int fd : fillers) ::close(fd);
    ::close(lfd);
}

BOOST_AUTO_TEST_SUITE_END()
