// The apply runner: N worker coroutines on one io_context pull rows from the manifest stream,
// run each row's plan (row_plan.hpp) over their own keep-alive session, and record the outcome
// in the report and the checkpoint journal. A run-wide gate paces every request sent.
#include "cmbulk/runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <deque>
#include <iostream>
#include <map>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/compare.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/html_report.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/progress.hpp"
#include "cmbulk/report.hpp"
#include "cmbulk/row_plan.hpp"
#include "cmbulk/run_log.hpp"
#include "cmbulk/run_support.hpp"
#include "cmbulk/version.hpp"

namespace cmbulk {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr auto as_tuple_awaitable = asio::as_tuple(use_awaitable);

/// The field whose masked last four characters identify what we sent (the type's first masked
/// secret), or nullptr when the type has none.
const field_spec* identifying_secret(const type_spec& t) {
    for (auto& f : t.fields)
        if (f.secret == secrecy::masked || f.secret == secrecy::masked_partly) return &f;
    return nullptr;
}

std::string sent_last4(const manifest_row& row) {
    auto* t = find_type(row.type);
    if (!t) return {};
    auto* f = identifying_secret(*t);
    if (!f) return {};
    auto it = row.fields.find(f->name);
    if (it == row.fields.end() || !it->value().is_string()) return {};
    return last_four(std::string_view(it->value().get_string()));
}

std::string found_last4(const std::string& type, const boost::json::value& body) {
    auto* t = find_type(type);
    if (!t || !body.is_object()) return {};
    auto* f = identifying_secret(*t);
    if (!f) return {};
    auto* v = body.get_object().if_contains(f->name);
    if (!v || !v->is_string()) return {};
    return last_four(std::string_view(v->get_string()));
}

plan_action to_plan_action(row_action a) {
    switch (a) {
        case row_action::update:
            return plan_action::update;
        case row_action::upsert:
            return plan_action::upsert;
        case row_action::del:
            return plan_action::del;
        case row_action::create:
        case row_action::none:
            break;
    }
    return plan_action::create;
}

std::string_view action_name(plan_action a) {
    switch (a) {
        case plan_action::create:
            return "create";
        case plan_action::update:
            return "update";
        case plan_action::upsert:
            return "upsert";
        case plan_action::del:
            return "delete";
    }
    return "create";
}

/// A copy of the fields with every secret masked as the API would show it (for dry-run output).
boost::json::object masked_fields(const manifest_row& row) {
    boost::json::object out;
    out["type"] = row.type;
    auto* t = find_type(row.type);
    for (auto& kv : row.fields) {
        const field_spec* f = t ? t->find_field(kv.key()) : nullptr;
        if (f && f->secret != secrecy::none && kv.value().is_string()) {
            auto how = f->secret == secrecy::never_returned ? secrecy::hidden : f->secret;
            out[kv.key()] = mask_as(how, std::string_view(kv.value().get_string()));
        } else {
            out[kv.key()] = kv.value();
        }
    }
    return out;
}

/// A row taken from the manifest, with what resume knows about it.
struct work_item {
    manifest_row row;
    plan_action action;
    bool resolve_first = false;  ///< an earlier run left an intent without an outcome
};

/// What the previous runs recorded, by row index (or by project+type with --force).
struct resume_state {
    std::unordered_map<std::uint64_t, journal_row_state> by_index;
    std::unordered_map<std::string, journal_row_state> by_key;
    bool by_key_mode = false;
    const journal_row_state* find(const manifest_row& r) const {
        if (by_key_mode) {
            auto it = by_key.find(r.project_id + "/" + r.type);
            return it == by_key.end() ? nullptr : &it->second;
        }
        auto it = by_index.find(r.index);
        return it == by_index.end() ? nullptr : &it->second;
    }
};

/// The state of one run, shared by the workers (one thread: no locks).
struct run_state {
    const apply_options& opts;
    std::ostream& err;
    asio::io_context& ioc;
    std::unique_ptr<manifest_reader> reader;
    std::unique_ptr<report_writer> report;
    std::unique_ptr<journal_writer> journal;
    std::unique_ptr<run_gate> gate;
    std::unique_ptr<api_client> client;
    retry_policy policy;
    resume_state resumed;
    run_summary summary;
    run_timeline timeline;  ///< per-second counters and failed rows for --html-report
    progress_meter progress;

