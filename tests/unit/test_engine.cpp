// Unit tests for the run engine with a scripted sender (no sockets): the auth gate lets one
// worker prove the credential first (a wrong key costs one request), answers go back to the
// item's machine, a fatal step and an unanswered first item stop the run, concurrency is
// bounded, the hard stop wakes the workers waiting at the auth gate and cancels the request in
// flight, the dry run's printer shows whole URLs with secrets masked, and exit_status_for.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <sstream>

#include "cmbulk/engine.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/read_machine.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

/// Answers every request with `answer(request)` after `latency`; `hang` requests never answer
/// until cancel(). Counts what it saw.
struct scripted_server {
    std::function<api_call_result(const api_request&)> answer;
    std::chrono::milliseconds latency{1};
    bool hang = false;
    int requests = 0, in_flight = 0, max_in_flight = 0, cancels = 0;
};

class scripted_sender final : public api_sender {
public:
    scripted_sender(asio::any_io_executor ex, scripted_server& s) : timer_(ex), s_(s) {}
    asio::awaitable<api_call_result> perform(api_request req) override {
        ++s_.requests;
        s_.max_in_flight = std::max(s_.max_in_flight, ++s_.in_flight);
        if (s_.hang)
            timer_.expires_at(asio::steady_timer::time_point::max());
        else
            timer_.expires_after(s_.latency);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        --s_.in_flight;
        if (ec) {
            api_call_result r;
            r.failure = attempt_failure::cancelled;
            co_return r;
        }
        co_return s_.answer(req);
    }
    void close() override {}
    void cancel() override {
        ++s_.cancels;
        timer_.cancel();
    }

private:
    asio::steady_timer timer_;
    scripted_server& s_;
};

class scripted_factory final : public api_sender_factory {
public:
    scripted_factory(asio::any_io_executor ex, scripted_server& s) : ex_(ex), s_(s) {}
    std::unique_ptr<api_sender> make_sender() override {
        return std::make_unique<scripted_sender>(ex_, s_);
    }

private:
    asio::any_io_executor ex_;
    scripted_server& s_;
};

/// Items that each read one path; records how each ended.
class read_job final : public run_job {
public:
    explicit read_job(int items) : total_(items) {}
    struct item final : work_item {
        explicit item(int i)
            : index(i), read(get_integration_request("p" + std::to_string(i), "SLACK")) {}
        item_step start(retry_policy& p) override { return read.start(p); }
        item_step next(api_call_result r, retry_policy& p) override {
            return read.next(std::move(r), p);
        }
        int index;
        read_machine read;
    };
    std::unique_ptr<work_item> next_item() override {
        if (next_ >= total_) return nullptr;
        return std::make_unique<item>(next_++);
    }
    void finish(std::unique_ptr<work_item> w, item_end how) override {
        ends.push_back(how);
        statuses.push_back(static_cast<item&>(*w).read.result().status);
    }
    std::vector<item_end> ends;
    std::vector<int> statuses;
    int count(item_end e) const {
        return static_cast<int>(std::count(ends.begin(), ends.end(), e));
    }

private:
    int total_, next_ = 0;
};

struct engine_fixture {
    asio::io_context ioc;
    scripted_server server;
    run_control ctl{ioc.get_executor(), 10s};
    scripted_factory factory{ioc.get_executor(), server};
    credential_set creds;
    retry_policy policy;
    run_params params;
    engine_fixture() {
        creds.add("", factory);
        policy.backoff = {1ms, 2ms};
        policy.rng.seed(7);
    }
    /// Runs the job to its end (at most `limit`); false when it did not end.
    bool run(run_job& job, std::chrono::milliseconds limit = 5s) {
        run_context ctx{ctl, creds, policy};
        bool done = false;
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await run_workers(ctx, params, job);
                done = true;
            },
            [](std::exception_ptr e) {
                if (e) std::rethrow_exception(e);
            });
        ioc.run_for(limit);
        return done;
    }
};

api_call_result ok200(const api_request&) {
    api_call_result r;
    r.status = 200;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_suite)

BOOST_AUTO_TEST_CASE(every_item_runs_once_on_bounded_workers) {
    engine_fixture f;
    f.server.answer = ok200;
    f.server.latency = 5ms;
    f.params.concurrency = 4;
    read_job job(40);
    BOOST_REQUIRE(f.run(job));
    BOOST_TEST(job.count(item_end::done) == 40);
    BOOST_TEST(f.server.requests == 40);
    BOOST_TEST(f.server.max_in_flight <= 4);
    BOOST_TEST(f.server.max_in_flight >= 2);  // the gate opened after the first answer
}

