// `cmbulk plan`: every row's integration read on the run engine (a read_machine per row, rows
// from the dispatcher), compared with the row (compare.hpp), and one line per row printed in
// manifest order with the counts.
#include "cmbulk/plan.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <optional>
#include <vector>

#include "audit_detail.hpp"
#include "cmbulk/audit_pager.hpp"
#include "cmbulk/csv.hpp"
#include "cmbulk/dispatcher.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/fs_atomic.hpp"
#include "cmbulk/output_paths.hpp"
#include "cmbulk/read_machine.hpp"
#include "cmbulk/report.hpp"
#include "cmbulk/row_rotation.hpp"
#include "org_lookup.hpp"

namespace cmbulk {
namespace asio = boost::asio;

std::string_view to_string(plan_verdict v) {
    switch (v) {
        case plan_verdict::create:
            return "create";
        case plan_verdict::update:
            return "update";
        case plan_verdict::unchanged:
            return "unchanged";
        case plan_verdict::del:
            return "delete";
        case plan_verdict::exists:
            return "exists";
        case plan_verdict::error:
            return "error";
    }
    return "error";
}

plan_verdict decide(row_action action, bool found, const integration_diff& diff) {
    if (action == row_action::del) return found ? plan_verdict::del : plan_verdict::unchanged;
    if (!found) return plan_verdict::create;
    // A write-only secret (Prometheus password) is never answered: unchanged as far as can be
    // read, never a perpetual update (issue 13); the line names what was not compared.
    if (diff.consistent()) return plan_verdict::unchanged;
    if (action == row_action::create || action == row_action::none) return plan_verdict::exists;
    return plan_verdict::update;
}

namespace {

/// One row's line of the plan.
struct plan_line {
    std::uint64_t line = 0;
    std::string project_id, type;
    bool read = false;  ///< false: the run stopped before the row was read
    plan_verdict verdict = plan_verdict::error;
    std::string text;  ///< what follows the verdict: fields that differ, or the error
    /// Issue 14: each alert configuration the rotation would rewrite ("<id> <event>: PAGER_DUTY
    /// serviceKey 0022 -> beef"), and why they could not be listed.
    std::vector<std::string> alerts;
    std::string alerts_error;
};

/// A row being read: its integration, then (when the row rotates a secret that alert
/// notifications copy) every page of the project's alert configurations.
class plan_item final : public work_item {
public:
    plan_item(dispatched d, const rotation_options& ro)
        : row(std::move(d)),
          read(get_integration_request(row.row.project_id, row.row.type)),
          rotation(ro, row.row, row.action, nullptr) {}
    item_step start(retry_policy& p) override { return read.start(p); }
    item_step next(api_call_result r, retry_policy& p) override {
        if (alerts) return alerts->next(std::move(r), p);
        auto s = read.next(std::move(r), p);
        if (s.kind != item_step::done) return s;
        auto& answer = read.result();
        if (answer.status != 200 || !answer.body.is_object()) return s;
        rotation.on_integration_read(answer.body.get_object(), true);
        auto diff = compare_integration(row.row.type, row.row.fields, answer.body.get_object());
        if (decide(row.action, true, diff) != plan_verdict::update) return s;
        planned = rotation.planned(outcome::updated);
        if (!planned) return s;
        alerts.emplace(&alert_configs_page_request, row.row.project_id, 100);
        return alerts->start(p);
    }
    std::string_view credential() const override { return credential_key; }
    dispatched row;
    read_machine read;
    row_rotation rotation;
    std::optional<secret_rotation> planned;
    std::optional<audit_pager> alerts;
    std::string credential_key;  ///< its organization's (a fleet run), else ""
};

/// The alert configurations the rotation would rewrite, each as its plan line's text.
void judge_alerts(plan_item& p, plan_line& line) {
    if (!p.alerts) return;
    if (p.alerts->failed()) {
        line.alerts_error = describe_failure(p.alerts->failure());
        return;
    }
    for (auto& config : p.alerts->results()) {
        auto rw = rewrite_alert_config(config, *p.planned);
        if (!rw.needs_put && rw.refusal.empty()) continue;
        alert_step_result r;
        r.config_id = detail::str_of(config, "id");
        r.event_type = detail::str_of(config, "eventTypeName");
        r.changes = std::move(rw.changes);
        r.detail = rw.refusal.empty() ? "" : "refused: " + rw.refusal;
        line.alerts.push_back(r.config_id + " " + describe_alert_step(r));
    }
}

/// What the answer says apply would do.
void judge(const dispatched& d, const api_call_result& r, plan_line& line) {
    line.read = true;
    if (r.status == 200 && r.body.is_object()) {
        auto diff = compare_integration(d.row.type, d.row.fields, r.body.get_object());
        line.verdict = decide(d.action, true, diff);
        if (line.verdict == plan_verdict::update || line.verdict == plan_verdict::exists ||
            !diff.uncertain.empty())
            line.text = describe(diff);
        if (line.verdict == plan_verdict::exists)
            line.text += " (a create would be refused: use --action update or upsert)";
    } else if (r.status == 404 && r.api_error == api_errc::integration_not_configured) {
        line.verdict = decide(d.action, false, {});
    } else {
        line.verdict = plan_verdict::error;
        line.text = describe_failure(r);
    }
}

class plan_job final : public run_job {
public:
    plan_job(row_dispatcher& rows, const rotation_options& ro, const org_router* router)
        : rows_(rows), ro_(ro), router_(router) {}