    // Dispatch.
    bool stopping = false;     ///< no new rows (signal, --max-failures, fatal)
    bool hard_stop = false;    ///< abandon rows in flight (grace over, second signal)
    bool interrupted = false;  ///< stopped by a signal
    bool fatal = false;        ///< authentication failed / server unreachable
    std::string fatal_message;
    bool auth_confirmed = false;    ///< a response other than a definitive 401 arrived
    asio::steady_timer auth_ready;  ///< released when auth_confirmed or fatal
    std::unordered_set<std::string> busy_projects;
    std::unordered_map<std::string, std::deque<work_item>> deferred;
    std::uint64_t deferred_count = 0;
    std::uint64_t failed_rows = 0;
    std::uint64_t rows_done = 0;
    std::vector<api_session*> sessions;  ///< for closing them on a hard stop
    int workers_running = 0;
    asio::steady_timer all_done;
    asio::steady_timer progress_timer;
    asio::steady_timer grace_timer;
    asio::steady_timer sync_timer;

    run_state(const apply_options& o, std::ostream& e, asio::io_context& io)
        : opts(o),
          err(e),
          ioc(io),
          progress(e, o.progress),
          auth_ready(io),
          all_done(io),
          progress_timer(io),
          grace_timer(io),
          sync_timer(io) {
        auth_ready.expires_at(asio::steady_timer::time_point::max());
        all_done.expires_at(asio::steady_timer::time_point::max());
    }

    bool auth_gate_open = false;
    /// Lets the waiting workers go (a cancel wakes only those already waiting, hence the flag).
    void release_auth_gate() {
        auth_gate_open = true;
        auth_ready.cancel();
    }

    journal_row_ref row_ref(const work_item& item) const {
        return journal_row_ref{item.row.index, item.row.line, item.row.project_id, item.row.type,
                               std::string(action_name(item.action))};
    }

    /// A checkpoint that cannot be written stops the run: going on would break resume's promise.
    void note_journal(const boost::system::result<void>& r) {
        if (r || fatal) return;
        fatal = true;
        stopping = true;
        fatal_message =
            "cannot write the checkpoint " + journal->path().string() + ": " + r.error().message();
    }

    void record(const work_item& item, outcome o, int status, std::string error_code,
                std::string detail, int attempts, std::int64_t ms, std::string last4,
                bool from_journal = false) {
        report_row r;
        r.line = item.row.line;
        r.project_id = item.row.project_id;
        r.type = item.row.type;
        r.action = std::string(action_name(item.action));
        r.result = o;
        r.http_status = status;
        r.error_code = std::move(error_code);
        r.detail = std::move(detail);
        r.attempts = attempts;
        r.duration_ms = ms;
        r.secret_last4 = std::move(last4);
        if (journal && !from_journal && o != outcome::not_run) {
            journal_outcome jo{o,          r.http_status, r.error_code,  r.detail,
                               r.attempts, r.duration_ms, r.secret_last4};
            note_journal(journal->write_outcome(row_ref(item), jo));
        }
        summary.counts[o]++;
        if (o == outcome::failed) {
            ++failed_rows;
            if (opts.max_failures > 0 && failed_rows >= opts.max_failures && !stopping) {
                stopping = true;
                err << "cmbulk: " << failed_rows
                    << " rows failed (--max-failures): no new rows are started\n";
            }
        }
        ++rows_done;
        progress.update(rows_done, failed_rows, gate ? gate->requests() : 0);
        timeline.on_row(r);
        if (opts.log_json) err << json_row_event(utc_timestamp(), r) << "\n";
        report->add(r);
    }

