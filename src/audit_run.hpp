// The state of one `cmbulk audit` run (internal), shared by its run (audit_run.cpp) and its
// outputs (audit_outputs.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cmbulk/audit.hpp"
#include "cmbulk/journal.hpp"

namespace cmbulk::detail {

struct audit_state {
    const audit_options& opts;
    std::ostream& err;
    std::filesystem::path report_path, checkpoint_path;
    report_format report_fmt = report_format::csv;
    std::optional<manifest_format> emit_fmt;

    std::vector<audit_project> projects;          ///< in discovery order
    std::vector<std::vector<audit_row>> results;  ///< per project
    std::vector<bool> finished;                   ///< per project: read completely
    std::vector<audit_row> source_errors;         ///< organizations / listings that failed
    std::unordered_map<std::string, std::vector<audit_row>> resumed;  ///< from the checkpoint
    std::unique_ptr<journal_writer> checkpoint;
    bool checkpoint_failed = false;  ///< a record could not be written
    std::uint64_t done = 0, unreadable = 0;
    std::uint64_t throttled = 0;  ///< 429 answers met (the seed's limits learned)
    limit_learning learned;       ///< the limits rateLimits or the 429s described

    audit_state(const audit_options& o, std::ostream& e) : opts(o), err(e) {}
    bool wanted_type(std::string_view t) const;
};

/// After the run: the report, the summary, --emit-manifest, and the exit status.
int finish_audit(audit_state& st, const run_control& ctl, std::uint64_t requests, double seconds);

}  // namespace cmbulk::detail
