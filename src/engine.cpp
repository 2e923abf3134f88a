// The run engine's workers: each takes an item from the job, runs its machine request by request
// (waits, auth gate, journal hook, send, answer), and hands it back finished; a ticker prints the
// progress line and lets the job fsync its journal. See engine.hpp.
#include "cmbulk/engine.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>

#include "cmbulk/org_routing.hpp"

namespace cmbulk {
namespace asio = boost::asio;
using asio::awaitable;

// ---- the credentials and their auth gates ----------------------------------------------------

struct credential_set::state {
    api_sender_factory* factory = nullptr;
    bool answered = false;  ///< a request was answered (not a definitive 401): the gate is open
    bool failed = false;    ///< its credentials were refused: nothing more is sent with it
    int prover = -1;        ///< the worker that alone may send until `answered`
    bool probed = false;    ///< the key-level probe was sent (see prove_key)
    std::string refusal;    ///< with failed: why (the fatal reason, no secret)
    std::uint64_t not_done = 0;  ///< its rows that ended not done (credential_set::not_done)
    std::unique_ptr<run_control::event> changed;  ///< wakes the workers waiting for their turn
    std::string source;                           ///< where it came from (messages)
    no_access_streak no_access;  ///< no-access items in a row (the revoked-key rule)
    void notify() {
        if (changed) changed->notify_all();
    }
};

credential_set::credential_set() = default;
credential_set::~credential_set() = default;

void credential_set::add(std::string key, api_sender_factory& factory, std::string source) {
    auto s = std::make_unique<state>();
    s->factory = &factory;
    s->source = std::move(source);
    creds_[std::move(key)] = std::move(s);
}

credential_set::state* credential_set::find(std::string_view key) {
    auto it = creds_.find(key);
    return it == creds_.end() ? nullptr : it->second.get();
}

bool credential_set::refused(std::string_view key) const {
    auto it = creds_.find(key);
    return it != creds_.end() && it->second->failed;
}

std::vector<std::pair<std::string, std::string>> credential_set::refusals() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& [key, s] : creds_)
        if (s->failed) out.emplace_back(key, s->refusal);
    return out;
}

std::uint64_t credential_set::not_done(std::string_view key) const {
    auto it = creds_.find(key);
    return it == creds_.end() ? 0 : it->second->not_done;
}

void credential_set::count_not_done(std::string_view key) {
    if (auto* s = find(key)) ++s->not_done;
}

void credential_set::cancel_all() {
    for (auto& [key, s] : creds_) s->factory->cancel();
}

namespace {

constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// Whether `worker` may send with `c` now; waits while another worker proves the credential.
/// False: the credential failed, the run is stopping (nothing was sent yet), or the hard stop.
awaitable<bool> take_turn(credential_set::state& c, int worker, run_control& ctl) {
    for (;;) {
        if (c.answered) co_return true;
        if (c.failed) co_return false;
        if (c.prover == worker) co_return true;
        if (ctl.stopping()) co_return false;
        if (c.prover < 0) {
            c.prover = worker;
            co_return true;
        }
        if (!c.changed) c.changed = std::make_unique<run_control::event>(ctl);
        const bool woken = co_await c.changed->wait();
        if (!woken) co_return false;
    }
}

/// What an item's answers said about its project, for the revoked-key rule (no_access_streak).
struct project_reach {
    std::string project;
    bool reached = false;  ///< answered there with something other than a definitive 401
    bool refused = false;  ///< a definitive 401 there after the credential had been answered
    void on_answer(const api_call_result& r) {
        reached = reached || (r.status != 0 && !r.auth_failed);
        refused = refused || (r.auth_failed && r.credential_answered);
    }
};

/// An item between two of its requests: its machine's next step and what it has sent so far.
/// An item whose next request must wait (its project deferred by the gate, or a backoff) is
/// parked here, and the worker takes another item meanwhile (issue 16).
struct item_run {
    std::unique_ptr<work_item> item;
    item_step step;
    bool started = false;
    std::uint32_t sent = 0, answered = 0;
    std::string last_detail;
    project_reach reach;            ///< for the revoked-key rule (no_access_streak)
    bool last_auth_failed = false;  ///< its last answer was a 401 (names the key's source)
    std::chrono::steady_clock::time_point ready{};