    /// The next row to run, or nullopt when there is none (or dispatch stopped). Rows of a
    /// project already in flight wait for it; invalid rows and rows done in an earlier run are
    /// recorded on the way.
    std::optional<work_item> next_row() {
        while (!stopping) {
            auto parsed = reader->next();
            if (!parsed) return std::nullopt;
            work_item item{std::move(parsed->row), plan_action::create, false};
            item.action = to_plan_action(item.row.action == row_action::none
                                             ? opts.manifest_opts.default_action
                                             : item.row.action);
            if (!parsed->errors.empty()) {
                record(item, outcome::invalid, 0, "INVALID_ROW", to_string(parsed->errors.front()),
                       0, 0, {});
                continue;
            }
            if (const auto* prev = resumed.find(item.row)) {
                if (prev->last_outcome && !prev->intent_open) {
                    auto& o = *prev->last_outcome;
                    bool keep = is_success(o.result) ||
                                (o.result == outcome::failed && !opts.resume_failed);
                    if (keep) {
                        record(item, o.result, o.http_status, o.error_code, o.detail, o.attempts,
                               o.duration_ms, o.secret_last4, true);
                        continue;
                    }
                }
                item.resolve_first = prev->intent_open;
            }
            if (busy_projects.count(item.row.project_id)) {
                deferred[item.row.project_id].push_back(std::move(item));
                ++deferred_count;
                continue;
            }
            busy_projects.insert(item.row.project_id);
            return item;
        }
        return std::nullopt;
    }

    /// The next row of a project whose row just ended, if one was waiting for it.
    std::optional<work_item> next_of_project(const std::string& project) {
        auto it = deferred.find(project);
        if (it == deferred.end()) {
            busy_projects.erase(project);
            return std::nullopt;
        }
        if (stopping) return std::nullopt;  // what waits is reported as not-run at the end
        auto item = std::move(it->second.front());
        it->second.pop_front();
        --deferred_count;
        if (it->second.empty()) deferred.erase(it);
        return item;
    }
};

/// The call for one planned request (a plain function: the call builds its request now).
awaitable<api_call_result> send_request(api_session& session, plan_request req,
                                        const manifest_row& row) {
    switch (req) {
        case plan_request::get:
            return session.get_integration(row.project_id, row.type);
        case plan_request::post:
            return session.create_integration(row.project_id, row.type, row.fields);
        case plan_request::put:
            return session.update_integration(row.project_id, row.type, row.fields);
        case plan_request::del:
            break;
    }
    return session.delete_integration(row.project_id, row.type);
}

awaitable<void> run_row(run_state& st, api_session& session, work_item item) {
    auto started = clock_type::now();
    std::string last4 = sent_last4(item.row);
    plan_checks checks;
    checks.skip_unchanged = st.opts.skip_unchanged;
    checks.verify = st.opts.verify;
    row_plan plan(item.action, last4, item.resolve_first, checks);
    auto step = plan.start(st.policy);
    asio::steady_timer timer(st.ioc);
    int last_status = 0;
    while (step.kind == plan_step::send) {
        // Planned reads (upsert, --skip-unchanged, --verify) are not retries.
        if (step.retry) ++st.summary.retries;
        if (step.delay > std::chrono::milliseconds(0)) {
            timer.expires_after(step.delay);
            co_await timer.async_wait(as_tuple_awaitable);
        }
        if (st.hard_stop) break;
        if (step.changes_state && st.journal) {
            st.note_journal(st.journal->write_intent(st.row_ref(item), to_string(step.request)));
            if (st.fatal) break;
        }
        auto r = co_await send_request(session, step.request, item.row);
        st.summary.latency.add(r.latency);
        st.timeline.on_request(clock_type::now(), r.status, plan.attempts() > 1, r.latency);
        if (st.opts.log_json)
            st.err << json_request_event(
                          utc_timestamp(), item.row.line, item.row.project_id, item.row.type,
                          to_string(step.request), plan.attempts(), r.status,
                          r.failure == attempt_failure::none ? "" : "no-response", r.latency)
                   << "\n";
        last_status = r.status;
        if (r.status != 0 && !r.auth_failed && !st.auth_confirmed) {
            st.auth_confirmed = true;
            st.release_auth_gate();
        }
        if (r.status == 429)
            if (auto hint = parse_rate_hint(r.body)) st.gate->apply_hint(*hint);
        if (st.hard_stop) break;
        plan_response pr;
        pr.failure = r.failure;
        pr.status = r.status;
        pr.error_code = r.error_code;
        pr.detail = r.detail;
        pr.auth_failed = r.auth_failed;
        pr.retry_after = r.retry_after;
        if (step.request == plan_request::get && r.status == 200) {
            pr.found_secret_last4 = found_last4(item.row.type, r.body);
            if ((checks.skip_unchanged || checks.verify) && r.body.is_object()) {
                auto diff =
                    compare_integration(item.row.type, item.row.fields, r.body.get_object());
                pr.found = diff.unchanged()    ? found_state::same
                           : diff.consistent() ? found_state::uncertain
                                               : found_state::differs;
                pr.found_differences = describe(diff);
            }
        }
        step = plan.next(pr, st.policy);
    }
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started).count();
    if (step.kind == plan_step::send) {
        // Interrupted mid-row: the journal's open intent (if any) makes a resume read first.
        st.record(item, outcome::not_run, last_status, "INTERRUPTED",
                  "stopped before the row finished; --resume completes it", plan.attempts(), ms,
                  last4, true);
        co_return;
    }
    if (step.kind == plan_step::fatal && !st.fatal) {
        st.fatal = true;
        st.stopping = true;
        st.fatal_message = plan.detail();
        st.release_auth_gate();
    }
    st.record(item, plan.result(), plan.http_status(), plan.error_code(), plan.detail(),
              plan.attempts(), ms, last4);
    // No server ever answered and this row gave up: the server is unreachable; stop the run.
    if (plan.result() == outcome::failed && !st.auth_confirmed && plan.http_status() == 0 &&
        !st.fatal) {
        st.fatal = true;
        st.stopping = true;
        st.fatal_message = "server unreachable: " + plan.detail();
        st.release_auth_gate();
    }
}

