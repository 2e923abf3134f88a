// The apply job: rows from the dispatcher become work items whose machine is the row's
// row_plan (its plan_steps turned into API requests, the answers into plan_responses), and each
// row's end is recorded once. See apply_job.hpp.
#include "apply_job.hpp"

#include <optional>
#include <ostream>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/compare.hpp"
#include "cmbulk/run_log.hpp"
#include "cmbulk/update_body.hpp"

namespace cmbulk::detail {

namespace {

std::string found_last4(const std::string& type, const boost::json::value& body) {
    return body.is_object() ? identifying_last4(type, body.get_object()) : std::string();
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

/// One row in flight: its row_plan, and what its report row needs.
class apply_item final : public work_item {
public:
    apply_item(dispatched d, plan_checks checks, std::string label, const rotation_options& ro)
        : row(std::move(d)),
          last4(sent_last4(row.row)),
          rotation(ro, row.row, row.action, row.journal),
          plan(to_plan_action(row.action), last4, row.resolve_first, with_read(checks),
               row.row.project_id),
          checks_(checks),
          label_(std::move(label)) {}

    item_step start(retry_policy& policy) override { return to_step(plan.start(policy), policy); }

    item_step next(api_call_result r, retry_policy& policy) override {
        last_status = r.status;
        if (rotation.active()) return labelled(rotation.next(std::move(r), policy));
        return to_step(plan.next(response_for(r), policy), policy);
    }

    std::string_view credential() const override { return credential_key; }

    std::int64_t elapsed_ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started_)
            .count();
    }

    dispatched row;
    std::string last4;      ///< of the secret this row sends
    row_rotation rotation;  ///< the alert half (issue 14); before `plan`, which it configures
    row_plan plan;
    int last_status = 0;
    std::size_t steps_journaled = 0;  ///< alert steps whose outcome is in the journal
    std::string credential_key;       ///< its organization's credential ("": the run's only one)
    bool before_written = false;      ///< the before-image of its integration write is journaled
    std::string alert_before_step;    ///< the alert step whose before-image is journaled last
    /// The integration as the last read before the write found it (nullptr: none read).
    const boost::json::object* found() const { return found_ ? &*found_ : nullptr; }

private:
    plan_checks with_read(plan_checks c) const {
        // An alert rotation needs the old secret: the integration is read before its write
        // (unless the user named the old secret's last four).
        c.read_first = rotation.needs_read();
        return c;
    }

    item_step labelled(item_step s) const {
        s.request.label = label_;
        return s;
    }

    api_request request_for(plan_request p) const {
        const auto& m = row.row;
        switch (p) {
            case plan_request::get:
                return get_integration_request(m.project_id, m.type);
            case plan_request::post:
                return create_integration_request(m.project_id, m.type, m.fields);
            case plan_request::put:
                // Read, merge, PUT (update_body.hpp); without a read (not configured), the
                // row's fields alone.
                if (found_)
                    return update_integration_request(
                        m.project_id, m.type, merge_for_update(m.type, *found_, m.fields).fields);
                return update_integration_request(m.project_id, m.type, m.fields);
            case plan_request::del:
                break;
        }
        return delete_integration_request(m.project_id, m.type);
    }

    item_step to_step(const plan_step& s, retry_policy& policy) {
        item_step out;
        if (s.kind == plan_step::done) {
            // The integration is done: its alert half follows in the same item.
            auto first = rotation.start(plan.result(), policy);
            if (first) return labelled(std::move(*first));
            return out;
        }
        if (s.kind == plan_step::fatal) {
            out.kind = item_step::fatal;
            out.reason = plan.detail();
            return out;
        }
        reading_ = s.request == plan_request::get;
        out.kind = item_step::send;
        out.request = request_for(s.request);
        out.request.label = label_;
        out.delay = s.delay;
        out.changes_state = s.changes_state;
        out.retry = s.retry;
        return out;
    }

