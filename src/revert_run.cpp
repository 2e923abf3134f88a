// `cmbulk revert` from the top: the reverted run's checkpoint replayed into revert rows, the
// old secrets read, the revert's own checkpoint created or resumed, then each row driven by its
// revert_machine on the run engine (revert_job), and the report and summary written.
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "apply_job.hpp"
#include "cmbulk/csv.hpp"
#include "cmbulk/digest.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/report.hpp"
#include "cmbulk/revert.hpp"
#include "cmbulk/revert_machine.hpp"
#include "cmbulk/row_rotation.hpp"
#include "cmbulk/secret_ref.hpp"
#include "cmbulk/version.hpp"

namespace cmbulk {

namespace {

/// What the reverted run did to a row, from its last outcome (and its action when --verify
/// hid it); "" when it changed nothing.
std::string done_of(const journal_row_state& s) {
    if (!s.last_outcome) return s.intent_open ? std::string("maybe") : std::string();
    switch (s.last_outcome->result) {
        case outcome::created:
            return "created";
        case outcome::updated:
        case outcome::partial:
            return "updated";
        case outcome::deleted:
            return "deleted";
        case outcome::verified:
        case outcome::mismatch:
            return "maybe";
        default:
            return {};
    }
}

/// A run with an open intent or a verified write: what it did follows from its action and
/// whether the integration was there before.
std::string resolve_maybe(const journal_row_state& s) {
    if (s.action == "delete") return "deleted";
    if (s.action == "create") return "created";
    if (s.action == "update") return "updated";
    return s.has_before && s.before ? "updated" : "created";  // upsert
}

struct revert_counts {
    std::map<std::string, std::uint64_t> kinds;        ///< by revert kind's name (integrations)
    std::map<std::string, std::uint64_t> alert_kinds;  ///< the same, alert configurations
    std::uint64_t unsuccessful = 0, done = 0;
};

class revert_item final : public work_item {
public:
    revert_item(revert_row row, supplied_secrets s, bool plan_only)
        : machine(std::move(row), std::move(s), plan_only) {}
    item_step start(retry_policy& p) override { return machine.start(p); }
    item_step next(api_call_result r, retry_policy& p) override {
        return machine.next(std::move(r), p);
    }
    revert_machine machine;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// The revert's rows as work items; each ending recorded in the journal and the report.
class revert_job final : public run_job {
public:
    revert_job(std::vector<revert_row>& rows, const revert_options& o,
               const std::map<std::string, supplied_secrets>& per_row, journal_writer* journal,
               report_writer* report, std::ostream& out, run_control& control)
        : rows_(rows),
          o_(o),
          per_row_(per_row),
          journal_(journal),
          report_(report),
          out_(out),
          control_(control) {}

    std::unique_ptr<work_item> next_item() override {
        if (next_ >= rows_.size()) return nullptr;
        auto& r = rows_[next_++];
        auto secrets = o_.secrets;
        if (auto it = per_row_.find(r.ref.project_id + "/" + r.ref.type); it != per_row_.end())
            for (auto& [k, v] : it->second) secrets[k] = v;
        return std::make_unique<revert_item>(r, std::move(secrets), o_.plan_only);
    }

    boost::system::result<void> before_send(work_item& item, const item_step& step) override {
        if (!step.changes_state || !journal_) return {};
        auto& m = static_cast<revert_item&>(item).machine;
        return note(journal_->write_intent(m.row().ref, to_string(step.request.method)));
    }

    void finish(std::unique_ptr<work_item> item, item_end how) override {
        auto& a = static_cast<revert_item&>(*item);
        auto& m = a.machine;
        journal_outcome o;
        o.attempts = m.attempts();
        o.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - a.started)
                            .count();
        o.secret_last4 = m.sent_last4();
        if (how != item_end::done && how != item_end::fatal) {
            if (how == item_end::abandoned) o.error_code = "INTERRUPTED";
            o.detail = "stopped before the row finished; --resume completes it";
            record(m, o, false);
            return;
        }
        o.result = m.result();
        o.http_status = m.http_status();
        o.error_code = m.error_code();
        o.detail = m.detail();
        record(m, o, !o_.plan_only);
    }

