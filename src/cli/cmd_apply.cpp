// `cmbulk apply MANIFEST`: options into apply_options, then the runner.
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/output_paths.hpp"
#include "cmbulk/runner.hpp"
#include "commands.hpp"
#include "resume_options.hpp"
#include "run_options.hpp"

namespace cmbulk::cli {

int cmd_apply(int argc, char** argv) {
    po::options_description run("Apply");
    // clang-format off
    run.add_options()
        ("skip-invalid", "report invalid rows as `invalid` and run the valid ones")
        ("dry-run", "validate and print each request that would be sent (whole URL, secrets masked); send nothing")
        ("skip-unchanged", "read each integration first; send nothing when it already matches the row (outcome `unchanged`)")
        ("verify", "read each integration back after its write: outcome `verified` or `mismatch` (exit 1); also each rewritten alert configuration")
        ("integrations-only", "change the integrations only: leave the alert configurations that still carry the old secret as they are")
        ("link-alerts", "Atlas v2: link the alert notifications that carry the old secret to the integration (integrationId) instead of copying the new secret into them")
        ("from-last4", po::value<std::string>(), "the old secret's last four characters: notifications that show them are rewritten (default: what the integration showed before its write)")
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
    auto visible = manifest_command_desc(run);
    po::variables_map vm;
    if (!parse_command_line(argc, argv, visible, "manifest", vm, "apply")) return exit_usage;
    if (vm.count("help") || !vm.count("manifest")) {
        std::cout
            << "Usage: cmbulk apply MANIFEST [options]\n\n"
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
    o.integrations_only = vm.count("integrations-only") > 0;
    o.link_alerts = vm.count("link-alerts") > 0;
    if (vm.count("from-last4")) o.from_last4 = vm["from-last4"].as<std::string>();
    if (!o.from_last4.empty() && o.from_last4.size() != 4)
        return usage("--from-last4: expected the last four characters of the old secret");
    if (o.link_alerts && o.manifest_opts.target_flavor != flavor::atlas)
        return usage("--link-alerts: only Atlas v2 notifications can be linked (--flavor atlas)");
    if (o.integrations_only && (o.link_alerts || !o.from_last4.empty()))
        return usage("--integrations-only excludes --link-alerts and --from-last4");
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
    if (log_format != "text" && log_format != "json")
        return usage("--log-format: expected text or json");
    o.log_json = log_format == "json";
    o.command_args = command_args(argc, argv);
    for (auto& a : o.command_args) o.command_line += (o.command_line.empty() ? "" : " ") + a;
    if (vm.count("checkpoint")) o.checkpoint_path = vm["checkpoint"].as<std::string>();
    o.resume = vm.count("resume") > 0;
    o.no_checkpoint = vm.count("no-checkpoint") > 0;
    if (o.no_checkpoint && (o.resume || vm.count("checkpoint")))
        return usage("--no-checkpoint excludes --checkpoint and --resume");
    o.resume_failed = vm["resume-failed"].as<bool>();
    o.force = vm.count("force") > 0;
    if (o.log_json) o.run.progress = progress_mode::quiet;  // JSON lines only, no progress line

    if (!fill_fleet(vm, o.fleet, msg)) return usage(msg);
    if (!o.dry_run) {
        if (!fill_api_config(vm, o.api, msg)) return usage(msg);
    } else if (vm.count("base-url")) {
        o.api.base_url = vm["base-url"].as<std::string>();
        while (!o.api.base_url.empty() && o.api.base_url.back() == '/') o.api.base_url.pop_back();
    } else if (o.api.api_flavor == flavor::ops_manager) {
        return usage("--base-url is required for ops-manager");
    } else {
        o.api.base_url = "https://cloud.mongodb.com";
    }
    return run_apply(o, std::cout, std::cerr);
}

}  // namespace cmbulk::cli
