// `cmbulk apply MANIFEST`: options into apply_options, then the runner.
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/runner.hpp"
#include "commands.hpp"

namespace cmbulk::cli {

int cmd_apply(int argc, char** argv) {
    po::options_description run("Run");
    // clang-format off
    run.add_options()
        ("concurrency,c", po::value<int>()->default_value(8), "parallel connections (workers)")
        ("rate", po::value<double>()->default_value(0), "requests per second, all requests (0: find the server's pace)")
        ("burst", po::value<double>()->default_value(0), "token bucket capacity (0: rate/10)")
        ("max-attempts", po::value<int>()->default_value(5), "attempts per request (first included)")
        ("max-failures", po::value<std::uint64_t>()->default_value(0), "stop starting rows after N failed rows (0: off)")
        ("skip-invalid", "report invalid rows as `invalid` and run the valid ones")
        ("dry-run", "validate and print what would be sent (secrets masked); send nothing")
        ("skip-unchanged", "read each integration first; send nothing when it already matches the row (outcome `unchanged`)")
        ("verify", "read each integration back after its write: outcome `verified` or `mismatch` (exit 1)")
        ("report", po::value<std::string>(), "report file: .csv, .json or .jsonl (default ./<manifest>.report.csv)")
        ("html-report", po::value<std::string>(), "also write a self-contained HTML run report (timeline, latency, failed rows)")
        ("log-format", po::value<std::string>()->default_value("text"), "text, or json: JSON Lines on stderr, one event per request and per row")
        ("checkpoint", po::value<std::string>(), "checkpoint journal (default: next to the report, .checkpoint.jsonl)")
        ("no-checkpoint", "write no checkpoint journal (an interrupted run cannot be resumed)")
        ("resume", "continue the run recorded in the checkpoint")
        ("resume-failed", po::value<bool>()->default_value(true), "on --resume, run failed rows again")
        ("force", "on --resume with a changed manifest: match rows by (projectId, type)")
        ("grace", po::value<double>()->default_value(10), "seconds requests in flight get after a first SIGINT/SIGTERM")
        ("quiet,q", "no progress and no summary (errors only)")
        ("progress", po::value<std::string>()->default_value("auto"), "auto, live or plain")
        ("jitter-seed", po::value<std::uint64_t>()->default_value(0), "seed of the backoff jitter (0: random)")
        ("help,h", "show this help");
    // clang-format on
    po::options_description visible;
    visible.add(manifest_options_desc()).add(server_options_desc()).add(run);
    po::variables_map vm;
    if (!parse_command_line(argc, argv, visible, "manifest", vm, "apply")) return exit_usage;
    if (vm.count("help") || !vm.count("manifest")) {
        std::cout
            << "Usage: cmbulk apply MANIFEST [options]\n\n"
               "Validates the whole manifest, then sends one change per row with bounded\n"
               "concurrency under one rate limit, retrying 429, 5xx, resets and timeouts;\n"
               "a create or delete whose outcome is unknown is read back, never resent\n"
               "blindly. Writes a per-row report and a checkpoint for --resume.\n\n"
               "Examples:\n"
               "  export CMBULK_PUBLIC_KEY=... CMBULK_PRIVATE_KEY=...\n"
               "  export NEW_SLACK_TOKEN=xoxb-...\n"
               "  cmbulk apply samples/slack-migration.csv --type SLACK --action update \\\n"
               "      --set 'apiToken=${env:NEW_SLACK_TOKEN}' --report run.csv\n"
               "  cmbulk apply samples/slack-migration.csv --type SLACK --action update \\\n"
               "      --set 'apiToken=${env:NEW_SLACK_TOKEN}' --report run.csv --resume\n"
               "  cmbulk apply samples/slack-migration.csv --skip-unchanged --verify\n"
               "  cmbulk apply samples/slack-migration.csv --report run.html   # + run.csv\n"
               "  cmbulk apply samples/slack-migration.csv --log-format json 2>events.jsonl\n"
               "(the second finishes an interrupted first; the base URLs are under --base-url)\n\n"
            << visible << "\n"
            << credentials_help << "\n"
            << exit_codes_help;
        return vm.count("help") ? exit_success : exit_usage;
    }
    apply_options o;
    std::string msg;
    o.manifest = vm["manifest"].as<std::string>();
    if (!fill_manifest_options(vm, o.manifest_opts, msg)) {
        std::cerr << "cmbulk apply: " << msg << "\n";
        return exit_usage;
    }
    o.api.api_flavor = o.manifest_opts.target_flavor;
    o.concurrency = vm["concurrency"].as<int>();
    if (o.concurrency < 1 || o.concurrency > 256) {
        std::cerr << "cmbulk apply: --concurrency: expected 1 to 256\n";
        return exit_usage;
    }
    o.pacing.rate = vm["rate"].as<double>();
    o.pacing.burst = vm["burst"].as<double>();
    if (o.pacing.rate < 0 || o.pacing.burst < 0) {
        std::cerr << "cmbulk apply: --rate and --burst must not be negative\n";
        return exit_usage;
    }
    o.max_attempts = vm["max-attempts"].as<int>();
    if (o.max_attempts < 1) {
        std::cerr << "cmbulk apply: --max-attempts: at least 1\n";
        return exit_usage;
    }
    o.max_failures = vm["max-failures"].as<std::uint64_t>();
    o.skip_invalid = vm.count("skip-invalid") > 0;
    o.dry_run = vm.count("dry-run") > 0;
    o.skip_unchanged = vm.count("skip-unchanged") > 0;
    o.verify = vm.count("verify") > 0;
    if (vm.count("report")) o.report_path = vm["report"].as<std::string>();
    if (vm.count("html-report")) o.html_report_path = vm["html-report"].as<std::string>();
    // --report run.html: the HTML page there, and the row report beside it as run.csv.
    if (o.report_path.extension() == ".html" || o.report_path.extension() == ".htm") {
        if (o.html_report_path.empty()) o.html_report_path = o.report_path;
        o.report_path.replace_extension(".csv");
    }
    auto log_format = vm["log-format"].as<std::string>();
    if (log_format != "text" && log_format != "json") {
        std::cerr << "cmbulk apply: --log-format: expected text or json\n";
        return exit_usage;
    }
    o.log_json = log_format == "json";
    // The command for the HTML report, with literal --set values masked (they may be secrets).
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        bool set_value = i > 0 && std::string(argv[i - 1]) == "--set";
        if (set_value || a.starts_with("--set=")) {
            auto eq = a.find('=', set_value ? 0 : 6);
            if (eq != std::string::npos && a.compare(eq + 1, 2, "${") != 0)
                a = a.substr(0, eq + 1) + "****";
        }
        o.command_line += (i ? " " : "cmbulk ") + a;
    }
    if (vm.count("checkpoint")) o.checkpoint_path = vm["checkpoint"].as<std::string>();
    o.resume = vm.count("resume") > 0;
    o.no_checkpoint = vm.count("no-checkpoint") > 0;
    if (o.no_checkpoint && (o.resume || vm.count("checkpoint"))) {
        std::cerr << "cmbulk apply: --no-checkpoint excludes --checkpoint and --resume\n";
        return exit_usage;
    }
    o.resume_failed = vm["resume-failed"].as<bool>();
    o.force = vm.count("force") > 0;
    o.grace = std::chrono::milliseconds(static_cast<long>(vm["grace"].as<double>() * 1000));
    o.fault_seed = vm["jitter-seed"].as<std::uint64_t>();
    auto prog = vm["progress"].as<std::string>();
    if (vm.count("quiet"))
        o.progress = progress_mode::quiet;
    else if (prog == "live")
        o.progress = progress_mode::live;
    else if (prog == "plain")
        o.progress = progress_mode::plain;
    else if (prog == "auto")
        o.progress = progress_mode::automatic;
    else {
        std::cerr << "cmbulk apply: --progress: expected auto, live or plain\n";
        return exit_usage;
    }
    if (o.log_json) o.progress = progress_mode::quiet;  // JSON lines only, no progress line

    if (!o.dry_run) {
        if (!fill_api_config(vm, o.api, msg)) {
            std::cerr << "cmbulk apply: " << msg << "\n";
            return exit_usage;
        }
    } else if (vm.count("base-url")) {
        o.api.base_url = vm["base-url"].as<std::string>();
    }
    return run_apply(o, std::cout, std::cerr);
}

}  // namespace cmbulk::cli