    void tick() override {
        if (journal_ && journal_->dirty()) (void)note(journal_->sync());
    }
    progress_counts progress() const override { return {counts.done, counts.unsuccessful}; }

    revert_counts counts;

private:
    boost::system::result<void> note(const boost::system::result<void>& r) {
        if (!r)
            control_.fail("cannot write the checkpoint " + journal_->path().string() + ": " +
                          r.error().message());
        return r;
    }

    void record(const revert_machine& m, const journal_outcome& o, bool journaled) {
        const auto& ref = m.row().ref;
        ++counts.done;
        if (o.result == outcome::not_run && !o_.plan_only) {
            ++counts.unsuccessful;
        } else {
            ++(m.row().alert ? counts.alert_kinds : counts.kinds)[m.kind()];
            // --plan: only a read that failed is unsuccessful (the decisions are its answer).
            bool failed = o_.plan_only ? m.kind() == "failed"
                                       : o.result == outcome::failed || !o.error_code.empty();
            if (failed) ++counts.unsuccessful;
        }
        if (o_.plan_only) {
            out_ << ref.project_id << " " << ref.type;
            if (m.row().alert) out_ << " alertConfig:" << m.row().alert->config_id;
            out_ << " (was " << m.row().change.done << "): " << m.kind()
                 << (o.detail.empty() ? "" : ": " + o.detail) << "\n";
            return;
        }
        if (journal_ && journaled) (void)note(journal_->write_outcome(ref, o));
        auto row = detail::report_row_of(ref, o);
        row.action = "revert " + m.row().change.done + ": " + m.kind();
        if (m.row().alert) row.target = "alertConfig:" + m.row().alert->config_id;
        if (report_) report_->add(row);
    }

