// `cmbulk revert CHECKPOINT`: options into revert_options, then run_revert (issue 17).
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/revert.hpp"
#include "cmbulk/secret_ref.hpp"
#include "commands.hpp"
#include "run_options.hpp"

namespace cmbulk::cli {

namespace {

const char* revert_help =
    "Usage: cmbulk revert CHECKPOINT [options]\n\n"
    "Undoes the apply run that CHECKPOINT records, like any apply (bounded workers, one rate\n"
    "limit, retries, its own checkpoint for --resume, a report). Each row the run changed is\n"
    "read as it is now, then:\n"
    "  delete         the run created it and it still shows the secret the run sent\n"
    "  put-back       the run updated it: PUT the before-image the checkpoint holds\n"
    "  recreate       the run deleted it: POST the before-image\n"
    "  nothing        nothing to undo (or already as before the run)\n"
    "  changed-since  someone changed it after the run: left alone\n"
    "  needs-secret   the before-image shows a secret masked: supply the old value with\n"
    "                 --set FIELD=${env:NAME} or --old-secrets FILE; nothing is sent\n"
    "  no-before-image  the checkpoint (an older cmbulk) holds no before-image: nothing sent\n"
    "An alert configuration the run's rotation rewrote is put back whole (put-back), its\n"
    "rewritten notifications given the old secret (by the integration's field name), while it\n"
    "is exactly what the run left (else changed-since).\n"
    "--plan prints the decision per row and the counts, and sends nothing (exit 0 unless\n"
    "a read failed). Old secrets are never written to the checkpoint, the report or the log. See "
    "docs/revert.md.\n\n"
    "Examples:\n"
    "  export NEW_SLACK_TOKEN=xoxb-...\n"
    "  cmbulk apply samples/slack-migration.csv --type SLACK --action update \\\n"
    "      --set 'apiToken=${env:NEW_SLACK_TOKEN}' --report run.csv --integrations-only\n"
    "  cmbulk revert run.checkpoint.jsonl --plan\n"
    "  cmbulk revert run.checkpoint.jsonl --old-secrets old.csv   # needs your old secrets\n"
    "  OLD_SLACK_TOKEN=xoxb-... cmbulk revert run.checkpoint.jsonl \\\n"
    "      --set 'apiToken=${env:OLD_SLACK_TOKEN}' --resume   # needs the old token\n"
    "(the report goes to run.revert.csv, the revert's checkpoint to\n"
    "run.revert.checkpoint.jsonl; the base URLs are under --base-url)\n\n";

/// --set FIELD=${env:NAME}: the old secrets for every row, by reference only.
bool fill_old_secrets(const po::variables_map& vm, revert_options& o, std::string& msg) {
    if (!vm.count("set")) return true;
    for (auto& kv : vm["set"].as<std::vector<std::string>>()) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            msg = "--set: expected FIELD=${env:NAME} or FIELD=${file:PATH}";
            return false;
        }
        auto name = kv.substr(0, eq);
        std::string_view value = std::string_view(kv).substr(eq + 1);
        if (!value.starts_with("${")) {
            msg = "--set " + name + ": an old secret comes from ${env:NAME} or ${file:PATH}, " +
                  "never the command line";
            return false;
        }
        std::string error;
        auto v = resolve_value(value, ".", process_getenv, error);
        if (!v) {
            msg = "--set " + name + ": " + error;
            return false;
        }
        o.secrets[name] = std::move(v->value);
    }
    return true;
}

}  // namespace

int cmd_revert(int argc, char** argv) {
    po::options_description own("Revert");
    // clang-format off
    own.add_options()
        ("plan", "read each row and print what the revert would do, with the counts; send nothing")
        ("dry-run", "the same as --plan")
        ("set", po::value<std::vector<std::string>>()->composing(),
         "FIELD=${env:NAME} or FIELD=${file:PATH}: an old secret for every row (repeatable)")
        ("old-secrets", po::value<std::string>(),
         "FILE: CSV `projectId,type,FIELD...` with each row's old secrets (literal or ${env:}/${file:}; keep it mode 600)")
        ("flavor", po::value<std::string>(), "cloud-manager, ops-manager, atlas or atlas-v1 (default: the checkpoint's)")
        ("report", po::value<std::string>(), "report file: .csv, .json or .jsonl (default <checkpoint>.revert.csv)")
        ("checkpoint", po::value<std::string>(), "the revert's own checkpoint (default: next to the report, .checkpoint.jsonl)")
        ("resume", "continue the revert its checkpoint records")
        ("help,h", "show this help");
    // clang-format on
    po::options_description visible;
    visible.add(own).add(server_options_desc()).add(run_options_desc());
    po::variables_map vm;
    if (!parse_command_line(argc, argv, visible, "manifest", vm, "revert")) return exit_usage;
    if (vm.count("help") || !vm.count("manifest")) {
        std::cout << revert_help << visible << "\n" << credentials_help << "\n" << exit_codes_help;
        return vm.count("help") ? exit_success : exit_usage;
    }
    revert_options o;
    std::string msg;
    auto usage = [](const std::string& m) {
        std::cerr << "cmbulk revert: " << m << "\n";
        return exit_usage;
    };
    o.source = vm["manifest"].as<std::string>();
    o.plan_only = vm.count("plan") || vm.count("dry-run");
    if (!fill_run_params(vm, o.run, msg)) return usage(msg);
    if (!fill_old_secrets(vm, o, msg)) return usage(msg);
    if (vm.count("old-secrets")) o.old_secrets = vm["old-secrets"].as<std::string>();
    if (vm.count("report")) o.report_path = vm["report"].as<std::string>();
    if (vm.count("checkpoint")) o.checkpoint_path = vm["checkpoint"].as<std::string>();
    o.resume = vm.count("resume") > 0;
    if (o.resume && o.plan_only) return usage("--resume excludes --plan");
    if (!fill_api_config(vm, o.api, msg)) return usage(msg);
    o.command_args = command_args(argc, argv);
    return run_revert(o, std::cout, std::cerr);
}

}  // namespace cmbulk::cli
