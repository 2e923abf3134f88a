// `cmbulk report CHECKPOINT --report FILE`: renders the per-row report from a checkpoint journal,
// at any time (also while the run is going: a half-written last line is ignored, the file is only
// read). With --manifest, rows the journal never mentions are listed as not-run too.
#include <iostream>
#include <unordered_set>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/manifest.hpp"
#include "cmbulk/report.hpp"
#include "cmbulk/runner.hpp"
#include "commands.hpp"

namespace cmbulk::cli {

namespace {

po::options_description report_options_desc() {
    po::options_description d("Options");
    // clang-format off
    d.add_options()
        ("report", po::value<std::string>(), "where to write the report: .csv, .json or .jsonl (required)")
        ("manifest", po::value<std::string>(), "the run's manifest: rows never started are listed as not-run")
        ("help,h", "show this help");
    // clang-format on
    return d;
}

void print_report_help(const po::options_description& d) {
    std::cout
        << "Usage: cmbulk report CHECKPOINT --report FILE [--manifest MANIFEST]\n\n"
           "Writes the per-row report a checkpoint journal records: each row's last\n"
           "outcome, and `not-run` for rows interrupted mid-change (the change may have\n"
           "landed; `apply --resume` reads them back first). Safe while a run is going.\n\n"
           "Examples:\n"
           "  cmbulk apply samples/slack-migration.csv --report run.csv   # or a run going on\n"
           "  cmbulk report run.checkpoint.jsonl --report now.csv\n\n"
        << d << "\n"
        << exit_codes_help;
}

/// Adds a `not-run` row for each manifest row the journal never mentions.
void add_unstarted_rows(const std::filesystem::path& manifest,
                        const std::unordered_set<std::uint64_t>& seen, const std::string& action,
                        report_writer& writer, run_summary& summary) {
    manifest_options mo;
    mo.check_duplicates = false;
    auto reader = manifest_reader::open(manifest, mo);
    while (auto parsed = reader->next()) {
        if (seen.count(parsed->row.index)) continue;
        report_row row;
        row.line = parsed->row.line;
        row.project_id = parsed->row.project_id;
        row.type = parsed->row.type;
        row.action = action;
        // Invalid rows of a run are journaled as `invalid`; a row the journal never
        // mentions was simply not started yet.
        row.result = outcome::not_run;
        row.detail = "not started";
        summary.counts[row.result]++;
        writer.add(row);
    }
}

/// The counts on stderr; exit 0 only when every row succeeded.
int finish_report(const run_summary& summary, std::uint64_t rows,
                  const std::filesystem::path& out) {
    std::cerr << "rows " << rows << ":";
    for (auto o : all_outcomes()) {
        auto it = summary.counts.find(o);
        if (it != summary.counts.end() && it->second)
            std::cerr << " " << to_string(o) << " " << it->second;
    }
    std::cerr << "\nreport: " << out.string() << "\n";
    for (auto& [o, n] : summary.counts)
        if (n && !is_success(o)) return exit_rows_failed;
    return exit_success;
}

}  // namespace

int cmd_report(int argc, char** argv) {
    auto d = report_options_desc();
    po::variables_map vm;
    if (!parse_command_line(argc, argv, d, "checkpoint", vm, "report")) return exit_usage;
    if (vm.count("help") || !vm.count("checkpoint") || !vm.count("report")) {
        print_report_help(d);
        return vm.count("help") ? exit_success : exit_usage;
    }
    std::filesystem::path checkpoint = vm["checkpoint"].as<std::string>();
    std::filesystem::path out = vm["report"].as<std::string>();
    diagnostics diag;
    auto replay = replay_journal(checkpoint, diag);
    if (!replay) {
        std::cerr << "cmbulk report: " << to_string(diag) << "\n";
        return exit_usage;
    }
    if (replay->header.command != "apply") {
        std::cerr << "cmbulk report: " << checkpoint.string() << " is the checkpoint of `cmbulk "
                  << replay->header.command << "`, not of apply (its report is --report's)\n";
        return exit_usage;
    }
    std::string msg;
    auto fmt = report_format_from_path(out);
    if (!fmt) {
        std::cerr << "cmbulk report: --report: use a .csv, .json or .jsonl file name\n";
        return exit_usage;
    }
    auto writer = report_writer::open(out, *fmt, msg);
    if (!writer) {
        std::cerr << "cmbulk report: " << msg << "\n";
        return exit_usage;
    }
    run_summary summary;
    std::unordered_set<std::uint64_t> seen;
    for (auto& state : replay->rows) {
        auto row = journal_report_row(state);
        summary.counts[row.result]++;
        seen.insert(state.row);
        (*writer)->add(row);
    }
    if (vm.count("manifest"))
        add_unstarted_rows(vm["manifest"].as<std::string>(), seen, replay->header.action, **writer,
                           summary);
    if (!(*writer)->commit()) {
        std::cerr << "cmbulk report: could not write " << out.string() << "\n";
        return exit_fatal;
    }
    if (replay->torn_tail_repaired)
        std::cerr
            << "cmbulk report: the checkpoint's last line is incomplete (a run is writing it, "
               "or was killed mid-write); it was left out\n";
    return finish_report(summary, (*writer)->rows(), out);
}

}  // namespace cmbulk::cli