    std::vector<revert_row>& rows_;
    const revert_options& o_;
    const std::map<std::string, supplied_secrets>& per_row_;
    journal_writer* journal_;
    report_writer* report_;
    std::ostream& out_;
    run_control& control_;
    std::size_t next_ = 0;
};

/// Whether an alert step of the reverted run may have rewritten its configuration.
bool alert_rewritten(const journal_step_state& st) {
    if (st.intent_open) return true;
    if (!st.last_outcome) return false;
    auto o = st.last_outcome->result;
    return o == outcome::updated || o == outcome::verified || o == outcome::mismatch;
}

/// The alert configurations the row's rotation rewrote, as revert rows.
void add_alert_rows(const journal_row_state& s, std::vector<revert_row>& rows) {
    for (auto& [step, st] : s.steps) {
        if (!step.starts_with(alert_step_prefix) || !alert_rewritten(st)) continue;
        revert_row r;
        r.ref = journal_row_ref{s.row, s.line, s.project_id, s.type, s.action, step};
        r.change.type = s.type;
        r.change.done = "rewritten";
        recorded_alert_change a;
        a.config_id = step.substr(alert_step_prefix.size());
        a.integration_type = s.type;
        auto changes = changes_from_json(st.wrote);
        r.has_before = st.has_before && st.before && changes;
        if (r.has_before) {
            a.before = *st.before;
            a.changes = std::move(*changes);
        }
        r.alert = std::move(a);
        rows.push_back(std::move(r));
    }
}

/// The reverted run's rows that changed something, as revert rows (`nothing`: the others),
/// each followed by the alert configurations its rotation rewrote.
std::vector<revert_row> revert_rows_of(const journal_replay& src, std::uint64_t& nothing) {
    std::vector<revert_row> rows;
    for (auto& s : src.rows) {
        auto done = done_of(s);
        if (done == "maybe") done = resolve_maybe(s);
        if (done.empty()) {
            ++nothing;
        } else {
            revert_row r;
            r.ref = journal_row_ref{s.row, s.line, s.project_id, s.type, s.action, {}};
            r.change.type = s.type;
            r.change.done = done;
            r.change.before = s.before;
            r.change.sent_last4 = s.last_outcome ? s.last_outcome->secret_last4 : "";
            r.has_before = s.has_before;
            rows.push_back(std::move(r));
        }
        add_alert_rows(s, rows);
    }
    return rows;
}

std::filesystem::path report_path_of(const revert_options& o) {
    if (!o.report_path.empty()) return o.report_path;
    auto name = o.source.filename().string();
    for (std::string_view ext : {".checkpoint.jsonl", ".jsonl"})
        if (name.size() > ext.size() && name.ends_with(ext)) {
            name.resize(name.size() - ext.size());
            break;
        }
    return o.source.parent_path() / (name + ".revert.csv");
}

std::string file_sha256(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return digest::hash_hex(digest::algorithm::sha256, ss.str());
}

/// The revert's checkpoint: created, or (--resume) reopened with the rows it finished dropped.
std::unique_ptr<journal_writer> open_checkpoint(const revert_options& o,
                                                const std::filesystem::path& path,
                                                const journal_header& h,
                                                std::vector<revert_row>& rows, std::ostream& err) {
    diagnostics diag;
    if (!o.resume) {
        if (std::filesystem::exists(path)) {
            err << "cmbulk revert: " << path.string()
                << " exists: --resume it, or choose another --checkpoint\n";
            return nullptr;
        }
        auto jw = journal_writer::create(path, h, diag);
        if (!jw) {
            err << "cmbulk revert: " << to_string(diag) << "\n";
            return nullptr;
        }
        return std::move(*jw);
    }
    journal_replay replay;
    auto jw = journal_writer::open_append(path, diag, &replay);
    if (!jw) {
        err << "cmbulk revert: cannot resume: " << to_string(diag) << "\n";
        return nullptr;
    }
    auto diffs = compare_headers(replay.header, h);
    if (replay.header.command != "revert" || !diffs.empty()) {
        err << "cmbulk revert: cannot resume " << path.string()
            << ": it is not the checkpoint of this revert\n";
        for (auto& d : diffs) err << "  - " << d << "\n";
        return nullptr;
    }
    // Rows that ended (but failed ones, which run again) are done; an open intent is read
    // again by its machine, which finds what landed.
    auto ended = [](const journal_step_state& st) {
        return !st.intent_open && st.last_outcome && st.last_outcome->result != outcome::failed;
    };
    std::set<std::pair<std::uint64_t, std::string>> finished;
    for (auto& s : replay.rows) {
        if (ended(s)) finished.emplace(s.row, "");
        for (auto& [step, st] : s.steps)
            if (ended(st)) finished.emplace(s.row, step);
    }
    std::erase_if(rows, [&](const revert_row& r) {
        return finished.count({r.ref.row, r.ref.step}) > 0;
    });
    err << "cmbulk revert: --resume: " << finished.size() << " rows finished before\n";
    return std::move(*jw);
}

/// "LABEL: N kind, N kind, ..." for `names` in order (0 for a kind never counted).
void print_kinds(std::string_view label, const std::map<std::string, std::uint64_t>& kinds,
                 std::initializer_list<std::string_view> names, std::ostream& out) {
    out << label << ": ";
    bool first = true;
    for (auto k : names) {
        auto it = kinds.find(std::string(k));
        out << (first ? "" : ", ") << (it == kinds.end() ? 0 : it->second) << " " << k;
        first = false;
    }
    out << "\n";
}

void print_summary(const revert_counts& c, std::uint64_t nothing, std::ostream& out) {
    auto kinds = c.kinds;
    kinds["nothing"] += nothing;
    print_kinds("revert", kinds,
                {"delete", "put-back", "recreate", "nothing", "changed-since", "needs-secret",
                 "no-before-image", "failed"},
                out);
    // The alert configurations the run's rotation rewrote, counted apart from the integrations.
    if (!c.alert_kinds.empty())
        print_kinds(
            "revert alert configs", c.alert_kinds,
            {"put-back", "nothing", "changed-since", "needs-secret", "no-before-image", "failed"},
            out);
}

}  // namespace

bool read_old_secrets(const std::filesystem::path& file,
                      std::map<std::string, supplied_secrets>& out, std::string& error) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        error = file.string() + ": cannot be read";
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    auto text = ss.str();
    auto reader = csv::reader::from_text(text);
    reader.set_delimiter(',');
    csv::record rec;
    std::vector<std::string> header;
    auto where = [&](std::uint64_t line) { return file.string() + ":" + std::to_string(line); };
    while (reader.next(rec)) {
        if (!rec.problems.empty()) {
            error = where(rec.line) + ": not valid CSV";
            return false;
        }
        if (header.empty()) {
            header = rec.cells;
            if (header.size() < 3 || header[0] != "projectId" || header[1] != "type") {
                error = where(rec.line) + ": expected the header projectId,type,FIELD...";
                return false;
            }
            continue;
        }
        if (rec.cells.size() != header.size()) {
            error = where(rec.line) + ": expected " + std::to_string(header.size()) + " cells";
            return false;
        }
        auto& s = out[rec.cells[0] + "/" + rec.cells[1]];
        for (std::size_t i = 2; i < header.size(); ++i) {
            if (rec.cells[i].empty()) continue;
            auto v = resolve_value(rec.cells[i], file.parent_path(), process_getenv, error);
            if (!v) {
                error = where(rec.line) + ": " + header[i] + ": " + error;
                return false;
            }
            s[header[i]] = std::move(v->value);
        }
    }
    if (reader.fatal()) {
        error = file.string() + ": not valid CSV";
        return false;
    }
    return true;
}