    /// Starts `next` in this run, the worker's own (its strings keep their buffers).
    void begin(std::unique_ptr<work_item> next) {
        item = std::move(next);
        step = {};
        started = last_auth_failed = false;
        sent = answered = 0;
        last_detail.clear();
        reach.project.clear();
        reach.reached = reach.refused = false;
        ready = {};
    }
};

/// The state one run_workers call shares between its workers and its ticker.
struct engine {
    run_context& ctx;
    const run_params& params;
    run_job& job;
    std::vector<api_sender*> live;  ///< every worker's senders, for the hard stop
    std::vector<item_run> parked;   ///< items waiting for their next request's time
    std::uint64_t retries = 0;      ///< attempts after the first, sent (the progress line)
    int workers = 0;                ///< still running
    int pending = 0;                ///< coroutines (workers and ticker) not finished
    std::exception_ptr failure;     ///< the first exception of a worker (a bug)
    asio::steady_timer ticks;
    asio::steady_timer done;
    asio::signal_set resizes;  ///< SIGWINCH while a live progress line is shown

    engine(run_context& c, const run_params& p, run_job& j, asio::any_io_executor ex)
        : ctx(c), params(p), job(j), ticks(ex), done(ex), resizes(ex) {
        done.expires_at(asio::steady_timer::time_point::max());
    }
    /// Parking is bounded: a few items per worker.
    std::size_t park_limit() const {
        return 64 * static_cast<std::size_t>(std::max(1, params.concurrency));
    }
};

/// One worker's senders, one per credential it has used.
class worker_senders {
public:
    explicit worker_senders(engine& e) : e_(e) {}
    ~worker_senders() {
        for (auto& [c, s] : senders_) {
            s->close();
            std::erase(e_.live, s.get());
        }
    }
    api_sender& get(credential_set::state& c) {
        for (auto& [cred, s] : senders_)
            if (cred == &c) return *s;
        senders_.emplace_back(&c, c.factory->make_sender());
        e_.live.push_back(senders_.back().second.get());
        return *senders_.back().second;
    }

private:
    engine& e_;
    std::vector<std::pair<credential_set::state*, std::unique_ptr<api_sender>>> senders_;
};

/// Gives the turn back when an item ends (however it ends) without having proved its credential.
struct turn_release {
    credential_set::state& c;
    int worker;
    ~turn_release() {
        if (c.prover != worker) return;
        c.prover = -1;
        if (!c.answered) c.notify();
    }
};

/// The first answer with a credential is a 401 on a project's (or an organization's) resource: a
/// wrong key and a key without access to that project answer alike (api-facts.md). One key-level
/// read (GET /groups, one item) tells them apart: answered, the key is good and the 401 was that
/// item's no-access; refused too, the key is wrong. Once per credential.
awaitable<void> prove_key(credential_set::state& c, api_sender& sender, bool scoped,
                          api_call_result& r) {
    if (!r.auth_failed || c.answered || c.probed || !scoped) co_return;
    c.probed = true;
    auto probe = co_await sender.perform(projects_page_request("", 1, 1));
    r.requests_sent += probe.requests_sent;  // the run's records count every request sent
    if (probe.status == 0 || probe.auth_failed) co_return;
    c.answered = true;
    c.notify();
    r.credential_answered = true;
}

/// A fatal step's message; a refused key is named by its source (never its secret).
std::string fatal_message(const credential_set::state& c, const std::string& reason,
                          bool key_refused) {
    if (!key_refused || c.source.empty()) return reason;
    return reason + " (" + credential_phrase(c.source) + ")";
}

/// When `run`'s next request may go: after its backoff, and once the gate lets its project go.
std::chrono::steady_clock::time_point ready_time(const engine& e, const item_run& run) {
    auto now = std::chrono::steady_clock::now();
    auto t = now + run.step.delay;
    if (e.ctx.gate && !run.step.request.scope.empty())
        t = std::max(t, e.ctx.gate->project_ready_at(run.step.request.scope, now));
    return t;
}

/// Parks `run` when its next request must wait a while and there is room: true when parked.
bool park(engine& e, item_run& run) {
    using namespace std::chrono;
    auto t = ready_time(e, run);
    if (t - steady_clock::now() < milliseconds(20) || e.parked.size() >= e.park_limit())
        return false;
    run.ready = t;
    run.step.delay = milliseconds(0);  // counted in `ready`
    e.parked.push_back(std::move(run));
    return true;
}

/// Runs one item's machine to its end, or until it is parked (nullopt).
awaitable<std::optional<item_end>> run_item(engine& e, int worker, worker_senders& senders,
                                            item_run& run) {
    auto& ctl = e.ctx.control;
    auto& item = *run.item;
    auto* cred = e.ctx.credentials.find(item.credential());
    if (!cred) throw std::logic_error("an item names a credential the run does not have");
    turn_release release{*cred, worker};
    api_sender& sender = senders.get(*cred);
    auto stopped = [&] { return run.sent == 0 ? item_end::not_started : item_end::abandoned; };
    if (!run.started) {
        run.step = item.start(e.ctx.policy);
        run.started = true;
    }
    while (run.step.kind == item_step::send) {
        if (!ctl.hard_stopped() && park(e, run)) co_return std::nullopt;
        auto& step = run.step;
        // (No co_await inside a condition: GCC 12 miscompiles some of those.)
        if (step.delay.count() > 0) {
            const bool slept = co_await ctl.sleep(step.delay);
            if (!slept) co_return stopped();
        }
        const bool turn = co_await take_turn(*cred, worker, ctl);
        if (!turn || ctl.hard_stopped()) co_return stopped();
        if (!e.job.before_send(item, step)) co_return stopped();
        const bool was_answered = cred->answered;
        const bool scoped = !step.request.scope.empty() || !step.request.org.empty();
        if (scoped)
            run.reach.project = step.request.scope.empty() ? step.request.org : step.request.scope;
        auto r = co_await sender.perform(std::move(step.request));
        r.credential_answered = was_answered;
        co_await prove_key(*cred, sender, scoped, r);
        ++run.sent;
        if (run.step.retry) ++e.retries;
        if (r.status != 0) ++run.answered;
        run.last_auth_failed = r.auth_failed;
        if (scoped) run.reach.on_answer(r);
        if (r.status != 0 && !r.auth_failed && !cred->answered) {
            cred->answered = true;
            cred->notify();
        }
        e.job.on_answer(item, step, r);
        if (ctl.hard_stopped()) co_return item_end::abandoned;
        run.last_detail = r.detail;
        run.step = item.next(std::move(r), e.ctx.policy);
    }
    if (run.step.kind == item_step::fatal) {
        // Its credentials were refused (classify): nothing more goes out with them. In a fleet
        // (one credential per organization) only that credential's items stop (org_routing.hpp).
        cred->failed = true;
        if (cred->refusal.empty()) cred->refusal = run.step.reason;
        cred->notify();
        if (credential_failure_stops_run(e.ctx.credentials.size()))
            ctl.fail(fatal_message(*cred, run.step.reason, run.last_auth_failed));
        co_return item_end::fatal;
    }
    if (unreachable_stops_run(cred->answered, run.sent, run.answered)) {
        ctl.fail("server unreachable: " + run.last_detail);
        co_return item_end::fatal;
    }
    if (cred->no_access.on_item(run.reach.project, run.reach.reached, run.reach.refused,
                                e.params.max_no_access)) {
        // The key has likely been revoked: the run stops, or in a fleet only that credential.
        auto why = revoked_key_message(cred->no_access.projects(), cred->source);
        cred->failed = true;
        if (cred->refusal.empty()) cred->refusal = why;
        cred->notify();
        if (credential_failure_stops_run(e.ctx.credentials.size())) ctl.fail(why);
        co_return item_end::fatal;
    }
    co_return item_end::done;
}

/// Takes into `run` the parked item whose time has come first (its time passed), if any.
bool take_parked(engine& e, item_run& run) {
    if (e.parked.empty()) return false;
    auto now = std::chrono::steady_clock::now();
    auto best = e.parked.end();
    for (auto it = e.parked.begin(); it != e.parked.end(); ++it)
        if (it->ready <= now && (best == e.parked.end() || it->ready < best->ready)) best = it;
    if (best == e.parked.end()) return false;
    run = std::move(*best);
    e.parked.erase(best);
    return true;
}

/// Hands `run`'s item back to the job, ended `how`; a row not done (never finished, or whose
/// last answer was a refusal) is counted against its credential for the summary.
void finish_run(engine& e, item_run& run, item_end how) {
    if (e.ctx.counts_rows && (how != item_end::done || run.last_auth_failed))
        e.ctx.credentials.count_not_done(run.item->credential());
    e.job.finish(std::move(run.item), how);
}

/// The hard stop: the parked items end unsent or abandoned.
void drop_parked(engine& e) {
    for (auto& p : e.parked)
        finish_run(e, p, p.sent == 0 ? item_end::not_started : item_end::abandoned);
    e.parked.clear();
}

/// The next item to work on, into `run` (the worker's, reused from item to item): a parked one
/// whose time has come, else a new one (none once the run is stopping); waits while only parked
/// items are left. false: nothing left.
awaitable<bool> next_run(engine& e, item_run& run) {
    using namespace std::chrono;
    for (;;) {
        if (e.ctx.control.hard_stopped()) drop_parked(e);
        if (take_parked(e, run)) co_return true;
        if (!e.ctx.control.stopping()) {
            if (auto item = e.job.next_item()) {
                run.begin(std::move(item));
                co_return true;
            }
        }
        if (e.parked.empty()) co_return false;
        auto first = e.parked.front().ready;
        for (auto& p : e.parked) first = std::min(first, p.ready);
        // Short naps: an item parked meanwhile may be due sooner.
        auto nap = std::clamp<steady_clock::duration>(first - steady_clock::now(), milliseconds(1),
                                                      milliseconds(50));
        const bool slept = co_await e.ctx.control.sleep(nap);
        if (!slept) drop_parked(e);
    }
}

awaitable<void> worker(engine* e, int id) {
    worker_senders senders(*e);
    item_run run;
    for (;;) {
        const bool more = co_await next_run(*e, run);
        if (!more) break;
        auto how = co_await run_item(*e, id, senders, run);
        if (how) finish_run(*e, run, *how);
    }
}

progress_counts_now counts_now(const engine& e) {
    auto p = e.job.progress();
    progress_counts_now c;
    c.done = p.done;
    c.failed = p.failed;
    c.retries = e.retries;
    if (const auto* g = e.ctx.gate) {
        c.requests = g->requests();
        c.throttled = g->throttled();
        c.pause_left = g->pause_left();
    }
    return c;
}

/// A resized terminal (SIGWINCH): the live line takes the new width and is redrawn at once.
void listen_for_resize(engine& e) {
    e.resizes.async_wait([&e](boost::system::error_code ec, int) {
        if (ec) return;  // cancelled: the workers are done (e may be gone)
        e.ctx.progress->on_resize(progress_meter::terminal_width());
        listen_for_resize(e);
    });
}

/// The progress line at its interval and the job's tick once a second, while workers run.
awaitable<void> ticker(engine* e) {
    using namespace std::chrono;
    auto* meter = e->ctx.progress;
    const auto period = meter ? std::min<milliseconds>(meter->interval(), seconds(1)) : seconds(1);
    auto last_tick = steady_clock::now(), last_line = last_tick;
    while (e->workers > 0) {
        e->ticks.expires_after(period);
        co_await e->ticks.async_wait(as_tuple_awaitable);
        if (e->workers == 0) break;
        auto now = steady_clock::now();
        if (now - last_tick >= seconds(1) - milliseconds(50)) {
            e->job.tick();
            last_tick = now;
        }
        if (meter && now - last_line >= meter->interval() - milliseconds(50)) {
            meter->tick(counts_now(*e));
            last_line = now;
        }
    }
}

}  // namespace

