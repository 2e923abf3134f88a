// `cmbulk apply MANIFEST`: options into apply_options, then the runner.
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/output_paths.hpp"
#include "cmbulk/runner.hpp"
#include "commands.hpp"
#include "resume_options.hpp"
#include "rotation_options.hpp"
#include "run_options.hpp"

namespace cmbulk::cli {

namespace {

po::options_description apply_options_desc() {
    po::options_description run("Apply");
    // clang-format off
    run.add_options()
        ("skip-invalid", "report invalid rows as `invalid` and run the valid ones")
        ("dry-run", "validate and print each request that would be sent (whole URL, secrets masked); send nothing")
        ("skip-unchanged", "read each integration first; send nothing when it already matches the row (outcome `unchanged`)")
        ("verify", "read each integration back after its write: outcome `verified` or `mismatch` (exit 1); also each rewritten alert configuration")
        ("report", po::value<std::string>(), "report file: .csv, .json or .jsonl (default ./<manifest>.report.csv)")
        ("html-report", po::value<std::string>(), "also write a self-contained HTML run report (counts equal to the summary; requests over time by how they ended, retries and read-backs, server latency, failed rows)")
        ("log-format", po::value<std::string>()->default_value("text"), "text, or json: JSON Lines on stderr, one event per request and per row")
        ("checkpoint", po::value<std::string>(), "checkpoint journal (default: next to the report, .checkpoint.jsonl)")
        ("no-checkpoint", "write no checkpoint journal (an interrupted run cannot be resumed)")
        ("resume", "continue the run recorded in the checkpoint (MANIFEST may be the checkpoint: its options are used)")
        ("resume-failed", po::value<bool>()->default_value(true), "on --resume, run failed rows again")
        ("force", "on --resume with a changed manifest: match rows by (projectId, type)")
        ("help,h", "show this help");
    // clang-format on
    run.add(rotation_options_desc());
    return run;
}

void print_apply_help(const po::options_description& visible) {
    std::cout << "Usage: cmbulk apply MANIFEST [options]\n\n"
                 "Validates the whole manifest, then sends one change per row with bounded\n"
                 "concurrency under one rate limit, retrying 429, 5xx, resets and timeouts;\n"
                 "a create or delete whose outcome is unknown is read back, never resent\n"
                 "blindly. Writes a per-row report and a checkpoint for --resume.\n"
                 "A row that changes an integration's secret (update, upsert) also rewrites\n"
                 "the project's alert configurations whose notifications still carry the\n"
                 "old secret (one PUT per such config; a failed one leaves the row `partial`);\n"
                 "--integrations-only opts out (see docs/rotation.md).\n\n"
                 "Examples:\n"
                 "  export CMBULK_PUBLIC_KEY=... CMBULK_PRIVATE_KEY=...\n"
                 "  export NEW_SLACK_TOKEN=xoxb-...\n"
                 "  cmbulk apply samples/slack-migration.csv --type SLACK --action update \\\n"
                 "      --set 'apiToken=${env:NEW_SLACK_TOKEN}' --report run.csv\n"
                 "  cmbulk apply samples/slack-migration.csv --type SLACK --action update \\\n"
                 "      --set 'apiToken=${env:NEW_SLACK_TOKEN}' --report run.csv --resume\n"
                 "  cmbulk apply --resume run.checkpoint.jsonl\n"
                 "  cmbulk apply samples/slack-migration.csv --skip-unchanged --verify\n"
                 "  cmbulk apply samples/slack-migration.csv --report run.html   # + run.csv\n"
                 "  cmbulk apply samples/slack-migration.csv --log-format json 2>events.jsonl\n"
                 "(the second and third finish an interrupted first: the third with the options\n"
                 "the checkpoint recorded; the base URLs are under --base-url)\n\n"
              << visible << "\n"
              << credentials_help << "\n"
              << exit_codes_help;
}

/// --report, --html-report (a .html --report puts the row report beside it), --log-format,
/// --checkpoint, --no-checkpoint, --resume, --resume-failed, --force.
bool fill_apply_outputs(const po::variables_map& vm, apply_options& o, std::string& msg) {
    if (vm.count("report")) o.report_path = vm["report"].as<std::string>();
    if (vm.count("html-report")) o.html_report_path = vm["html-report"].as<std::string>();
    // --report run.html: the HTML page there, and the row report beside it as run.csv.
    // It never lands on the manifest's name (`apply rotation.csv --report rotation.html`).
    if (o.report_path.extension() == ".html" || o.report_path.extension() == ".htm") {
        if (o.html_report_path.empty()) o.html_report_path = o.report_path;
        std::filesystem::path inputs[] = {o.manifest};
        o.report_path = companion_report_path(o.report_path, inputs);
        o.report_beside_html = true;
    }
    auto log_format = vm["log-format"].as<std::string>();
    if (log_format != "text" && log_format != "json") {
        msg = "--log-format: expected text or json";
        return false;
    }
    o.log_json = log_format == "json";
    if (vm.count("checkpoint")) o.checkpoint_path = vm["checkpoint"].as<std::string>();
    o.resume = vm.count("resume") > 0;
    o.no_checkpoint = vm.count("no-checkpoint") > 0;
    if (o.no_checkpoint && (o.resume || vm.count("checkpoint"))) {
        msg = "--no-checkpoint excludes --checkpoint and --resume";
        return false;
    }
    o.resume_failed = vm["resume-failed"].as<bool>();
    o.force = vm.count("force") > 0;
    if (o.log_json) o.run.progress = progress_mode::quiet;  // JSON lines only, no progress line
    return true;
}

/// The server options; a dry run needs no credentials, only where the URLs would go.
bool fill_apply_server(const po::variables_map& vm, apply_options& o, std::string& msg) {
    if (!fill_fleet(vm, o.fleet, msg)) return false;
    if (!o.dry_run) return fill_api_config(vm, o.api, msg);
    if (vm.count("base-url")) {
        o.api.base_url = vm["base-url"].as<std::string>();
        while (!o.api.base_url.empty() && o.api.base_url.back() == '/') o.api.base_url.pop_back();
    } else if (o.api.api_flavor == flavor::ops_manager) {
        msg = "--base-url is required for ops-manager";
        return false;
    } else {
        o.api.base_url = "https://cloud.mongodb.com";
    }
    return true;
}

}  // namespace

int cmd_apply(int argc, char** argv) {
    auto visible = manifest_command_desc(apply_options_desc());
    po::variables_map vm;
    if (!parse_command_line(argc, argv, visible, "manifest", vm, "apply")) return exit_usage;
    if (vm.count("help") || !vm.count("manifest")) {
        print_apply_help(visible);
        return vm.count("help") ? exit_success : exit_usage;
    }
    apply_options o;
    std::string msg;
    auto usage = [](const std::string& m) {
        std::cerr << "cmbulk apply: " << m << "\n";
        return exit_usage;
    };
    // --resume: what the checkpoint recorded fills what is not given.
    if (!fill_from_checkpoint(vm, msg)) return usage(msg);
    o.unrecorded_args = unrecorded_args(argc, argv, visible);
    o.manifest = vm["manifest"].as<std::string>();
    if (!fill_manifest_options(vm, o.manifest_opts, msg)) return usage(msg);
    o.api.api_flavor = o.manifest_opts.target_flavor;
    if (!fill_run_params(vm, o.run, msg)) return usage(msg);
    o.skip_invalid = vm.count("skip-invalid") > 0;
    o.dry_run = vm.count("dry-run") > 0;
    o.skip_unchanged = vm.count("skip-unchanged") > 0;
    o.verify = vm.count("verify") > 0;
    rotation_choice rotation;
    if (!fill_rotation_choice(vm, o.manifest_opts.target_flavor, rotation, msg)) return usage(msg);
    o.integrations_only = rotation.integrations_only;
    o.link_alerts = rotation.link_alerts;
    o.from_last4 = rotation.from_last4;
    if (!fill_apply_outputs(vm, o, msg)) return usage(msg);
    o.command_args = command_args(argc, argv);
    for (auto& a : o.command_args) o.command_line += (o.command_line.empty() ? "" : " ") + a;
    if (!fill_apply_server(vm, o, msg)) return usage(msg);
    return run_apply(o, std::cout, std::cerr);
}

}  // namespace cmbulk::cli