    std::unique_ptr<work_item> next_item() override {
        for (;;) {
            auto d = rows_.next();
            if (d.kind != dispatched::run) return nullptr;  // a validated manifest: rows only
            slot(d.row);
            org_route route;
            if (router_) route = router_->route(d.row.project_id, d.row.org_id);
            if (router_ && route.kind != org_route::credential) {
                // No credential serves its organization: an error line, nothing sent.
                auto& l = lines[d.row.index];
                l.read = true;
                l.verdict = plan_verdict::error;
                l.text = route.kind == org_route::unknown_org
                             ? "organization " + route.key + " has no credential in --credentials"
                             : "no configured credential lists this project";
                ++done_;
                ++failed_;
                rows_.finished(d.row.project_id);
                continue;
            }
            auto item = std::make_unique<plan_item>(std::move(d), ro_);
            item->credential_key = std::move(route.key);
            return item;
        }
    }

    void finish(std::unique_ptr<work_item> item, item_end how) override {
        auto& p = static_cast<plan_item&>(*item);
        if (how == item_end::done || how == item_end::fatal) {
            judge(p.row, p.read.result(), lines[p.row.row.index]);
            judge_alerts(p, lines[p.row.row.index]);
            ++done_;
            if (lines[p.row.row.index].verdict == plan_verdict::error) ++failed_;
        }
        rows_.finished(p.row.row.project_id);
    }

    progress_counts progress() const override { return {done_, failed_}; }

    /// Every row the run did not reach gets its (unread) line.
    void finish_lines() {
        for (auto d = rows_.drain(); d.kind != dispatched::none; d = rows_.drain()) slot(d.row);
    }

