// No output may replace an input or another output: the paths a run reads (manifest, projects
// file, credentials file) and writes (row report, HTML report, checkpoint, emitted manifest or
// seed, log) are checked against each other before anything starts, by name (made absolute and
// normal, symbolic links resolved) and, for files that exist, by device and inode (hard links).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cmbulk/diagnostics.hpp"

namespace cmbulk {

/// One path of a run and what it is for, as the user would name it ("the manifest", "--report",
/// "--html-report", "the checkpoint", "--emit-manifest", "the row report beside --report
/// run.html").
struct run_path {
    std::string role;
    std::filesystem::path path;
    bool output = false;  ///< written by the run (inputs are only read)
};

/// The first clash: an output that is also an input, or two outputs that are one file. The
/// diagnostics name both roles and paths ("--report slack.csv is also the manifest slack.csv:
/// an output must never replace an input; choose another --report"); nullopt when all differ.
/// Empty paths are ignored.
std::optional<diagnostics> find_path_clash(std::span<const run_path> paths);

/// Whether two paths name one file (same normal absolute path after resolving links, or the
/// same device and inode).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

/// The file standard error writes to when it is a regular file (the run's log, e.g.
/// `2>>events.jsonl`), so it takes part in the check; empty when it is a terminal or a pipe.
std::filesystem::path stderr_log_file();

/// The row report that goes beside an HTML report (`--report run.html` -> run.csv), never on one
/// of `inputs` (then run.report.csv, run.report-2.csv, ...).
std::filesystem::path companion_report_path(const std::filesystem::path& html,
                                            std::span<const std::filesystem::path> inputs);

}  // namespace cmbulk
