// The end of `cmbulk apply`: the report committed, the summary printed, the HTML report and the
// JSON summary event written, the exit status decided (exit_status_for) and, when the run was
// stopped, what to do next. Also the report rows a checkpoint records.
#include "apply_outputs.hpp"

#include <ostream>

#include "apply_header.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/html_report.hpp"
#include "cmbulk/run_log.hpp"

namespace cmbulk {

report_row journal_report_row(const journal_row_state& s) {
    journal_row_ref ref{s.row, s.line, s.project_id, s.type, s.action};
    if (s.last_outcome && !s.intent_open) return detail::report_row_of(ref, *s.last_outcome);
    journal_outcome o;
    o.detail = s.intent_open ? "interrupted after a " + s.intent_method +
                                   " was started; it may have landed (resume resolves it by a read)"
                             : "no outcome recorded";
    if (s.last_outcome) o.attempts = s.last_outcome->attempts;
    return detail::report_row_of(ref, o);
}

namespace detail {

namespace {

std::uint64_t unsuccessful_rows(const run_summary& s) {
    std::uint64_t n = 0;
    for (auto& [o, count] : s.counts)
        if (!is_success(o)) n += count;
    return n;
}

/// --html-report: false (with the message printed) when it could not be written.
bool write_html(const apply_options& opts, const apply_paths& paths, const apply_records& rec,
                int status, bool journaled, std::ostream& err) {
    if (opts.html_report_path.empty()) return true;
    html_report_info info;
    info.command =
        opts.command_line.empty() ? "cmbulk apply " + opts.manifest.string() : opts.command_line;
    info.base_url = opts.api.base_url;
    info.flavor = std::string(to_string(opts.api.api_flavor));
    info.report_path = paths.report.string();
    info.checkpoint_path = journaled ? paths.checkpoint.string() : std::string("none");
    info.finished_at = utc_timestamp();
    info.exit_status = status;
    std::string message;
    if (!write_html_report(opts.html_report_path, info, rec.summary, rec.timeline, message)) {
        err << "cmbulk: could not write the HTML report " << opts.html_report_path.string() << ": "
            << message << "\n";
        return false;
    }
    err << "html report: " << opts.html_report_path.string();
    if (paths.html_existed)
        err << " (replaced the previous report " << opts.html_report_path.string() << ")";
    err << "\n";
    return true;
}

int finish_dry_run(const apply_options& opts, run_environment& env, const apply_records& rec,
                   std::ostream& err) {
    err << "cmbulk: dry run: " << rec.rows_run << " rows would be sent to " << opts.api.base_url
        << " (" << (env.dry_run() ? env.dry_run()->printed() : 0) << " requests)";
    if (rec.skipped_done)
        err << "; " << rec.skipped_done << " rows the checkpoint records as done are skipped";
    err << "; nothing was sent\n";
    run_end end;
    end.interrupted = env.control().interrupted();
    return exit_status_for(end);
}

/// The command that finishes the run as printed: the checkpoint holds the options that change
/// what is sent or written, so the manifest, the checkpoint and the other options do.
std::string finish_command(const apply_options& opts, const apply_paths& paths, bool journaled) {
    if (!journaled) return resume_command(opts.command_args);
    std::vector<std::string> args{"cmbulk",   "apply",        opts.manifest.string(),
                                  "--resume", "--checkpoint", paths.checkpoint.string()};
    args.insert(args.end(), opts.unrecorded_args.begin(), opts.unrecorded_args.end());
    // A literal secret is never recorded: the command names it masked, to be given again.
    for (auto& [name, value] : opts.manifest_opts.set_fields)
        if (!detail::is_reference(value) && detail::is_secret_field(name))
            args.insert(args.end(), {"--set", name + "=****"});
    return resume_command(args);
}

}  // namespace

int finish_apply(const apply_options& opts, const apply_paths& paths, run_environment& env,
                 apply_records& rec, std::chrono::steady_clock::time_point started,
                 std::ostream& err) {
    auto& ctl = env.control();
    env.progress().finish();
    if (opts.dry_run) return finish_dry_run(opts, env, rec, err);
    if (rec.journal) rec.journal->close();
    bool committed = static_cast<bool>(rec.report->commit());

    rec.summary.requests = env.gate().requests();
    rec.summary.throttled = env.gate().throttled();
    rec.summary.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    bool quiet = opts.run.progress == progress_mode::quiet;
    if (!opts.log_json && (!quiet || ctl.fatal() || rec.failed_rows))
        err << format_summary(rec.summary);
    if (!committed)
        err << "cmbulk: could not write the report " << paths.report.string() << "\n";
    else
        err << "report: " << paths.report.string()
            << (paths.report_existed
                    ? " (replaced the previous report " + paths.report.string() + ")"
                    : std::string())
            << "\ncheckpoint: "
            << (rec.journal ? paths.checkpoint.string() : std::string("none (--no-checkpoint)"))
            << "\n";

    run_end end;
    end.fatal = ctl.fatal();
    end.interrupted = ctl.interrupted();
    end.outputs_failed = !committed;
    end.unsuccessful = unsuccessful_rows(rec.summary);
    if (!write_html(opts, paths, rec, exit_status_for(end), rec.journal != nullptr, err))
        end.outputs_failed = true;
    int status = exit_status_for(end);
    if (opts.log_json) err << json_summary_event(utc_timestamp(), rec.summary, status) << "\n";
    if (end.fatal) err << "cmbulk: stopped: " << ctl.fatal_message() << "\n";
    if (end.interrupted && !end.fatal)
        err << "cmbulk: interrupted (" << ctl.signal_name()
            << "); to finish the run: " << finish_command(opts, paths, rec.journal != nullptr)
            << "\n";
    return status;
}

}  // namespace detail
}  // namespace cmbulk