    std::vector<plan_line> lines;  ///< by row index

private:
    void slot(const manifest_row& r) {
        if (lines.size() <= r.index) lines.resize(r.index + 1);
        auto& l = lines[r.index];
        l.line = r.line;
        l.project_id = r.project_id;
        l.type = r.type;
    }
    row_dispatcher& rows_;
    const rotation_options& ro_;
    const org_router* router_;
    std::uint64_t done_ = 0, failed_ = 0;
};

/// --report: the plan's lines as a file (rows not read say so).
std::string format_plan_report(const std::vector<plan_line>& lines, report_format fmt) {
    std::string out = fmt == report_format::csv    ? "line,projectId,type,plan,detail\n"
                      : fmt == report_format::json ? "[\n"
                                                   : "";
    bool first = true;
    for (auto& l : lines) {
        std::string plan = l.read ? std::string(to_string(l.verdict)) : "not-read";
        if (fmt == report_format::csv) {
            std::vector<std::string> cells{std::to_string(l.line), l.project_id, l.type, plan,
                                           l.text};
            out += csv::join_record(cells) + "\n";
            continue;
        }
        boost::json::object o{{"line", l.line},
                              {"projectId", l.project_id},
                              {"type", l.type},
                              {"plan", plan},
                              {"detail", l.text}};
        if (fmt == report_format::json) out += first ? "" : ",\n";
        out += boost::json::serialize(o);
        if (fmt == report_format::jsonl) out += "\n";
        first = false;
    }
    if (fmt == report_format::json) out += "\n]\n";
    return out;
}

/// The lines, the counts, and the exit status.
int print_plan(const plan_options& opts, const plan_job& job, const run_control& ctl,
               std::ostream& out, std::ostream& err) {
    std::map<plan_verdict, std::uint64_t> counts;
    std::string name = opts.manifest.filename().string();
    std::uint64_t not_read = 0, alerts = 0, alert_errors = 0;
    for (auto& l : job.lines) {
        if (!l.read) {
            ++not_read;
            continue;
        }
        counts[l.verdict]++;
        out << name << ":" << l.line << ": " << l.project_id << " " << l.type << ": "
            << to_string(l.verdict);
        if (!l.text.empty()) out << " (" << l.text << ")";
        out << "\n";
        for (auto& a : l.alerts) out << "  alert config " << a << "\n";
        if (!l.alerts_error.empty()) out << "  alert configs not read: " << l.alerts_error << "\n";
        alerts += l.alerts.size();
        alert_errors += l.alerts_error.empty() ? 0 : 1;
    }
    out << "plan: " << job.lines.size() << " rows: " << counts[plan_verdict::create]
        << " to create, " << counts[plan_verdict::update] << " to update, "
        << counts[plan_verdict::del] << " to delete, " << counts[plan_verdict::unchanged]
        << " unchanged, " << counts[plan_verdict::exists] << " exist (create refused), "
        << counts[plan_verdict::error] << " errors";
    if (not_read) out << ", " << not_read << " not read";
    out << "\n";
    if (alerts || alert_errors)
        out << "plan: " << alerts << " alert configs to rewrite"
            << (alert_errors
                    ? ", " + std::to_string(alert_errors) + " projects' alert configs not read"
                    : "")
            << "\n";
    if (ctl.fatal()) err << "cmbulk plan: stopped: " << ctl.fatal_message() << "\n";
    if (ctl.interrupted() && !ctl.fatal())
        err << "cmbulk plan: interrupted (" << ctl.signal_name() << "); " << not_read
            << " rows not read\n";
    run_end end;
    if (!opts.report_path.empty()) {
        std::string msg;
        auto fmt = report_format_from_path(opts.report_path).value_or(report_format::csv);
        if (write_file_atomically(opts.report_path, format_plan_report(job.lines, fmt), msg)) {
            err << "report: " << opts.report_path.string() << "\n";
        } else {
            err << "cmbulk plan: could not write the report: " << msg << "\n";
            end.outputs_failed = true;
        }
    }
    end.fatal = ctl.fatal();
    end.interrupted = ctl.interrupted();
    end.unsuccessful = counts[plan_verdict::error] + not_read + alert_errors;
    end.changes = counts[plan_verdict::create] + counts[plan_verdict::update] +
                      counts[plan_verdict::del] + alerts >
                  0;
    end.detailed_exitcode = opts.detailed_exitcode;
    return exit_status_for(end);
}

/// --report is writable and is neither the manifest nor the log.
bool check_plan_outputs(const plan_options& opts, std::ostream& err) {
    if (opts.report_path.empty()) return true;
    std::vector<run_path> paths{{"the manifest", opts.manifest, false},
                                {"--report", opts.report_path, true},
                                {"the log (standard error)", stderr_log_file(), true}};
    diagnostics diag;
    if (auto clash = find_path_clash(paths)) {
        err << "cmbulk plan: " << clash->message << "; nothing was sent\n";
        return false;
    }
    if (!report_format_from_path(opts.report_path)) {
        err << "cmbulk plan: --report: use a .csv, .json or .jsonl file name\n";
        return false;
    }
    if (!check_output_path(opts.report_path, "report", diag)) {
        err << "cmbulk plan: " << to_string(diag) << "; nothing was sent\n";
        return false;
    }
    return true;
}

}  // namespace

int run_plan(const plan_options& opts, std::ostream& out, std::ostream& err) {
    auto v = validate_manifest(opts.manifest, opts.manifest_opts);
    if (v.error_count > 0) {
        for (auto& e : v.errors) err << to_string(e) << "\n";
        err << opts.manifest.string() << ": " << v.error_count << " error(s) in " << v.invalid_rows
            << " of " << v.rows << " rows\n";
        return exit_usage;
    }
    diagnostics diag;
    detail::fleet_routing fleet(opts.fleet);
    auto env = run_environment::create(opts.run, opts.api, err, nullptr, diag, fleet.clients);
    if (!env) {
        err << "cmbulk plan: " << to_string(diag) << "\n";
        return exit_usage;
    }
    if (!check_plan_outputs(opts, err)) return exit_usage;
    auto reader = manifest_reader::open(opts.manifest, opts.manifest_opts);
    if (reader->failed()) {
        for (auto& e : reader->errors()) err << to_string(e) << "\n";
        return exit_usage;
    }
    row_dispatcher rows([&reader] { return reader->next(); }, opts.manifest_opts.default_action,
                        nullptr, true);
    rotation_options ro;
    ro.enabled = !opts.integrations_only;
    ro.link = opts.link_alerts;
    ro.from_last4 = opts.from_last4;
    plan_job job(rows, ro, opts.fleet.empty() ? nullptr : &fleet.router);
    const bool look_up = !opts.fleet.empty() && v.rows_without_org > 0;
    (*env)->progress().start(v.rows);
    auto ctx = (*env)->context(v.rows);
    detail::run_routed(**env, opts.run, fleet, look_up, job, ctx);
    if (!opts.fleet.empty()) fleet.print_summary((*env)->credentials(), look_up, err);
    (*env)->progress().finish();
    job.finish_lines();
    return print_plan(opts, job, (*env)->control(), out, err);
}

}  // namespace cmbulk