awaitable<void> run_workers(run_context& ctx, const run_params& params, run_job& job) {
    auto ex = co_await asio::this_coro::executor;
    engine e(ctx, params, job, ex);
    // The hard stop cancels every connection in use and the token providers' waits.
    auto hook = ctx.control.on_hard_stop([&e] {
        for (auto* s : std::vector(e.live)) s->cancel();
        e.ctx.credentials.cancel_all();
    });
    const int n = std::max(1, params.concurrency);
    if (ctx.progress && ctx.progress->live()) {
        boost::system::error_code ignored;
        e.resizes.add(SIGWINCH, ignored);
        listen_for_resize(e);
    }
    // co_spawn may run a coroutine inline up to its first wait (or its end): count first.
    e.workers = n;
    e.pending = n + 1;
    auto finished = [&e](std::exception_ptr p, bool is_worker) {
        if (p && !e.failure) {
            e.failure = p;
            e.ctx.control.hard_stop();
        }
        if (is_worker && --e.workers == 0) {
            e.ticks.cancel();
            boost::system::error_code ignored;
            e.resizes.cancel(ignored);
        }
        if (--e.pending == 0) e.done.cancel();
    };
    asio::co_spawn(ex, ticker(&e), [finished](std::exception_ptr p) { finished(p, false); });
    for (int i = 0; i < n; ++i)
        asio::co_spawn(ex, worker(&e, i), [finished](std::exception_ptr p) { finished(p, true); });
    if (e.pending > 0) co_await e.done.async_wait(as_tuple_awaitable);
    if (e.failure) std::rethrow_exception(e.failure);
}

