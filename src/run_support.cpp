// The run-wide gate and the retried read shared by apply, audit and plan.
#include "cmbulk/run_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cmbulk {
namespace asio = boost::asio;
using asio::awaitable;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace

run_gate::run_gate(asio::any_io_executor ex, pacing_params params)
    : ex_(ex), ctl_(params, clock_type::now()) {}

awaitable<void> run_gate::before_request() {
    auto wait = ctl_.reserve(clock_type::now());
    asio::steady_timer timer(ex_);
    while (wait > duration::zero()) {
        timer.expires_after(wait);
        co_await timer.async_wait(as_tuple_awaitable);
        // A Retry-After pause may have begun while we waited: honour it too.
        auto now = clock_type::now();
        wait = now < ctl_.paused_until() ? ctl_.paused_until() - now : duration::zero();
    }
    ++requests_;
}

void run_gate::after_response(int status, double remaining, double limit,
                              std::optional<std::chrono::milliseconds> retry_after) {
    pacing_feedback fb;
    fb.status = status;
    fb.remaining = remaining;
    fb.limit = limit;
    fb.retry_after = retry_after;
    ctl_.on_response(clock_type::now(), fb);
    if (status == 429) ++throttled_;
}

void run_gate::apply_hint(const server_rate_hint& h) { ctl_.apply_hint(clock_type::now(), h); }

double run_gate::current_rate() const { return ctl_.current_rate(); }

awaitable<api_call_result> read_with_retry(std::function<awaitable<api_call_result>()> call,
                                           run_gate& gate, retry_policy& policy, int& attempts) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    int failed = 0, overloaded = 0;
    policy.budget.on_first_attempt();
    for (;;) {
        auto r = co_await call();
        ++attempts;
        if (r.status == 429)
            if (auto hint = parse_rate_hint(r.body)) gate.apply_hint(*hint);
        if (r.auth_failed || !is_retryable(r.status, r.failure)) co_return r;
        // The same allowances as a row's writes (row_plan): 429 and 503 count apart.
        bool is_overload = is_overloaded(r.status, r.failure);
        int& used = is_overload ? overloaded : failed;
        ++used;
        if (used >= (is_overload ? max_overloaded_tries : policy.max_attempts)) co_return r;
        if (!policy.budget.try_spend()) co_return r;
        // The gate honours a 429's Retry-After for every request; other failures back off here.
        if (!(r.failure == attempt_failure::none && r.status == 429)) {
            timer.expires_after(backoff_delay(policy.backoff, used, r.retry_after, policy.rng));
            co_await timer.async_wait(as_tuple_awaitable);
        }
    }
}

namespace {
struct pool_state {
    api_client* client = nullptr;
    std::size_t next = 0, count = 0;
    int running = 0;
    const bool* stop = nullptr;
    std::function<awaitable<void>(api_session&, std::size_t)> job;
    std::optional<asio::steady_timer> done;
};

awaitable<void> pool_worker(std::shared_ptr<pool_state> st) {
    auto session = st->client->make_session();
    while (!*st->stop && st->next < st->count) {
        auto i = st->next++;
        co_await st->job(*session, i);
    }
    session->close();
    if (--st->running == 0) st->done->cancel();
}
}  // namespace

awaitable<void> for_each_index(api_client& client, int workers, std::size_t count,
                               std::function<awaitable<void>(api_session&, std::size_t)> job,
                               const bool& stop) {
    if (count == 0 || stop) co_return;
    auto ex = co_await asio::this_coro::executor;
    auto st = std::make_shared<pool_state>();
    st->client = &client;
    st->count = count;
    st->stop = &stop;
    st->job = std::move(job);
    st->done.emplace(ex);
    st->done->expires_at(asio::steady_timer::time_point::max());
    {
        // The first job alone: it proves the credentials before the others start.
        auto session = client.make_session();
        co_await st->job(*session, st->next++);
        session->close();
    }
    if (stop || st->next >= count) co_return;
    // co_spawn may start a worker inline, and a worker with nothing to do ends at once: count
    // the spawns with a local, not with `running`.
    int n = std::max(1, workers);
    st->running = n;
    for (int i = 0; i < n; ++i)
        asio::co_spawn(ex, pool_worker(st), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    // A spawned worker may run inline and end before we get here (nothing left to do): its
    // cancel then woke nobody, so wait only while workers are still running.
    if (st->running > 0) co_await st->done->async_wait(as_tuple_awaitable);
}

void run_until_done(asio::io_context& ioc, std::function<awaitable<void>()> work,
                    bool& interrupted) {
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&interrupted](boost::system::error_code ec, int) {
        if (!ec) interrupted = true;
    });
    std::exception_ptr failure;
    asio::co_spawn(ioc, work(), [&](std::exception_ptr e) {
        failure = e;
        signals.cancel();
    });
    ioc.run();
    ioc.restart();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace cmbulk
