// `cmbulk plan`: per row, a retried GET of the integration and the comparison of compare.hpp.
#include "cmbulk/plan.hpp"

#include <boost/asio/io_context.hpp>
#include <iostream>
#include <map>
#include <random>

#include "cmbulk/exit_status.hpp"
#include "cmbulk/run_support.hpp"

namespace cmbulk {
namespace asio = boost::asio;
using asio::awaitable;

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

struct plan_line {
    plan_verdict verdict = plan_verdict::error;
    std::string text;  ///< what follows the verdict: fields that differ, or the error
};

}  // namespace

int run_plan(const plan_options& opts, std::ostream& out, std::ostream& err) {
    auto v = validate_manifest(opts.manifest, opts.manifest_opts);
    if (v.error_count > 0) {
        for (auto& e : v.errors) err << to_string(e) << "\n";
        err << opts.manifest.string() << ": " << v.error_count << " error(s) in " << v.invalid_rows
            << " of " << v.rows << " rows\n";
        return exit_usage;
    }
    std::vector<manifest_row> rows;
    {
        auto reader = manifest_reader::open(opts.manifest, opts.manifest_opts);
        while (auto parsed = reader->next())
            if (parsed->ok()) rows.push_back(std::move(parsed->row));
        if (reader->failed()) {
            for (auto& e : reader->errors()) err << to_string(e) << "\n";
            return exit_usage;
        }
    }

    asio::io_context ioc(1);
    run_gate gate(ioc.get_executor(), opts.pacing);
    std::unique_ptr<api_client> client;
    try {
        client = std::make_unique<api_client>(ioc.get_executor(), opts.api, gate);
    } catch (const std::invalid_argument& e) {
        err << "cmbulk plan: " << e.what() << "\n";
        return exit_usage;
    }
    retry_policy policy;
    policy.max_attempts = opts.max_attempts;
    policy.backoff = opts.backoff;
    policy.rng.seed(opts.jitter_seed ? opts.jitter_seed : std::random_device{}());

    std::vector<plan_line> lines(rows.size());
    std::vector<bool> done(rows.size(), false);
    bool stop = false, interrupted = false, fatal = false, confirmed = false;
    std::string fatal_message;
    // Named std::functions: GCC 12 destroys lambda temporaries inside co_await twice.
    std::function<awaitable<void>(api_session&, std::size_t)> job =
        [&](api_session& s, std::size_t i) -> awaitable<void> {
        if (interrupted) stop = true;
        if (stop) co_return;
        auto& row = rows[i];
        int attempts = 0;
        std::function<awaitable<api_call_result>()> call = [&s, &row]() {
            return s.get_integration(row.project_id, row.type);
        };
        auto r = co_await read_with_retry(call, gate, policy, attempts);
        if (r.status != 0 && !r.auth_failed) confirmed = true;
        if (r.auth_failed || (r.status == 0 && !confirmed)) {
            fatal = stop = true;
            fatal_message = r.auth_failed
                                ? "authentication failed: check the API key or service account"
                                : "server unreachable: " + r.detail;
            co_return;
        }
        auto action =
            row.action == row_action::none ? opts.manifest_opts.default_action : row.action;
        auto& line = lines[i];
        done[i] = true;
        if (r.status == 200 && r.body.is_object()) {
            auto diff = compare_integration(row.type, row.fields, r.body.get_object());
            line.verdict = decide(action, true, diff);
            if (line.verdict == plan_verdict::update || line.verdict == plan_verdict::exists ||
                !diff.uncertain.empty())
                line.text = describe(diff);
            if (line.verdict == plan_verdict::exists)
                line.text += " (a create would be refused: use --action update or upsert)";
        } else if (r.status == 404 && r.error_code == "INTEGRATION_NOT_CONFIGURED") {
            line.verdict = decide(action, false, {});
        } else {
            line.verdict = plan_verdict::error;
            line.text =
                (r.status ? "HTTP " + std::to_string(r.status) : std::string("no response")) +
                (r.error_code.empty() ? "" : " " + r.error_code) +
                (r.detail.empty() ? "" : ": " + r.detail);
        }
    };
    std::function<awaitable<void>()> work = [&]() -> awaitable<void> {
        co_await for_each_index(*client, opts.concurrency, rows.size(), job, stop);
    };
    run_until_done(ioc, work, interrupted);

    std::map<plan_verdict, std::uint64_t> counts;
    std::string name = opts.manifest.filename().string();
    std::uint64_t not_read = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!done[i]) {
            ++not_read;
            continue;
        }
        auto& l = lines[i];
        counts[l.verdict]++;
        out << name << ":" << rows[i].line << ": " << rows[i].project_id << " " << rows[i].type
            << ": " << to_string(l.verdict);
        if (!l.text.empty()) out << " (" << l.text << ")";
        out << "\n";
    }
    out << "plan: " << rows.size() << " rows: " << counts[plan_verdict::create] << " to create, "
        << counts[plan_verdict::update] << " to update, " << counts[plan_verdict::del]
        << " to delete, " << counts[plan_verdict::unchanged] << " unchanged, "
        << counts[plan_verdict::exists] << " exist (create refused), "
        << counts[plan_verdict::error] << " errors";
    if (not_read) out << ", " << not_read << " not read";
    out << "\n";
    if (fatal) {
        err << "cmbulk plan: stopped: " << fatal_message << "\n";
        return exit_fatal;
    }
    if (interrupted) return exit_interrupted;
    if (counts[plan_verdict::error] > 0 || not_read > 0) return exit_rows_failed;
    bool changes =
        counts[plan_verdict::create] + counts[plan_verdict::update] + counts[plan_verdict::del] > 0;
    return changes && opts.detailed_exitcode ? exit_changes : exit_success;
}

}  // namespace cmbulk