// ---- parameters, outputs, errors -------------------------------------------------------------

namespace {
class run_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "cmbulk.run"; }
    std::string message(int v) const override {
        static constexpr const char* text[] = {"no error", "invalid run parameter",
                                               "unusable server configuration",
                                               "an output cannot be written"};
        return v >= 0 && v < static_cast<int>(std::size(text)) ? text[v] : "run error";
    }
};

boost::system::error_code bad(diagnostics& diag, run_errc e, std::string field,
                              std::string message) {
    diag.field = std::move(field);
    diag.message = std::move(message);
    return make_error_code(e);
}
}  // namespace

const boost::system::error_category& run_category() {
    static const run_category_impl c;
    return c;
}

boost::system::result<void> validate(const run_params& p, diagnostics& diag) {
    auto invalid = [&](const char* option, const char* why) {
        return bad(diag, run_errc::invalid_parameter, option, why);
    };
    if (p.concurrency < 1 || p.concurrency > 256)
        return invalid("--concurrency", "expected 1 to 256");
    if (!(p.pacing.rate >= 0) || !(p.pacing.burst >= 0))
        return invalid(p.pacing.rate >= 0 ? "--burst" : "--rate", "must not be negative");
    if (p.max_attempts < 1) return invalid("--max-attempts", "at least 1");
    if (p.max_no_access > 1000000) return invalid("--max-no-access", "expected 0 to 1000000");
    if (!(p.retry_budget_ratio >= 0)) return invalid("--retry-budget", "must not be negative");
    if (p.grace.count() < 0 || p.grace > std::chrono::hours(24))
        return invalid("--grace", "expected 0 to 86400 seconds");
    if (p.backoff.base.count() < 0 || p.backoff.cap < p.backoff.base)
        return invalid("backoff", "the cap must be at least the base");
    return {};
}

std::string resume_command(const std::vector<std::string>& args) {
    std::string out;
    bool has_resume = false;
    for (auto& a : args) {
        has_resume = has_resume || a == "--resume";
        if (!out.empty()) out += ' ';
        // Plain words as they are; anything a shell would read differently in single quotes.
        bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./:=,@%+", c);
        });
        if (plain) {
            out += a;
            continue;
        }
        out += '\'';
        for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    if (!has_resume) out += " --resume";
    return out;
}

boost::system::result<void> check_output_path(const std::filesystem::path& path,
                                              std::string_view what, diagnostics& diag) {
    namespace fs = std::filesystem;
    diag.file = path.string();
    auto no = [&](const std::string& why) {
        return bad(diag, run_errc::output_not_writable, {},
                   "cannot write the " + std::string(what) + " there: " + why);
    };
    std::error_code ec;
    if (fs::is_directory(path, ec)) return no("it is a directory");
    auto dir = path.parent_path();
    if (dir.empty()) dir = ".";
    if (!fs::is_directory(dir, ec)) return no("no such directory " + dir.string());
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        return no("the directory " + dir.string() + " is not writable");
    diag.file.clear();
    return {};
}

}  // namespace cmbulk
