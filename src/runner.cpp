// `cmbulk apply` from the top: the manifest validated, the setup checked before any file is
// created or request sent (run parameters, server configuration, output paths), the checkpoint
// created or resumed, then the rows run by the engine (apply_job.cpp) and the run finished
// (apply_outputs.cpp). Also `cmbulk validate`.
#include "cmbulk/runner.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "apply_header.hpp"
#include "apply_job.hpp"
#include "apply_outputs.hpp"
#include "cmbulk/dispatcher.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/output_paths.hpp"
#include "cmbulk/version.hpp"
#include "org_lookup.hpp"

namespace cmbulk {
namespace asio = boost::asio;

namespace {

/// The checkpoint and report of a run, opened (or, for a dry run, only the checkpoint read).
struct apply_files {
    std::unique_ptr<journal_writer> journal;
    std::unique_ptr<report_writer> report;
    std::unique_ptr<resume_index> resumed;
};

detail::apply_paths paths_of(const apply_options& o) {
    detail::apply_paths p;
    p.report = o.report_path.empty()
                   ? std::filesystem::path(o.manifest.stem().string() + ".report.csv")
                   : o.report_path;
    p.checkpoint = o.checkpoint_path;
    if (p.checkpoint.empty()) {
        p.checkpoint = p.report;
        p.checkpoint.replace_extension(".checkpoint.jsonl");
    }
    return p;
}

void print_validation_errors(const validation_summary& v, std::ostream& err) {
    for (auto& e : v.errors) err << to_string(e) << "\n";
    if (v.error_count > v.errors.size())
        err << "... and " << (v.error_count - v.errors.size()) << " more errors\n";
}

/// An exit status when the manifest stops the run before anything is sent.
std::optional<int> check_manifest(const validation_summary& v, const apply_options& opts,
                                  std::ostream& err) {
    if (v.error_count == 0) return std::nullopt;
    print_validation_errors(v, err);
    // Errors of the file as a whole (syntax, header, empty) cannot be skipped row by row.
    if (!opts.skip_invalid || v.rows == 0 || v.invalid_rows == 0 || v.file_error_count > 0) {
        err << opts.manifest.string() << ": " << v.error_count << " error(s) in " << v.invalid_rows
            << " of " << v.rows << " rows; nothing was sent"
            << (opts.skip_invalid ? "" : " (--skip-invalid runs the valid rows)") << "\n";
        return exit_usage;
    }
    err << "cmbulk: --skip-invalid: " << v.invalid_rows
        << " invalid rows are reported as `invalid`\n";
    return std::nullopt;
}

/// No output replaces an input or another output (output_paths.hpp).
bool check_path_clashes(const apply_options& o, const detail::apply_paths& p, std::ostream& err) {
    std::string html_role = o.report_beside_html ? "--report" : "--html-report";
    std::vector<run_path> paths{
        {"the manifest", o.manifest, false},
        {o.report_beside_html ? "the row report beside --report " + o.html_report_path.string()
                              : std::string("--report"),
         p.report, true},
        {html_role, o.html_report_path, true},
        {"the log (standard error)", stderr_log_file(), true},
    };
    if (!o.api.cacert.empty()) paths.push_back({"--cacert", o.api.cacert, false});
    // A resume appends to the checkpoint it was given; every other output is new.
    if (!o.no_checkpoint)
        paths.push_back(
            {o.checkpoint_path.empty() ? "the checkpoint" : "--checkpoint", p.checkpoint, true});
    auto clash = find_path_clash(paths);
    if (!clash) return true;
    err << "cmbulk apply: " << clash->message << "; nothing was sent\n";
    return false;
}

/// The outputs can be written where they are asked for (checked before anything is created).
bool check_outputs(const apply_options& o, const detail::apply_paths& p, std::ostream& err) {
    if (!check_path_clashes(o, p, err)) return false;
    diagnostics diag;
    bool ok = static_cast<bool>(check_output_path(p.report, "report", diag));
    if (ok && !o.no_checkpoint)
        ok = static_cast<bool>(check_output_path(p.checkpoint, "checkpoint", diag));
    if (ok && !o.html_report_path.empty())
        ok = static_cast<bool>(check_output_path(o.html_report_path, "HTML report", diag));
    if (!ok) err << "cmbulk apply: " << to_string(diag) << "; nothing was sent\n";
    return ok;
}

/// --resume: the checkpoint replayed (and, unless a dry run, opened for appending).
std::optional<int> resume_checkpoint(const apply_options& o, const detail::apply_paths& p,
                                     const std::string& sha, apply_files& f, std::ostream& err) {
    diagnostics diag;
    journal_replay replay;
    if (o.dry_run) {
        auto r = replay_journal(p.checkpoint, diag);
        if (r) replay = std::move(*r);
        if (!r) {
            err << "cmbulk: cannot resume: " << to_string(diag) << "\n";
            return exit_usage;
        }
    } else {
        auto jw = journal_writer::open_append(p.checkpoint, diag, &replay);
        if (!jw) {
            err << "cmbulk: cannot resume: " << to_string(diag) << "\n";
            return exit_usage;
        }
        f.journal = std::move(*jw);
    }
    // The run asked for, hashed with the recorded salt, against the recorded one.
    auto salt = replay.header.options.count("salt") ? replay.header.options.at("salt") : "";
    auto header = detail::apply_header(o, sha, salt, p.report);
    auto diffs = detail::resume_differences(replay.header, header);
    bool by_key = false;
    if (!diffs.empty()) {
        bool only_manifest =
            diffs.size() == 1 && replay.header.manifest_sha256 != header.manifest_sha256;
        if (!o.force || !only_manifest) {
            err << "cmbulk: cannot resume " << p.checkpoint.string()
                << ": the run differs from the one recorded:\n";
            for (auto& d : diffs) err << "  - " << d << "\n";
            err << (only_manifest ? "  --force matches rows by (projectId, type) instead\n"
                                  : "  start a new run with another --checkpoint\n");
            return exit_usage;
        }
        err << "cmbulk: --force: the manifest changed; rows are matched by (projectId, type)\n";
        by_key = true;
    }
    if (replay.torn_tail_repaired)
        err << "cmbulk: the checkpoint's last line was torn (a kill mid-write); it was dropped\n";
    f.resumed = std::make_unique<resume_index>(std::move(replay.rows), by_key);
    return std::nullopt;
}

/// A new run: refuses to replace an unfinished checkpoint, then creates it.
std::optional<int> new_checkpoint(const detail::apply_paths& p, const journal_header& header,
                                  apply_files& f, std::ostream& err) {
    diagnostics diag;
    std::error_code ec;
    if (std::filesystem::exists(p.checkpoint, ec)) {
        auto replay = replay_journal(p.checkpoint, diag);
        bool finished = static_cast<bool>(replay);
        if (replay)
            for (auto& r : replay->rows)
                if (r.intent_open || !r.last_outcome || !is_success(r.last_outcome->result))
                    finished = false;
        if (!finished) {
            err << "cmbulk: " << p.checkpoint.string()
                << " holds an unfinished run: --resume it, or choose another --checkpoint\n";
            return exit_usage;
        }
    }
    auto jw = journal_writer::create(p.checkpoint, header, diag);
    if (!jw) {
        err << "cmbulk: " << to_string(diag) << "\n";
        return exit_usage;
    }
    f.journal = std::move(*jw);
    return std::nullopt;
}

/// The checkpoint (resumed or new) and the report.
std::optional<int> open_files(const apply_options& o, const detail::apply_paths& p,
                              const std::string& sha, apply_files& f, std::ostream& err) {
    bool resume = o.resume;
    if (resume && !std::filesystem::exists(p.checkpoint)) {
        // The checkpoint is created before the first request, so without one nothing was sent.
        err << "cmbulk: --resume: no checkpoint at " << p.checkpoint.string()
            << ": nothing was sent before; starting the run\n";
        resume = false;
    }
    if (resume) {
        if (auto code = resume_checkpoint(o, p, sha, f, err)) return code;
    } else if (!o.no_checkpoint && !o.dry_run) {
        if (auto code = new_checkpoint(p, detail::apply_header(o, sha, "", p.report), f, err))
            return code;
    }
    if (o.dry_run) return std::nullopt;
    std::string message;
    auto fmt = report_format_from_path(p.report).value_or(report_format::csv);
    auto rw = report_writer::open(p.report, fmt, message);
    if (!rw) {
        err << "cmbulk: " << message << "\n";
        return exit_usage;
    }
    f.report = std::move(*rw);
    return std::nullopt;
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
    // 1. The whole manifest is validated, and the setup checked, before anything is created or
    //    sent.
    auto v = validate_manifest(opts.manifest, opts.manifest_opts);
    if (auto code = check_manifest(v, opts, err)) return *code;
    diagnostics diag;
    detail::fleet_routing fleet(opts.fleet);
    auto env = run_environment::create(opts.run, opts.api, err, opts.dry_run ? &out : nullptr, diag,
                                       fleet.clients);
    if (!env) {
        err << "cmbulk apply: " << to_string(diag) << "; nothing was sent\n";
        return exit_usage;
    }
    auto paths = paths_of(opts);
    if (!opts.dry_run && !check_outputs(opts, paths, err)) return exit_usage;
    std::error_code ec;
    paths.report_existed = std::filesystem::exists(paths.report, ec);
    paths.html_existed =
        !opts.html_report_path.empty() && std::filesystem::exists(opts.html_report_path, ec);
    auto reader = manifest_reader::open(opts.manifest, opts.manifest_opts);
    if (reader->failed()) {
        for (auto& e : reader->errors()) err << to_string(e) << "\n";
        return exit_usage;
    }
    // 2. The checkpoint and the report.
    apply_files files;
    if (auto code = open_files(opts, paths, v.sha256, files, err)) return *code;

    // 3. The rows, through the dispatcher, on the engine.
    row_dispatcher rows([&reader] { return reader->next(); }, opts.manifest_opts.default_action,
                        files.resumed.get(), opts.resume_failed);
    detail::apply_records rec;
    rec.report = files.report.get();
    rec.journal = files.journal.get();
    rec.summary.total_rows = v.rows;
    detail::apply_job job(opts, err, (*env)->control(), rows, rec);
    if (!opts.fleet.empty()) job.route_by(fleet.router, (*env)->credentials(), fleet.names);
    const bool look_up = !opts.fleet.empty() && v.rows_without_org > 0 && !opts.dry_run;
    auto started = std::chrono::steady_clock::now();
    rec.timeline = run_timeline(started);
    (*env)->progress().start(v.rows);
    auto ctx = (*env)->context(v.rows);
    detail::run_routed(**env, opts.run, fleet, look_up, job, ctx);
    if (!opts.fleet.empty()) fleet.print_summary((*env)->credentials(), look_up, err);
    // 4. Rows never started (stop, fatal, circuit breaker) are reported as not-run.
    job.record_the_rest();
    return detail::finish_apply(opts, paths, **env, rec, started, err);
}

}  // namespace cmbulk