awaitable<void> worker(run_state& st, int id) {
    auto session = st.client->make_session();
    st.sessions.push_back(session.get());
    if (id != 0 && !st.auth_gate_open) {
        // Until one request has authenticated, only worker 0 talks to the server: a wrong key
        // then costs one challenge and one refusal, not one per worker.
        co_await st.auth_ready.async_wait(as_tuple_awaitable);
    }
    while (!st.stopping) {
        auto item = st.next_row();
        if (!item) break;
        std::string project = item->row.project_id;
        co_await run_row(st, *session, std::move(*item));
        // Rows of the same project run in order, on this worker.
        while (auto more = st.next_of_project(project))
            co_await run_row(st, *session, std::move(*more));
        if (st.fatal || st.hard_stop) break;
    }
    // Worker 0 may end without one request (every row done in an earlier run): the others
    // must not wait for an authentication that will never happen.
    if (id == 0) st.release_auth_gate();
    session->close();
    std::erase(st.sessions, session.get());
    if (--st.workers_running == 0) st.all_done.cancel();
}

awaitable<void> watch_signals(run_state& st, asio::signal_set& signals) {
    auto [ec, sig] = co_await signals.async_wait(as_tuple_awaitable);
    if (ec) co_return;
    st.interrupted = true;
    st.stopping = true;
    st.err << "\ncmbulk: signal " << sig << ": no new rows are started; waiting up to "
           << st.opts.grace.count() / 1000.0 << " s for requests in flight (again to stop now)\n";
    auto& grace = st.grace_timer;
    grace.expires_after(st.opts.grace);
    signals.async_wait([&st](boost::system::error_code e, int) {
        if (!e) st.grace_timer.cancel();  // a second signal: stop now
    });
    co_await grace.async_wait(as_tuple_awaitable);
    if (st.workers_running == 0) co_return;
    st.hard_stop = true;
    for (auto* s : st.sessions) s->close();
}

/// fsyncs the checkpoint about once a second while records are waiting (each record already
/// reached the OS with its own write; this bounds what a power cut can take).
awaitable<void> sync_journal(run_state& st) {
    while (st.workers_running > 0) {
        st.sync_timer.expires_after(std::chrono::seconds(1));
        auto [ec] = co_await st.sync_timer.async_wait(as_tuple_awaitable);
        if (ec || st.workers_running == 0) break;
        if (st.journal && st.journal->dirty()) st.note_journal(st.journal->sync());
    }
}

awaitable<void> show_progress(run_state& st) {
    while (st.workers_running > 0) {
        st.progress_timer.expires_after(st.progress.interval());
        auto [ec] = co_await st.progress_timer.async_wait(as_tuple_awaitable);
        if (ec || st.workers_running == 0) break;  // cancelled: the run is over
        st.progress.tick(st.rows_done, st.failed_rows, st.gate->requests(),
                         st.gate->current_rate());
    }
}