BOOST_AUTO_TEST_CASE(a_wrong_key_costs_one_request_not_one_per_worker) {
    engine_fixture f;
    f.server.answer = [](const api_request&) {
        api_call_result r;
        r.status = 401;
        r.auth_failed = true;
        return r;
    };
    f.params.concurrency = 8;
    read_job job(20);
    BOOST_REQUIRE(f.run(job));
    // The refusal, and the one key-level read that tells a wrong key from a project out of reach.
    BOOST_TEST(f.server.requests == 2);
    BOOST_TEST(f.ctl.fatal());
    BOOST_TEST(f.ctl.fatal_message().find("authentication failed") != std::string::npos);
    BOOST_TEST(job.count(item_end::fatal) == 1);
    // The workers that waited at the auth gate sent nothing.
    BOOST_TEST(job.count(item_end::not_started) == static_cast<int>(job.ends.size()) - 1);
}

BOOST_AUTO_TEST_CASE(nothing_answering_stops_the_run_as_unreachable) {
    engine_fixture f;
    f.server.answer = [](const api_request&) {
        api_call_result r;
        r.failure = attempt_failure::connect_failed;
        r.detail = "connect failed: Connection refused";
        return r;
    };
    f.policy.max_attempts = 2;
    read_job job(10);
    BOOST_REQUIRE(f.run(job));
    BOOST_TEST(f.ctl.fatal());
    BOOST_TEST(f.ctl.fatal_message() == "server unreachable: connect failed: Connection refused");
    BOOST_TEST(f.server.requests == 2);  // one item's attempts, then the run stopped
}

BOOST_AUTO_TEST_CASE(a_failure_after_the_server_answered_only_fails_its_item) {
    engine_fixture f;
    int n = 0;
    f.server.answer = [&n](const api_request&) {
        api_call_result r;
        if (n++ == 3) {
            r.failure = attempt_failure::connect_failed;
            return r;
        }
        r.status = 200;
        return r;
    };
    f.policy.max_attempts = 1;
    f.params.concurrency = 1;
    read_job job(6);
    BOOST_REQUIRE(f.run(job));
    BOOST_TEST(!f.ctl.fatal());
    BOOST_TEST(job.count(item_end::done) == 6);
    BOOST_TEST(job.statuses[3] == 0);
}

BOOST_AUTO_TEST_CASE(the_hard_stop_cancels_requests_and_wakes_the_auth_gate) {
    engine_fixture f;
    f.server.answer = ok200;
    f.server.hang = true;  // the first request never answers: the others wait for the auth gate
    f.params.concurrency = 4;
    read_job job(10);
    asio::steady_timer t(f.ioc, 50ms);
    t.async_wait([&](auto) { f.ctl.hard_stop(); });
    auto t0 = std::chrono::steady_clock::now();
    BOOST_REQUIRE(f.run(job));
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 1s));
    BOOST_TEST(f.server.requests == 1);
    BOOST_TEST(f.server.cancels >= 1);
    BOOST_TEST(job.count(item_end::abandoned) == 1);
    BOOST_TEST(job.count(item_end::not_started) == 3);  // one per waiting worker; no more taken
}

BOOST_AUTO_TEST_CASE(a_first_stop_lets_items_in_flight_finish_and_starts_no_more) {
    engine_fixture f;
    f.server.answer = ok200;
    f.server.latency = 20ms;
    f.params.concurrency = 2;
    read_job job(100);
    asio::steady_timer t(f.ioc, 50ms);
    t.async_wait([&](auto) { f.ctl.stop(); });
    BOOST_REQUIRE(f.run(job));
    BOOST_TEST(job.count(item_end::done) == static_cast<int>(job.ends.size()));
    BOOST_TEST(job.ends.size() < 100u);
}

BOOST_AUTO_TEST_CASE(a_401_after_the_key_was_answered_fails_only_that_item) {
    // Issue 13: a right key without access to one project gets a 401 there.
    engine_fixture f;
    f.server.answer = [](const api_request& req) {
        api_call_result r;
        r.status = req.scope == "p3" ? 401 : 200;
        r.auth_failed = req.scope == "p3";
        return r;
    };
    f.params.concurrency = 2;
    read_job job(8);
    BOOST_REQUIRE(f.run(job));
    BOOST_TEST(!f.ctl.fatal());
    BOOST_TEST(job.count(item_end::done) == 8);
    BOOST_TEST(f.server.requests == 8);  // the refused read is not retried
}

