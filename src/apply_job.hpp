// The apply job (internal to `cmbulk apply`): the dispatcher's rows as work items for the run
// engine, each driven by its row_plan, and every row recorded once: in the report, the
// checkpoint journal (an intent before each change, the outcome after), the run summary, the
// HTML timeline and the JSON log.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "cmbulk/dispatcher.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/html_report.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/org_routing.hpp"
#include "cmbulk/report.hpp"
#include "cmbulk/row_plan.hpp"
#include "cmbulk/row_rotation.hpp"
#include "cmbulk/runner.hpp"

namespace cmbulk::detail {

/// Where the rows are recorded (report and journal are null in a dry run; the journal with
/// --no-checkpoint too).
struct apply_records {
    report_writer* report = nullptr;
    journal_writer* journal = nullptr;
    run_summary summary;
    run_timeline timeline;
    std::uint64_t failed_rows = 0, rows_done = 0;
    std::uint64_t rows_run = 0;      ///< rows whose plan ran to its end
    std::uint64_t skipped_done = 0;  ///< rows an earlier run had finished
};

class apply_job final : public run_job {
public:
    apply_job(const apply_options& opts, std::ostream& err, run_control& control,
              row_dispatcher& rows, apply_records& records);

    std::unique_ptr<work_item> next_item() override;
    boost::system::result<void> before_send(work_item& item, const item_step& step) override;
    void on_answer(work_item& item, const item_step& step, const api_call_result& r) override;
    void finish(std::unique_ptr<work_item> item, item_end how) override;
    void tick() override;
    progress_counts progress() const override;

    /// A fleet run: each row goes out with its organization's credential (`router`); a row of
    /// a refused credential (`creds`) is reported failed, naming its org (`names`: labels).
    void route_by(const org_router& router, const credential_set& creds,
                  std::map<std::string, std::string> names) {
        router_ = &router;
        creds_ = &creds;
        names_ = std::move(names);
    }

    /// After the run: records every row that never started (not-run), and the invalid and
    /// earlier-finished rows the run did not reach.
    void record_the_rest();

private:
    /// Counts the row, and writes it to the journal (unless `journaled` is false: it is there
    /// already, or it did not end), the report, the timeline and the JSON log.
    void record(const dispatched& d, const journal_outcome& o, bool journaled,
                const row_rotation* rotation = nullptr);
    void record_dispatched(const dispatched& d);
    /// Writes the outcome of each alert configuration the item finished since the last call.
    boost::system::result<void> journal_alert_steps(work_item& item);
    /// The before-image the integration's first write records with its intent (issue 17).
    static journal_before_image before_image_of(work_item& item, const item_step& step);
    /// A journal write failed: going on would break resume's promise.
    boost::system::result<void> note_journal(const boost::system::result<void>& r);

    const apply_options& opts_;
    std::ostream& err_;
    run_control& control_;
    row_dispatcher& rows_;
    apply_records& rec_;
    /// A row whose route has no credential: reported failed without sending anything.
    void record_unrouted(const dispatched& d, const org_route& route);

    plan_checks checks_;
    rotation_options rotation_;
    const org_router* router_ = nullptr;
    const credential_set* creds_ = nullptr;
    std::map<std::string, std::string> names_;
};

/// "create", "update", "upsert", "delete".
std::string_view action_name(row_action a);
/// A row's report row: which row (`ref`) and how it ended (`o`; at most four characters of the
/// secret).
report_row report_row_of(const journal_row_ref& ref, const journal_outcome& o);
/// The last four characters of the secret a row sends (empty when its type has no masked one).
std::string sent_last4(const manifest_row& row);

}  // namespace cmbulk::detail