/// --html-report and the JSON summary event of --log-format json, written once the run is over.
void write_extra_outputs(run_state& st, const std::filesystem::path& report_path,
                         const std::filesystem::path& checkpoint_path) {
    bool bad = st.failed_rows > 0 || st.summary.counts[outcome::invalid] > 0 ||
               st.summary.counts[outcome::not_run] > 0 || st.summary.counts[outcome::mismatch] > 0;
    int status = st.fatal         ? exit_fatal
                 : st.interrupted ? exit_interrupted
                 : bad            ? exit_rows_failed
                                  : exit_success;
    if (st.opts.log_json) st.err << json_summary_event(utc_timestamp(), st.summary, status) << "\n";
    if (st.opts.html_report_path.empty()) return;
    html_report_info info;
    info.command = st.opts.command_line.empty() ? "cmbulk apply " + st.opts.manifest.string()
                                                : st.opts.command_line;
    info.base_url = st.opts.api.base_url;
    info.flavor = std::string(to_string(st.opts.api.api_flavor));
    info.report_path = report_path.string();
    info.checkpoint_path = st.journal ? checkpoint_path.string() : std::string("none");
    info.finished_at = utc_timestamp();
    info.exit_status = status;
    std::string message;
    if (write_html_report(st.opts.html_report_path, info, st.summary, st.timeline, message))
        st.err << "html report: " << st.opts.html_report_path.string() << "\n";
    else
        st.err << "cmbulk: could not write the HTML report: " << message << "\n";
}

std::filesystem::path default_report_path(const apply_options& o) {
    if (!o.report_path.empty()) return o.report_path;
    return std::filesystem::path(o.manifest.stem().string() + ".report.csv");
}

std::filesystem::path default_checkpoint_path(const std::filesystem::path& report,
                                              const apply_options& o) {
    if (!o.checkpoint_path.empty()) return o.checkpoint_path;
    auto p = report;
    p.replace_extension(".checkpoint.jsonl");
    return p;
}

journal_header make_header(const apply_options& o, const std::string& sha) {
    journal_header h;
    h.tool_version = std::string(version());
    h.manifest_sha256 = sha;
    h.action = std::string(to_string(o.manifest_opts.default_action));
    h.flavor = std::string(to_string(o.api.api_flavor));
    h.base_url = o.api.base_url;
    if (!o.manifest_opts.type.empty()) h.options["type"] = o.manifest_opts.type;
    // --set values may hold secrets: record only which fields were set.
    std::string set_names;
    for (auto& [k, v] : o.manifest_opts.set_fields) set_names += (set_names.empty() ? "" : ",") + k;
    if (!set_names.empty()) h.options["set"] = set_names;
    return h;
}

void print_validation_errors(const validation_summary& v, std::ostream& err) {
    for (auto& e : v.errors) err << to_string(e) << "\n";
    if (v.error_count > v.errors.size())
        err << "... and " << (v.error_count - v.errors.size()) << " more errors\n";
}

}  // namespace

int run_validate(const std::filesystem::path& manifest, const manifest_options& opts,
                 std::ostream& out, std::ostream& err) {
    auto v = validate_manifest(manifest, opts);
    print_validation_errors(v, err);
    if (v.error_count > 0) {
        err << manifest.string() << ": " << v.error_count << " error(s) in " << v.invalid_rows
            << " of " << v.rows << " rows\n";
        return exit_usage;
    }
    out << manifest.string() << ": " << v.rows << " rows, valid\n";
    return exit_success;
}