    plan_response response_for(const api_call_result& r) {
        plan_response pr = plan_response_of(r);
        if (reading_ && r.status == 200) {
            const auto& m = row.row;
            if (r.body.is_object())
                rotation.on_integration_read(r.body.get_object(), !plan.verifying());
            pr.found_secret_last4 = found_last4(m.type, r.body);
            if (!plan.verifying() && r.body.is_object()) {
                found_ = r.body.get_object();
                pr.update_blocked = merge_for_update(m.type, *found_, m.fields).problem;
            }
            if ((checks_.skip_unchanged || checks_.verify || checks_.compare_existing) &&
                r.body.is_object()) {
                auto diff = compare_integration(m.type, m.fields, r.body.get_object());
                pr.found = diff.unchanged()    ? found_state::same
                           : diff.consistent() ? found_state::uncertain
                                               : found_state::differs;
                pr.found_differences = describe(diff);
            }
        }
        return pr;
    }

    plan_checks checks_;
    std::string label_;     ///< "m.csv:12" in a dry run
    bool reading_ = false;  ///< the request in flight is a GET
    /// The integration as the last read (not --verify's) found it: the base of a PUT.
    std::optional<boost::json::object> found_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

journal_row_ref row_ref(const dispatched& d) {
    return journal_row_ref{
        d.row.index, d.row.line, d.row.project_id, d.row.type, std::string(action_name(d.action)),
        {}};
}

}  // namespace

std::string_view action_name(row_action a) {
    return to_string(a == row_action::none ? row_action::create : a);
}

report_row report_row_of(const journal_row_ref& ref, const journal_outcome& o) {
    report_row r;
    r.line = ref.line;
    r.project_id = ref.project_id;
    r.type = ref.type;
    r.action = ref.action;
    r.result = o.result;
    r.http_status = o.http_status;
    r.error_code = o.error_code;
    r.detail = o.detail;
    r.attempts = o.attempts;
    r.duration_ms = o.duration_ms;
    r.secret_last4 = o.secret_last4.size() > 4 ? o.secret_last4.substr(o.secret_last4.size() - 4)
                                               : o.secret_last4;
    return r;
}

std::string sent_last4(const manifest_row& row) { return identifying_last4(row.type, row.fields); }

apply_job::apply_job(const apply_options& opts, std::ostream& err, run_control& control,
                     row_dispatcher& rows, apply_records& records)
    : opts_(opts), err_(err), control_(control), rows_(rows), rec_(records) {
    checks_.skip_unchanged = opts.skip_unchanged;
    // A dry run reads nothing back: there would be nothing to compare.
    checks_.verify = opts.verify && !opts.dry_run;
    // A dry run cannot list what is there: its alert half is not run.
    rotation_.enabled = !opts.integrations_only && !opts.dry_run;
    rotation_.link = opts.link_alerts;
    rotation_.from_last4 = opts.from_last4;
    rotation_.verify = checks_.verify;
    checks_.compare_existing = true;
    checks_.merge_updates = !opts.dry_run;
    checks_.before_image = !opts.dry_run && !opts.no_checkpoint;
}

std::unique_ptr<work_item> apply_job::next_item() {
    for (;;) {
        auto d = rows_.next();
        if (d.kind == dispatched::none) return nullptr;
        if (d.kind != dispatched::run) {
            record_dispatched(d);
            continue;
        }
        org_route route;
        if (router_) {
            route = router_->route(d.row.project_id, d.row.org_id);
            if (route.kind != org_route::credential) {
                record_unrouted(d, route);
                continue;
            }
        }
        std::string label;
        if (opts_.dry_run)
            label = opts_.manifest.filename().string() + ":" + std::to_string(d.row.line);
        auto item =
            std::make_unique<apply_item>(std::move(d), checks_, std::move(label), rotation_);
        item->credential_key = std::move(route.key);
        return item;
    }
}

void apply_job::record_unrouted(const dispatched& d, const org_route& route) {
    journal_outcome o;
    o.result = outcome::failed;
    o.secret_last4 = sent_last4(d.row);
    o.error_code = "NO_CREDENTIAL";
    o.detail = route.kind == org_route::unknown_org
                   ? "not sent: organization " + route.key + " has no credential in --credentials"
                   : "not sent: no configured credential lists project " + d.row.project_id +
                         " (add an orgId column, or its organization to --credentials)";
    record(d, o, true);
    rows_.finished(d.row.project_id);
}

boost::system::result<void> apply_job::note_journal(const boost::system::result<void>& r) {
    if (r) return r;
    control_.fail("cannot write the checkpoint " + rec_.journal->path().string() + ": " +
                  r.error().message());
    return r;
}

journal_before_image apply_job::before_image_of(work_item& item, const item_step& step) {
    // Issue 17: what the integration write changes, as the server answered the read before it
    // (masked); a POST without a read goes out only where nothing is configured (absent).
    auto& a = static_cast<apply_item&>(item);
    if (a.before_written) return {};
    const boost::json::object* before = a.found();
    if (!before && step.request.method != api_method::post) return {};
    a.before_written = true;
    return {true, before};
}

boost::system::result<void> apply_job::before_send(work_item& item, const item_step& step) {
    if (!step.changes_state || !rec_.journal) return {};
    auto& a = static_cast<apply_item&>(item);
    auto ref = row_ref(a.row);
    if (a.rotation.active()) {
        // The configurations finished since the last request, before the next one's intent.
        auto done = journal_alert_steps(a);
        if (!done) return done;
        ref.step = a.rotation.current_step();
        if (a.alert_before_step != ref.step) {
            // Issue 17: the configuration as read (masked) and what the PUT changes, for revert.
            a.alert_before_step = ref.step;
            const alert_rotation* m = a.rotation.machine();
            auto image = masked_alert_config(m->current_as_read());
            auto wrote = changes_to_json(m->current_changes());
            auto r = note_journal(rec_.journal->write_before(ref, &image, &wrote));
            if (!r) return r;
        }
    } else {
        if (auto old = a.rotation.old_secret_record()) {
            // Before the integration's write: a resume must know the old secret's last four, as
            // the integration may show the new one by then.
            auto step_ref = ref;
            step_ref.step = std::string(old_secret_step);
            auto r = note_journal(rec_.journal->write_outcome(step_ref, *old));
            if (!r) return r;
        }
        return note_journal(rec_.journal->write_intent(ref, to_string(step.request.method),
                                                       before_image_of(a, step)));
    }
    return note_journal(rec_.journal->write_intent(ref, to_string(step.request.method)));
}

void apply_job::on_answer(work_item& item, const item_step& step, const api_call_result& r) {
    auto& a = static_cast<apply_item&>(item);
    // One record for the summary and the HTML timeline, so their counts agree.
    request_record rr;
    rr.status = r.status;
    rr.failure = r.failure;
    rr.http_requests = r.requests_sent;
    rr.retry = step.retry;
    rr.verify_read = a.plan.verifying();
    rr.latency = r.latency;
    rr.queued = r.queued;
    rec_.summary.on_request(rr);
    rec_.timeline.on_request(std::chrono::steady_clock::now(), rr);
    if (opts_.log_json) {
        const auto& m = a.row.row;
        err_ << json_request_event(utc_timestamp(), m.line, m.project_id, m.type,
                                   to_string(step.request.method), a.plan.attempts(), r.status,
                                   r.failure == attempt_failure::none ? "" : "no-response",
                                   r.latency)
             << "\n";
    }
}

void apply_job::finish(std::unique_ptr<work_item> item, item_end how) {
    auto& a = static_cast<apply_item&>(*item);
    journal_outcome o;
    o.attempts = a.plan.attempts();
    o.duration_ms = a.elapsed_ms();
    o.secret_last4 = a.last4;
    bool journaled = how == item_end::done || how == item_end::fatal;
    switch (how) {
        case item_end::done:
        case item_end::fatal:
            ++rec_.rows_run;
            o.result = a.plan.result();
            o.http_status = a.plan.http_status();
            o.error_code = a.plan.error_code();
            o.detail = a.plan.detail();
            o.result = a.rotation.row_outcome(o.result, o.detail);
            break;
        case item_end::abandoned:
            // The journal's open intent (if any) makes a resume read first.
            o.http_status = a.last_status;
            o.error_code = "INTERRUPTED";
            o.detail = "stopped before the row finished; --resume completes it";
            break;
        case item_end::not_started:
            o.detail = "not started";
            o.attempts = 0;
            o.duration_ms = 0;
            if (creds_ && creds_->refused(a.credential_key)) {
                // Its organization's credential was refused: only its rows stop (a fleet run).
                auto name = names_.find(a.credential_key);
                o.result = outcome::failed;
                o.error_code = std::string(credential_refused_code);
                o.detail = credential_refused_detail(a.credential_key,
                                                     name == names_.end() ? "" : name->second);
                journaled = true;
            }
            break;
    }
    // Each alert configuration's step before the row's outcome (also when abandoned: a resume
    // must not redo what is done).
    if (rec_.journal) (void)journal_alert_steps(a);
    record(a.row, o, journaled, &a.rotation);
    rows_.finished(a.row.row.project_id);
}

void apply_job::record_dispatched(const dispatched& d) {
    journal_outcome o;
    if (d.kind == dispatched::invalid) {
        o.result = outcome::invalid;
        o.error_code = "INVALID_ROW";
        o.detail = d.errors.empty() ? std::string("invalid row") : to_string(d.errors.front());
        record(d, o, true);
        return;
    }
    if (d.kind == dispatched::done_before && d.previous) {
        ++rec_.skipped_done;
        record(d, *d.previous, false);  // already in the journal
        return;
    }
    o.detail = "not started";
    o.secret_last4 = sent_last4(d.row);
    record(d, o, false);
}

void apply_job::record(const dispatched& d, const journal_outcome& o, bool journaled,
                       const row_rotation* rotation) {
    ++rec_.rows_done;
    rec_.summary.counts[o.result]++;
    if (o.result == outcome::exists_differs) rec_.summary.exists_differs_types[d.row.type]++;
    if (o.result == outcome::failed || o.result == outcome::no_access ||
        o.result == outcome::forbidden_role || o.result == outcome::partial) {
        ++rec_.failed_rows;
        auto limit = opts_.run.max_failures;
        if (limit > 0 && rec_.failed_rows >= limit && !control_.stopping()) {
            control_.stop();
            err_ << "cmbulk: " << rec_.failed_rows
                 << " rows failed (--max-failures): no new rows are started\n";
        }
    }
    if (opts_.dry_run) return;
    auto ref = row_ref(d);
    if (rec_.journal && journaled && o.result != outcome::not_run)
        (void)note_journal(rec_.journal->write_outcome(ref, o));
    auto row = report_row_of(ref, o);
    rec_.timeline.on_row(row);
    if (opts_.log_json) err_ << json_row_event(utc_timestamp(), row) << "\n";
    if (!rec_.report) return;
    rec_.report->add(row);
    // A row per alert configuration the rotation rewrote (or failed to), this run's and earlier.
    auto alerts = rotation    ? rotation->report_rows(row)
                  : d.journal ? journal_alert_rows(row, *d.journal, {})
                              : std::vector<report_row>{};
    for (auto& r : alerts) rec_.report->add(r);
}

boost::system::result<void> apply_job::journal_alert_steps(work_item& item) {
    auto& a = static_cast<apply_item&>(item);
    auto records = a.rotation.step_records();
    for (; a.steps_journaled < records.size(); ++a.steps_journaled) {
        auto ref = row_ref(a.row);
        ref.step = records[a.steps_journaled].first;
        auto r = note_journal(rec_.journal->write_outcome(ref, records[a.steps_journaled].second));
        if (!r) return r;
    }
    return {};
}

void apply_job::tick() {
    // fsync about once a second while records wait (each record already reached the OS with its
    // own write; this bounds what a power cut can take).
    if (rec_.journal && rec_.journal->dirty()) (void)note_journal(rec_.journal->sync());
}

progress_counts apply_job::progress() const { return {rec_.rows_done, rec_.failed_rows}; }

void apply_job::record_the_rest() {
    for (auto d = rows_.drain(); d.kind != dispatched::none; d = rows_.drain())
        record_dispatched(d);
}

}  // namespace cmbulk::detail
