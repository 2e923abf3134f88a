// The dispatcher of manifest rows: which row runs next. Rows of one project never run at the
// same time and run in manifest order (a row whose project is busy waits, and goes first once
// the project is free); invalid rows and rows an earlier run finished are handed back to be
// recorded, not run (the resume lookup: by row index, or by projectId+type with --force). Pure:
// it reads rows from a function and knows nothing of requests, so tests drive it by hand.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cmbulk/journal.hpp"
#include "cmbulk/manifest.hpp"

namespace cmbulk {

/// What an earlier run recorded, by row: replayed from the checkpoint.
class resume_index {
public:
    resume_index() = default;
    /// The replayed rows (journal_replay::rows), by row index, or (`by_key`, --force with a
    /// changed manifest) by projectId + type.
    resume_index(std::vector<journal_row_state> rows, bool by_key);
    /// The row's state in the journal, or nullptr when the journal never mentions it.
    const journal_row_state* find(const manifest_row& row) const;
    bool by_key() const { return by_key_; }
    std::size_t size() const { return rows_.size(); }

private:
    std::vector<journal_row_state> rows_;
    std::unordered_map<std::uint64_t, std::size_t> by_index_;
    std::unordered_map<std::string, std::size_t> by_project_type_;
    bool by_key_ = false;
};

/// One row as the dispatcher hands it out.
struct dispatched {
    enum kind_t {
        none,         ///< no row (now): nothing left, or only rows of busy projects
        run,          ///< run it (from drain(): it never started)
        invalid,      ///< the manifest row is invalid (--skip-invalid): record it, do not run it
        done_before,  ///< an earlier run finished it: record its outcome, do not run it
    } kind = none;
    manifest_row row;
    row_action action = row_action::create;  ///< the row's own action, else the run's
    std::vector<manifest_error> errors;      ///< with invalid
    /// With run: an earlier run left an intent without an outcome (the change may have landed):
    /// read before writing.
    bool resolve_first = false;
    std::optional<journal_outcome> previous;  ///< with done_before: what it recorded
    /// What the checkpoint holds for the row, steps included (nullptr: nothing); it lives as long
    /// as the resume_index.
    const journal_row_state* journal = nullptr;
};

class row_dispatcher {
public:
    using source = std::function<std::optional<parsed_row>()>;
    /// `rows` gives the manifest's rows in order; `resumed` (may be null) what earlier runs
    /// recorded; `rerun_failed`: rows that failed before run again (--resume-failed).
    row_dispatcher(source rows, row_action default_action, const resume_index* resumed,
                   bool rerun_failed);

    /// The next row: a row to run (its project is then busy until finished()), or one to
    /// record; `none` when nothing can run now.
    dispatched next();
    /// The row of `project_id` handed out by next() has ended: the project's next row (if one
    /// waits) becomes the next to run.
    void finished(const std::string& project_id);
    /// After the run: every row never handed out, one per call (rows that waited for their
    /// project first, in manifest order, then the rest of the manifest), each as `run` (it
    /// never started), `invalid` or `done_before`; `none` at the end.
    dispatched drain();
    /// Rows waiting for their project.
    std::size_t waiting() const { return waiting_count_; }

private:
    dispatched classify_(parsed_row parsed) const;
    void mark_busy_(const std::string& project_id);

    source rows_;
    row_action default_action_;
    const resume_index* resumed_;
    bool rerun_failed_;
    std::unordered_set<std::string> busy_;
    /// Nodes of busy_ whose project finished, kept for the next project: a row then costs no
    /// allocation for its place in busy_ (bench/profile.py). At most the most ever busy at once.
    std::vector<std::unordered_set<std::string>::node_type> spare_;
    std::unordered_map<std::string, std::deque<dispatched>> waiting_;
    std::deque<std::string> ready_;  ///< projects whose next waiting row may run now
    std::size_t waiting_count_ = 0;
    std::vector<dispatched> drained_;  ///< drain(): the waiting rows, in manifest order
    bool draining_ = false;
};

}  // namespace cmbulk
