// The end of `cmbulk apply` (internal): outputs, summary and exit status; see apply_outputs.cpp.
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>

#include "apply_job.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/runner.hpp"

namespace cmbulk::detail {

/// Where an apply run writes.
struct apply_paths {
    std::filesystem::path report, checkpoint;
    /// A previous run's report (row, HTML) was there: the commit replaces it atomically, and the
    /// summary says so.
    bool report_existed = false, html_existed = false;
};

/// Commits the report, prints the summary, writes the HTML report and the JSON summary event,
/// and returns the exit status (exit_status_for), saying what to do next after a stop.
int finish_apply(const apply_options& opts, const apply_paths& paths, run_environment& env,
                 apply_records& rec, std::chrono::steady_clock::time_point started,
                 std::ostream& err);

}  // namespace cmbulk::detail