int run_apply(const apply_options& opts, std::ostream& out, std::ostream& err) {
    // 1. The whole manifest is validated before anything is sent.
    auto v = validate_manifest(opts.manifest, opts.manifest_opts);
    if (v.error_count > 0) {
        print_validation_errors(v, err);
        // Errors of the file as a whole (syntax, header, empty) cannot be skipped row by row.
        if (!opts.skip_invalid || v.rows == 0 || v.invalid_rows == 0 || v.file_error_count > 0) {
            err << opts.manifest.string() << ": " << v.error_count << " error(s) in "
                << v.invalid_rows << " of " << v.rows << " rows; nothing was sent"
                << (opts.skip_invalid ? "" : " (--skip-invalid runs the valid rows)") << "\n";
            return exit_usage;
        }
        err << "cmbulk: --skip-invalid: " << v.invalid_rows
            << " invalid rows are reported as `invalid`\n";
    }

    auto reader = manifest_reader::open(opts.manifest, opts.manifest_opts);
    if (reader->failed()) {
        for (auto& e : reader->errors()) err << to_string(e) << "\n";
        return exit_usage;
    }

    if (opts.dry_run) {
        std::string base =
            opts.api.api_flavor == flavor::atlas ? "/api/atlas/v2" : "/api/public/v1.0";
        std::uint64_t n = 0;
        while (auto parsed = reader->next()) {
            if (!parsed->errors.empty()) continue;
            auto& row = parsed->row;
            auto action = to_plan_action(
                row.action == row_action::none ? opts.manifest_opts.default_action : row.action);
            std::string path = base + "/groups/" + row.project_id + "/integrations/" + row.type;
            std::string_view method = action == plan_action::create   ? "POST"
                                      : action == plan_action::update ? "PUT"
                                      : action == plan_action::del    ? "DELETE"
                                                                      : "GET+POST|PUT";
            out << opts.manifest.filename().string() << ":" << row.line << ": " << method << " "
                << path;
            if (action != plan_action::del)
                out << " " << boost::json::serialize(masked_fields(row));
            out << "\n";
            ++n;
        }
        err << "cmbulk: dry run: " << n << " rows would be sent to " << opts.api.base_url
            << "; nothing was sent\n";
        return exit_success;
    }

    asio::io_context ioc(1);
    run_state st(opts, err, ioc);
    st.reader = std::move(reader);
    st.summary.total_rows = v.rows;
    st.progress.start(v.rows);
    st.policy.max_attempts = opts.max_attempts;
    st.policy.backoff = opts.backoff;
    st.policy.budget = retry_budget(opts.retry_budget_ratio);
    st.policy.rng.seed(opts.fault_seed ? opts.fault_seed : std::random_device{}());

    // 2. Report and checkpoint.
    auto report_path = default_report_path(opts);
    auto checkpoint_path = default_checkpoint_path(report_path, opts);
    auto header = make_header(opts, v.sha256);
    std::string message;
    bool resume = opts.resume;
    if (resume && !std::filesystem::exists(checkpoint_path)) {
        // The checkpoint is created before the first request, so without one nothing was sent.
        err << "cmbulk: --resume: no checkpoint at " << checkpoint_path.string()
            << ": nothing was sent before; starting the run\n";
        resume = false;
    }
    if (resume) {
        journal_replay replayed;
        auto jw = journal_writer::open_append(checkpoint_path, message, &replayed);
        if (!jw) {
            err << "cmbulk: cannot resume: " << message << "\n";
            return exit_usage;
        }
        auto* replay = &replayed;
        auto diffs = compare_headers(replay->header, header);
        if (!diffs.empty()) {
            bool only_manifest =
                diffs.size() == 1 && replay->header.manifest_sha256 != header.manifest_sha256;
            if (!opts.force || !only_manifest) {
                err << "cmbulk: cannot resume " << checkpoint_path.string()
                    << ": the run differs from the one recorded:\n";
                for (auto& d : diffs) err << "  - " << d << "\n";
                err << (only_manifest ? "  --force matches rows by (projectId, type) instead\n"
                                      : "  start a new run with another --checkpoint\n");
                return exit_usage;
            }
            err << "cmbulk: --force: the manifest changed; rows are matched by (projectId, type)\n";
            st.resumed.by_key_mode = true;
        }
        if (replay->torn_tail_repaired)
            err << "cmbulk: the checkpoint's last line was torn (a kill mid-write); it was "
                   "dropped\n";
        for (auto& r : replay->rows) {
            if (st.resumed.by_key_mode)
                st.resumed.by_key[r.project_id + "/" + r.type] = r;
            else
                st.resumed.by_index[r.row] = r;
        }
        st.journal = std::move(*jw);
    } else if (!opts.no_checkpoint) {
        std::error_code ec;
        if (std::filesystem::exists(checkpoint_path, ec)) {
            auto replay = replay_journal(checkpoint_path, message);
            bool finished = false;
            if (replay) {
                finished = true;
                for (auto& r : replay->rows)
                    if (r.intent_open || !r.last_outcome || !is_success(r.last_outcome->result))
                        finished = false;
            }
            if (!finished) {
                err << "cmbulk: " << checkpoint_path.string()
                    << " holds an unfinished run: --resume it, or choose another --checkpoint\n";
                return exit_usage;
            }
        }
        auto jw = journal_writer::create(checkpoint_path, header, message);
        if (!jw) {
            err << "cmbulk: " << message << "\n";
            return exit_usage;
        }
        st.journal = std::move(*jw);
    }
    auto fmt = report_format_from_path(report_path).value_or(report_format::csv);
    auto rw = report_writer::open(report_path, fmt, message);
    if (!rw) {
        err << "cmbulk: " << message << "\n";
        return exit_usage;
    }
    st.report = std::move(*rw);

    // 3. The network side.
    st.gate = std::make_unique<run_gate>(ioc.get_executor(), opts.pacing);
    st.client = std::make_unique<api_client>(ioc.get_executor(), opts.api, *st.gate);

    auto start = clock_type::now();
    st.timeline = run_timeline(start);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    int n = std::max(1, opts.concurrency);
    st.workers_running = n;
    for (int i = 0; i < n; ++i)
        asio::co_spawn(ioc, worker(st, i), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    asio::co_spawn(ioc, watch_signals(st, signals), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    asio::co_spawn(ioc, show_progress(st), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    asio::co_spawn(ioc, sync_journal(st), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
            // Workers may all have ended before this waits (a resume with every row done).
            if (st.workers_running > 0) co_await st.all_done.async_wait(as_tuple_awaitable);
            signals.cancel();
            st.progress_timer.cancel();
            st.grace_timer.cancel();
            st.sync_timer.cancel();
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    ioc.run();

    // 4. Rows never started (stop, fatal, circuit breaker) are reported as not-run.
    st.stopping = false;
    for (auto& [project, items] : st.deferred)
        for (auto& item : items)
            st.record(item, outcome::not_run, 0, "", "not started", 0, 0, sent_last4(item.row),
                      true);
    st.deferred.clear();
    {
        // Drain the reader without dispatching.
        while (auto parsed = st.reader->next()) {
            work_item item{std::move(parsed->row), plan_action::create, false};
            item.action = to_plan_action(item.row.action == row_action::none
                                             ? opts.manifest_opts.default_action
                                             : item.row.action);
            if (!parsed->errors.empty()) {
                st.record(item, outcome::invalid, 0, "INVALID_ROW",
                          to_string(parsed->errors.front()), 0, 0, {});
                continue;
            }
            const auto* prev = st.resumed.find(item.row);
            if (prev && prev->last_outcome && !prev->intent_open) {
                auto& o = *prev->last_outcome;
                st.record(item, o.result, o.http_status, o.error_code, o.detail, o.attempts,
                          o.duration_ms, o.secret_last4, true);
                continue;
            }
            st.record(item, outcome::not_run, 0, "", "not started", 0, 0, sent_last4(item.row),
                      true);
        }
    }
    st.progress.finish();
    if (st.journal) st.journal->close();
    auto committed = st.report->commit();

    st.summary.requests = st.gate->requests();
    st.summary.throttled = st.gate->throttled();
    st.summary.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    if (!opts.log_json && (opts.progress != progress_mode::quiet || st.fatal || st.failed_rows))
        err << format_summary(st.summary);
    if (!committed)
        err << "cmbulk: could not write the report " << report_path.string() << "\n";
    else
        err << "report: " << report_path.string() << "\ncheckpoint: "
            << (st.journal ? checkpoint_path.string() : std::string("none (--no-checkpoint)"))
            << "\n";

    write_extra_outputs(st, report_path, checkpoint_path);
    if (st.fatal) {
        err << "cmbulk: stopped: " << st.fatal_message << "\n";
        return exit_fatal;
    }
    if (st.interrupted) {
        err << "cmbulk: interrupted; to finish the run: cmbulk apply " << opts.manifest.string()
            << " --resume --checkpoint " << checkpoint_path.string() << " (same options)\n";
        return exit_interrupted;
    }
    bool any_bad = st.failed_rows > 0 || st.summary.counts[outcome::invalid] > 0 ||
                   st.summary.counts[outcome::not_run] > 0 ||
                   st.summary.counts[outcome::mismatch] > 0;
    return any_bad ? exit_rows_failed : exit_success;
}

}  // namespace cmbulk
