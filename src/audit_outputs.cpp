// The end of `cmbulk audit`: the report written atomically, the counts per type and finding,
// --emit-manifest, the checkpoint kept (something failed or was not read) or removed, and the
// exit status (exit_status_for).
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <ostream>

#include "audit_detail.hpp"
#include "audit_run.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/fs_atomic.hpp"

namespace cmbulk::detail {
namespace json = boost::json;

namespace {

void print_summary(const audit_state& st, const std::vector<audit_row>& rows,
                   std::uint64_t requests, double seconds) {
    std::map<std::string, std::uint64_t> per_type, per_finding;
    std::uint64_t integrations = 0, notifications = 0, empty_projects = 0;
    for (auto& r : rows) {
        for (auto& f : r.findings) per_finding[f]++;
        if (!r.error.empty()) continue;
        if (r.type.empty()) {
            ++empty_projects;
        } else {
            ++(r.type.rfind("ALERT:", 0) == 0 ? notifications : integrations);
            per_type[r.type]++;
        }
    }
    auto& err = st.err;
    err << "audit: " << st.done << " of " << st.projects.size() << " projects read, "
        << integrations << " integrations, ";
    if (notifications > 0) err << notifications << " alert notifications, ";
    err << empty_projects << " projects without integrations"
        << (st.opts.types.empty() ? "" : " of the types asked for") << ", "
        << (st.unreadable + st.source_errors.size()) << " unreadable; " << requests
        << " requests in " << std::fixed;
    err.precision(1);
    err << seconds << " s\n";
    err.unsetf(std::ios::floatfield);
    if (!per_type.empty()) {
        err << "  by type:";
        for (auto& [t, n] : per_type) err << " " << t << " " << n;
        err << "\n";
    }
    if (!per_finding.empty()) {
        err << "  findings:";
        for (auto& [f, n] : per_finding) err << " " << f << " " << n;
        err << "\n";
    }
    err << "report: " << st.report_path.string() << "\n";
}

/// --emit-manifest; false when it could not be written.
bool emit_manifest(const audit_state& st, const std::vector<audit_row>& rows) {
    auto& err = st.err;
    std::vector<boost::json::object> mrows;
    std::vector<std::string> refs;
    std::uint64_t skipped = 0, with_stale = 0;
    auto stale = stale_alert_last4(rows);
    for (auto& r : rows) {
        if (r.type.rfind("ALERT:", 0) == 0) continue;  // notifications: fromLast4 of their row
        auto it = stale.find({r.project_id, r.type});
        if (st.opts.emit_stale_only && it == stale.end()) continue;
        std::vector<std::string> row_refs;
        auto m = manifest_row_for(r, st.opts.secret_refs, row_refs);
        if (!m) {
            if (!r.type.empty() && r.error.empty()) ++skipped;
            continue;
        }
        if (it != stale.end()) {
            // apply rewrites the notifications that show these last four too.
            (*m)["fromLast4"] = detail::join(it->second, ";");
            ++with_stale;
        }
        for (auto& x : row_refs)
            if (std::find(refs.begin(), refs.end(), x) == refs.end()) refs.push_back(x);
        mrows.push_back(std::move(*m));
    }
    std::string msg;
    if (!write_file_atomically(st.opts.emit_manifest, format_manifest(mrows, *st.emit_fmt), msg)) {
        err << "cmbulk audit: " << msg << "\n";
        return false;
    }
    err << "manifest: " << st.opts.emit_manifest.string() << " (" << mrows.size() << " rows";
    if (with_stale)
        err << "; " << with_stale << " with fromLast4: their stale alert notifications are "
            << "rewritten by `cmbulk apply --action update`";
    if (skipped) err << "; " << skipped << " integrations of unknown types left out";
    err << ")\n";
    if (!refs.empty()) {
        err << "  set these environment variables before `cmbulk apply` (the secrets are "
               "references):";
        for (auto& r : refs) err << " " << r;
        err << "\n";
    }
    for (auto& [field, name] : st.opts.secret_refs)
        if (std::find(refs.begin(), refs.end(), name) == refs.end())
            err << "cmbulk audit: warning: --secret-ref " << field << "=" << name
                << " matched no field\n";
    return true;
}

}  // namespace

int finish_audit(audit_state& st, const run_control& ctl, std::uint64_t requests, double seconds) {
    auto& err = st.err;
    if (st.checkpoint) st.checkpoint->close();
    if (ctl.fatal()) {
        // Nothing trustworthy was read: keep any earlier report as it is.
        err << "cmbulk audit: stopped: " << ctl.fatal_message() << "; no report written\n";
        return exit_fatal;
    }
    // The report: source errors first, then projects in discovery order.
    std::vector<audit_row> rows = st.source_errors;
    std::uint64_t not_done = 0;
    for (std::size_t i = 0; i < st.projects.size(); ++i) {
        if (!st.finished[i]) {
            ++not_done;
            continue;
        }
        for (auto& r : st.results[i]) rows.push_back(r);
    }
    run_end end;
    end.interrupted = ctl.interrupted();
    end.unsuccessful = st.unreadable + st.source_errors.size() + not_done;
    std::string msg;
    if (!write_file_atomically(st.report_path, format_audit_report(rows, st.report_fmt), msg)) {
        err << "cmbulk audit: could not write the report: " << msg << "\n";
        end.outputs_failed = true;
    } else {
        print_summary(st, rows, requests, seconds);
    }
    if (st.emit_fmt && !emit_manifest(st, rows)) end.outputs_failed = true;
    if (!st.opts.emit_sim_seed.empty()) {
        // What was read, as a seed to rehearse on (cmbulk-sim --seed FILE).
        seed_limits lim;
        lim.source = st.learned.source();
        lim.sets = st.learned.limits();
        lim.rate_limited_429s = st.throttled;
        lim.observed_requests_per_s = seconds > 0 ? static_cast<double>(requests) / seconds : 0;
        auto seed = sim_seed_of(st.projects, st.results, st.opts.api.api_flavor, lim);
        if (!write_file_atomically(st.opts.emit_sim_seed, json::serialize(seed) + "\n", msg)) {
            err << "cmbulk audit: could not write the seed: " << msg << "\n";
            end.outputs_failed = true;
        } else {
            err << "seed: " << st.opts.emit_sim_seed.string() << " ("
                << seed.at("orgs").as_array().size() << " orgs; rehearse with cmbulk-sim --seed "
                << st.opts.emit_sim_seed.string() << ", key " << seed_public_key << ")\n";
        }
    }
    if (st.checkpoint_failed) {
        err << "cmbulk audit: the checkpoint " << st.checkpoint_path.string()
            << " could not be written: --resume would read everything again\n";
        end.outputs_failed = true;
    }
    if (end.interrupted) {
        err << "cmbulk audit: interrupted (" << ctl.signal_name() << ") with " << not_done
            << " projects not read; to finish: " << resume_command(st.opts.command_args) << "\n";
    } else if (end.unsuccessful == 0 && !end.outputs_failed) {
        std::error_code ec;
        std::filesystem::remove(st.checkpoint_path, ec);
    } else if (st.checkpoint) {
        err << "checkpoint: " << st.checkpoint_path.string()
            << " (--resume reads only the projects that failed)\n";
    }
    return exit_status_for(end);
}

}  // namespace cmbulk::detail