BOOST_AUTO_TEST_CASE(a_401_before_any_answer_is_told_apart_by_one_key_level_read) {
    // The first answer is a 401 for project p0: a wrong key, or a key that cannot reach p0 (they
    // answer alike). One read of the key's own project list says which: here it is answered, so
    // p0 is out of reach and the run goes on.
    engine_fixture f;
    int probes = 0;
    f.server.answer = [&probes](const api_request& req) {
        api_call_result r;
        if (req.scope.empty() && req.path.starts_with("/groups?")) ++probes;
        r.status = req.scope == "p0" ? 401 : 200;
        r.auth_failed = req.scope == "p0";
        return r;
    };
    read_job job(8);
    BOOST_REQUIRE(f.run(job));
    BOOST_TEST(!f.ctl.fatal());
    BOOST_TEST(probes == 1);
    BOOST_TEST(f.server.requests == 9);  // the 8 reads and the probe
    BOOST_TEST(job.count(item_end::done) == 8);
    // Refused as well: the key is wrong, the run stops.
    engine_fixture g;
    g.server.answer = [](const api_request& req) {
        api_call_result r;
        bool refused = req.scope == "p0" || req.scope.empty();
        r.status = refused ? 401 : 200;
        r.auth_failed = refused;
        return r;
    };
    read_job job2(8);
    BOOST_REQUIRE(g.run(job2));
    BOOST_TEST(g.ctl.fatal());
    BOOST_TEST(g.server.requests == 2);
}

BOOST_AUTO_TEST_CASE(the_dry_run_prints_whole_urls_with_secrets_masked) {
    asio::io_context ioc;
    std::ostringstream out;
    dry_run_printer printer(out, "https://cloud.mongodb.com", "/api/atlas/v2");
    auto sender = printer.make_sender();
    boost::json::object fields{{"apiToken", "xoxb-very-secret-token-9876"}, {"teamName", "t"}};
    api_call_result post, get;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto req = create_integration_request("5e2211c17a3e5a48f5497de3", "SLACK", fields);
            req.label = "m.csv:2";
            post = co_await sender->perform(std::move(req));
            get = co_await sender->perform(
                get_integration_request("5e2211c17a3e5a48f5497de3", "SLACK"));
        },
        asio::detached);
    ioc.run_for(1s);
    auto text = out.str();
    BOOST_TEST(text.find("m.csv:2: POST https://cloud.mongodb.com/api/atlas/v2/groups/"
                         "5e2211c17a3e5a48f5497de3/integrations/SLACK") != std::string::npos,
               text);
    BOOST_TEST(text.find("9876") != std::string::npos);
    BOOST_TEST(text.find("very-secret") == std::string::npos);
    BOOST_TEST(text.find("not read") != std::string::npos);
    BOOST_TEST(post.status == 200);
    BOOST_TEST((get.api_error == api_errc::integration_not_configured));
    BOOST_TEST(printer.printed() == 2u);
}

BOOST_AUTO_TEST_CASE(run_params_have_one_validation) {
    diagnostics d;
    run_params p;
    BOOST_TEST(validate(p, d).has_value());
    p.concurrency = 0;
    BOOST_TEST(!validate(p, d).has_value());
    BOOST_TEST(d.field == "--concurrency");
    p = {};
    p.max_attempts = 0;
    BOOST_TEST(!validate(p, d).has_value());
    BOOST_TEST(d.field == "--max-attempts");
    p = {};
    p.pacing.rate = -1;
    auto r = validate(p, d);
    BOOST_TEST(!r.has_value());
    BOOST_TEST(d.field == "--rate");
    BOOST_TEST((r.error() == run_errc::invalid_parameter));
}

BOOST_AUTO_TEST_CASE(the_resume_command_is_the_command_as_typed_plus_resume) {
    BOOST_TEST(resume_command({"cmbulk", "apply", "m.csv", "--grace", "5"}) ==
               "cmbulk apply m.csv --grace 5 --resume");
    BOOST_TEST(resume_command({"cmbulk", "apply", "m.csv", "--resume"}) ==
               "cmbulk apply m.csv --resume");
    BOOST_TEST(resume_command({"cmbulk", "apply", "my file.csv", "--set", "apiToken=${env:T}"}) ==
               "cmbulk apply 'my file.csv' --set 'apiToken=${env:T}' --resume");
    BOOST_TEST(resume_command({"cmbulk", "audit", "it's.csv"}) ==
               "cmbulk audit 'it'\\''s.csv' --resume");
}

BOOST_AUTO_TEST_CASE(one_function_from_the_end_of_a_run_to_its_exit_status) {
    run_end e;
    BOOST_TEST(exit_status_for(e) == exit_success);
    e.changes = true;
    BOOST_TEST(exit_status_for(e) == exit_success);
    e.detailed_exitcode = true;
    BOOST_TEST(exit_status_for(e) == exit_changes);
    e.unsuccessful = 1;
    BOOST_TEST(exit_status_for(e) == exit_rows_failed);
    e = {};
    e.outputs_failed = true;  // a report or checkpoint that could not be written: never 0
    BOOST_TEST(exit_status_for(e) == exit_rows_failed);
    e.interrupted = true;
    BOOST_TEST(exit_status_for(e) == exit_interrupted);
    e.fatal = true;
    BOOST_TEST(exit_status_for(e) == exit_fatal);
}

BOOST_AUTO_TEST_SUITE_END()
