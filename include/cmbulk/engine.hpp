// The run engine under apply, plan and audit: bounded workers on one io_context take items from
// a job (a work source) and drive each item's sans-io machine: the machine says which request to
// send next (and after which wait), the engine sends it through the worker's session and hands
// the answer back, until the machine is done. Around that the engine keeps the auth gate (until
// a credential has been answered once, one worker alone sends with it, so a wrong key costs one
// refusal), the progress line, the fatal rules (retry.hpp's classifier) and the stop controller
// (run_control.hpp): a hard stop abandons items mid-way and cancels their connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cmbulk/api.hpp"
#include "cmbulk/diagnostics.hpp"
#include "cmbulk/no_access_streak.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/progress.hpp"
#include "cmbulk/retry.hpp"
#include "cmbulk/run_control.hpp"
#include "cmbulk/run_gate.hpp"

namespace cmbulk {

/// How a run runs, shared by apply, plan and audit (one CLI option group: src/cli/run_options).
/// Zero means "off" where it says so.
struct run_params {
    int concurrency = 8;              ///< workers = keep-alive connections (1..256)
    pacing_params pacing;             ///< --rate / --burst (0: find the server's pace)
    int max_attempts = 5;             ///< attempts per request, the first included (>= 1)
    backoff_params backoff;           ///< full-jitter backoff between attempts
    double retry_budget_ratio = 0.5;  ///< retries allowed per first attempt, run-wide
    std::uint64_t max_failures = 0;   ///< stop starting items after this many failed (0: off)
    /// Stop the run (fatal) after this many no-access items in a row across distinct projects,
    /// the key having authenticated before: it has likely been revoked (0: off).
    std::uint64_t max_no_access = default_max_no_access;
    std::chrono::milliseconds grace{10000};  ///< first signal: items in flight get this long
    std::uint64_t seed = 0;                  ///< seed of the backoff jitter (0: random)
    progress_mode progress = progress_mode::automatic;
};

/// The engine's errors (category "cmbulk.run"): setup mistakes found before anything is
/// created or sent, and outputs that could not be written.
enum class run_errc {
    invalid_parameter = 1,  ///< a run parameter out of range (diagnostics.field: the option)
    bad_server_config,      ///< base URL, credentials or CA file unusable
    output_not_writable,    ///< a report, checkpoint or manifest cannot be written there
};
const boost::system::error_category& run_category();
inline boost::system::error_code make_error_code(run_errc e) {
    return {static_cast<int>(e), run_category()};
}

/// The one validation of run_params: the first parameter out of range, named as its option.
boost::system::result<void> validate(const run_params& p, diagnostics& diag);

/// Checks that `path` can be written before the run starts: its directory exists and is a
/// writable directory, and `path` is not a directory. `what` names it in the message ("report").
boost::system::result<void> check_output_path(const std::filesystem::path& path,
                                              std::string_view what, diagnostics& diag);

/// The command to finish an interrupted run: `args` (the command as typed) shell-quoted, with
/// --resume added when it is not there yet ("cmbulk apply m.csv --resume").
std::string resume_command(const std::vector<std::string>& args);

/// What an item's machine asks for next.
struct item_step {
    enum kind_t { send, done, fatal } kind = done;
    api_request request;                 ///< with send
    std::chrono::milliseconds delay{0};  ///< with send: wait this long first (backoff)
    bool changes_state = false;          ///< with send: POST/PUT/DELETE (the job journals it)
    bool retry = false;                  ///< with send: another attempt after a failure
    std::string reason;                  ///< with fatal: why the run cannot go on
};

/// One item of work: its per-item sans-io machine (row_plan, a read, audit_pager...) and
/// whatever the job keeps with it. The machine never does I/O: it is told each answer.
class work_item {
public:
    virtual ~work_item() = default;
    /// The first step.
    virtual item_step start(retry_policy& policy) = 0;
    /// The step after `r` answered the previous step's request (the machine may keep it).
    virtual item_step next(api_call_result r, retry_policy& policy) = 0;
    /// The credential its requests go out with ("": the run's only one). Issue 16 routes each
    /// item to its organization's credential through this.
    virtual std::string_view credential() const { return {}; }
};

/// How an item left the engine.
enum class item_end {
    done,         ///< its machine finished (the job reads the outcome from it)
    fatal,        ///< its machine, or the engine's rules, said the run cannot go on
    abandoned,    ///< the hard stop (or a failed journal write) came mid-way
    not_started,  ///< taken, but nothing was sent: the run stopped first
};

/// Counts for the progress line.
struct progress_counts {
    std::uint64_t done = 0, failed = 0;
};

/// A work source plus what happens around each item's requests; every call comes from the
/// engine's one thread.
class run_job {
public:
    virtual ~run_job() = default;
    /// The next item, or nullptr when there is none left for this worker (it ends). The job's
    /// dispatcher decides the order (per-project order, resume lookup).
    virtual std::unique_ptr<work_item> next_item() = 0;
    /// Before each request is sent: the journal's intent for a step that changes state. An
    /// error stops the run (fatal) and abandons the item.
    virtual boost::system::result<void> before_send(work_item& item, const item_step& step) {
        (void)item;
        (void)step;
        return {};
    }
    /// After each answer (request logs, timelines).
    virtual void on_answer(work_item& item, const item_step& step, const api_call_result& r) {
        (void)item;
        (void)step;
        (void)r;
    }
    /// The item is over (see item_end); the job records it.
    virtual void finish(std::unique_ptr<work_item> item, item_end how) = 0;
    /// About once a second while the workers run (the journal's fsync).
    virtual void tick() {}
    virtual progress_counts progress() const { return {}; }
};

/// The credentials of a run and the auth gate of each: until one request of a credential has
/// been answered (anything but a definitive 401), one worker alone sends with it. Issue 16: one
/// per organization; today the run has one, under the key "".
class credential_set {
public:
    credential_set();
    /// `factory` makes the senders (an api_client, or the dry run's printer); it must outlive
    /// the set. `source`: where the credential came from, for messages (never a secret).
    void add(std::string key, api_sender_factory& factory, std::string source = {});
    struct state;
    /// The credential `key`; nullptr when there is no such credential.
    state* find(std::string_view key);
    std::size_t size() const { return creds_.size(); }
    /// Whether the credential `key` was refused (a fatal answer): nothing more goes out with it.
    /// In a fleet (org_routing.hpp) only its items stop; with one credential the run stops.
    bool refused(std::string_view key) const;
    /// The refused credentials' keys and why (no secret), in key order.
    std::vector<std::pair<std::string, std::string>> refusals() const;
    /// The items of credential `key` that ended not done (never finished, or refused): a
    /// refused credential's summary line says how many rows it failed (issue 16).
    std::uint64_t not_done(std::string_view key) const;
    void count_not_done(std::string_view key);
    /// Cancels every factory's own waits (token providers): the hard stop.
    void cancel_all();
    ~credential_set();

private:
    std::map<std::string, std::unique_ptr<state>, std::less<>> creds_;
};

/// What the phases of one run share (audit runs two: discovery, then the projects).
struct run_context {
    run_control& control;
    credential_set& credentials;
    retry_policy& policy;
    const run_gate* gate = nullptr;      ///< for the progress line's counts
    progress_meter* progress = nullptr;  ///< ticked while workers run (nullptr: none)
    std::uint64_t total_items = 0;       ///< for the progress line
    /// Whether this phase's items are the run's rows (counted per credential when not done);
    /// false for a lookup or discovery phase.
    bool counts_rows = true;
};

/// Runs `job` on `params.concurrency` workers until it has no items left or the run stops;
/// returns when every worker has ended and every item taken has been finished. Rethrows a
/// worker's exception (a bug) after the others ended.
boost::asio::awaitable<void> run_workers(run_context& ctx, const run_params& params, run_job& job);

/// A sender factory that prints each request instead of sending it (`--dry-run`): the method,
/// the whole URL (base URL, the flavor's prefix, the path) and the body with every secret of
/// the catalogue masked. Writes answer 200; reads answer 404 INTEGRATION_NOT_CONFIGURED (a dry
/// run cannot know what is there, and says so on the line).
class dry_run_printer final : public api_sender_factory {
public:
    /// `root`: scheme://host[:port]; `prefix`: where the API's paths start ("/api/atlas/v2").
    dry_run_printer(std::ostream& out, std::string root, std::string_view prefix);
    std::unique_ptr<api_sender> make_sender() override;
    /// Requests printed so far.
    std::uint64_t printed() const { return printed_; }

private:
    friend class dry_sender;
    std::ostream& out_;
    std::string base_;
    std::uint64_t printed_ = 0;
};

/// One credential per organization: (org id, its credential), for run_environment::create.
using fleet_credentials = std::vector<std::pair<std::string, credentials>>;

/// Everything a command's run needs on its io_context, built from the options. Setup mistakes
/// (a run parameter out of range, an unusable base URL, credentials or CA file) come back as
/// errors before anything is created or sent.
class run_environment {
public:
    /// `dry_out`: print requests there instead of sending them (no credentials needed).
    /// `fleet`: one credential per organization (org_routing.hpp), each with its own client
    /// (Digest sessions, token cache) under its org id as the key; empty: `api.creds` under "".
    static boost::system::result<std::unique_ptr<run_environment>> create(
        const run_params& params, const api_config& api, std::ostream& err, std::ostream* dry_out,
        diagnostics& diag, const fleet_credentials& fleet = {});
    ~run_environment();