int run_revert(const revert_options& o, std::ostream& out, std::ostream& err) {
    diagnostics diag;
    auto src = replay_journal(o.source, diag);
    if (!src) {
        err << "cmbulk revert: " << to_string(diag) << "\n";
        return exit_usage;
    }
    if (src->header.command != "apply") {
        err << "cmbulk revert: " << o.source.string() << " is the checkpoint of `cmbulk "
            << src->header.command << "`, not of an apply run\n";
        return exit_usage;
    }
    std::map<std::string, supplied_secrets> per_row;
    std::string msg;
    if (!o.old_secrets.empty() && !read_old_secrets(o.old_secrets, per_row, msg)) {
        err << "cmbulk revert: --old-secrets: " << msg << "\n";
        return exit_usage;
    }
    std::uint64_t nothing = 0;
    auto rows = revert_rows_of(*src, nothing);
    auto env = run_environment::create(o.run, o.api, err, nullptr, diag);
    if (!env) {
        err << "cmbulk revert: " << to_string(diag) << "; nothing was sent\n";
        return exit_usage;
    }
    auto report_path = report_path_of(o);
    auto checkpoint = o.checkpoint_path;
    if (checkpoint.empty())
        checkpoint = std::filesystem::path(report_path).replace_extension(".checkpoint.jsonl");
    std::unique_ptr<journal_writer> journal;
    std::unique_ptr<report_writer> report;
    if (!o.plan_only) {
        journal_header h;
        h.command = "revert";
        h.tool_version = std::string(version());
        h.manifest_sha256 = file_sha256(o.source);
        h.action = "revert";
        h.flavor = src->header.flavor;
        h.base_url = o.api.base_url;
        h.options["source"] = std::filesystem::absolute(o.source).lexically_normal().string();
        journal = open_checkpoint(o, checkpoint, h, rows, err);
        if (!journal) return exit_usage;
        auto fmt = report_format_from_path(report_path).value_or(report_format::csv);
        auto rw = report_writer::open(report_path, fmt, msg);
        if (!rw) {
            err << "cmbulk revert: " << msg << "\n";
            return exit_usage;
        }
        report = std::move(*rw);
    }
    revert_job job(rows, o, per_row, journal.get(), report.get(), out, (*env)->control());
    (*env)->progress().start(rows.size());
    auto ctx = (*env)->context(rows.size());
    std::function<boost::asio::awaitable<void>()> work = [&]() -> boost::asio::awaitable<void> {
        co_await run_workers(ctx, o.run, job);
    };
    (*env)->run(work);
    if (journal) journal->close();
    print_summary(job.counts, nothing, out);
    run_end end;
    end.fatal = (*env)->control().fatal();
    end.interrupted = (*env)->control().interrupted();
    end.unsuccessful = job.counts.unsuccessful + (rows.size() - job.counts.done);
    if (report && !report->commit()) {
        err << "cmbulk revert: " << report->error_message() << "\n";
        end.outputs_failed = true;
    }
    if (end.fatal) err << "cmbulk revert: " << (*env)->control().fatal_message() << "\n";
    if (!o.plan_only && (end.interrupted || end.fatal || end.unsuccessful > 0))
        err << "cmbulk revert: to finish: " << resume_command(o.command_args) << "\n";
    return exit_status_for(end);
}

}  // namespace cmbulk
