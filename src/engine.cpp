// The run engine's workers: each takes an item from the job, runs its machine request by request
// (waits, auth gate, journal hook, send, answer), and hands it back finished; a ticker prints the
// progress line and lets the job fsync its journal. See engine.hpp.
#include "cmbulk/engine.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cstring>
#include <exception>
#include <filesystem>

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

/// The state one run_workers call shares between its workers and its ticker.
struct engine {
    run_context& ctx;
    const run_params& params;
    run_job& job;
    std::vector<api_sender*> live;  ///< every worker's senders, for the hard stop
    int workers = 0;                ///< still running
    int pending = 0;                ///< coroutines (workers and ticker) not finished
    std::exception_ptr failure;     ///< the first exception of a worker (a bug)
    asio::steady_timer ticks;
    asio::steady_timer done;

    engine(run_context& c, const run_params& p, run_job& j, asio::any_io_executor ex)
        : ctx(c), params(p), job(j), ticks(ex), done(ex) {
        done.expires_at(asio::steady_timer::time_point::max());
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
    if (probe.status == 0 || probe.auth_failed) co_return;
    c.answered = true;
    c.notify();
    r.credential_answered = true;
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

/// A fatal step's message; a refused key is named by its source (never its secret).
std::string fatal_message(const credential_set::state& c, const std::string& reason,
                          bool key_refused) {
    if (!key_refused || c.source.empty()) return reason;
    return reason + " (" + credential_phrase(c.source) + ")";
}

/// Runs one item's machine to its end.
awaitable<item_end> run_item(engine& e, int worker, worker_senders& senders, work_item& item) {
    auto& ctl = e.ctx.control;
    auto* cred = e.ctx.credentials.find(item.credential());
    if (!cred) throw std::logic_error("an item names a credential the run does not have");
    turn_release release{*cred, worker};
    api_sender& sender = senders.get(*cred);
    std::uint32_t sent = 0, answered = 0;
    auto stopped = [&] { return sent == 0 ? item_end::not_started : item_end::abandoned; };
    std::string last_detail;
    project_reach reach;
    bool last_auth_failed = false;
    auto step = item.start(e.ctx.policy);
    while (step.kind == item_step::send) {
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
            reach.project = step.request.scope.empty() ? step.request.org : step.request.scope;
        auto r = co_await sender.perform(std::move(step.request));
        r.credential_answered = was_answered;
        co_await prove_key(*cred, sender, scoped, r);
        ++sent;
        if (r.status != 0) ++answered;
        last_auth_failed = r.auth_failed;
        if (scoped) reach.on_answer(r);
        if (r.status != 0 && !r.auth_failed && !cred->answered) {
            cred->answered = true;
            cred->notify();
        }
        e.job.on_answer(item, step, r);
        if (ctl.hard_stopped()) co_return item_end::abandoned;
        last_detail = r.detail;
        step = item.next(std::move(r), e.ctx.policy);
    }
    if (step.kind == item_step::fatal) {
        // Its credentials were refused (classify): nothing more goes out with them. Issue 16:
        // with one credential per organization, only that credential's items stop.
        cred->failed = true;
        cred->notify();
        ctl.fail(fatal_message(*cred, step.reason, last_auth_failed));
        co_return item_end::fatal;
    }
    if (unreachable_stops_run(cred->answered, sent, answered)) {
        ctl.fail("server unreachable: " + last_detail);
        co_return item_end::fatal;
    }
    if (cred->no_access.on_item(reach.project, reach.reached, reach.refused,
                                e.params.max_no_access)) {
        ctl.fail(revoked_key_message(cred->no_access.projects(), cred->source));
        co_return item_end::fatal;
    }
    co_return item_end::done;
}

awaitable<void> worker(engine* e, int id) {
    worker_senders senders(*e);
    while (!e->ctx.control.stopping()) {
        auto item = e->job.next_item();
        if (!item) break;
        auto how = co_await run_item(*e, id, senders, *item);
        e->job.finish(std::move(item), how);
    }
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
            auto p = e->job.progress();
            meter->tick(p.done, p.failed, e->ctx.gate ? e->ctx.gate->requests() : 0,
                        e->ctx.gate ? e->ctx.gate->current_rate() : 0.0);
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
    // co_spawn may run a coroutine inline up to its first wait (or its end): count first.
    e.workers = n;
    e.pending = n + 1;
    auto finished = [&e](std::exception_ptr p, bool is_worker) {
        if (p && !e.failure) {
            e.failure = p;
            e.ctx.control.hard_stop();
        }
        if (is_worker && --e.workers == 0) e.ticks.cancel();
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