    boost::asio::io_context& io() { return ioc_; }
    run_control& control() { return *control_; }
    run_gate& gate() { return *gate_; }
    retry_policy& policy() { return policy_; }
    progress_meter& progress() { return *progress_; }
    const run_params& params() const { return params_; }
    const dry_run_printer* dry_run() const { return dry_.get(); }
    credential_set& credentials() { return credentials_; }
    /// A context for run_workers over this environment.
    run_context context(std::uint64_t total_items);
    /// GET /api/atlas/v2/rateLimits into the gate (Atlas v2 only; failures ignored). run()
    /// does it before `work`.
    boost::asio::awaitable<void> learn_limits();
    /// Revokes the OAuth tokens every client got (api-facts.md: tokens are revoked at the end
    /// of a run), also after a first SIGINT; skipped after the hard stop (a second signal).
    /// run() does it after `work`.
    boost::asio::awaitable<void> revoke_tokens();
    /// Runs `work` to completion, with SIGINT/SIGTERM handled by control(). Rethrows.
    void run(std::function<boost::asio::awaitable<void>()> work);

private:
    explicit run_environment(const run_params& params, std::ostream& err);
    run_params params_;
    bool reads_rate_limits_ = false;
    // Declared first, destroyed last: everything below holds timers or sockets of it.
    boost::asio::io_context ioc_{1};
    std::unique_ptr<run_control> control_;
    std::unique_ptr<run_gate> gate_;
    std::unique_ptr<api_client> client_;
    std::vector<std::unique_ptr<api_client>> fleet_clients_;  ///< one per organization
    std::unique_ptr<dry_run_printer> dry_;
    credential_set credentials_;
    retry_policy policy_;
    std::unique_ptr<progress_meter> progress_;
};

}  // namespace cmbulk

template <>
struct boost::system::is_error_code_enum<cmbulk::run_errc> : std::true_type {};
