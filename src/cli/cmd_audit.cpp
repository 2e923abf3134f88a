// `cmbulk audit`: options into audit_options, then run_audit (src/audit.cpp).
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/audit.hpp"
#include "cmbulk/exit_status.hpp"
#include "commands.hpp"
#include "resume_options.hpp"
#include "run_options.hpp"

namespace cmbulk::cli {

namespace {

po::options_description audit_options_desc() {
    po::options_description src("Projects and types");
    src.add_options()("projects", po::value<std::string>(),
                      "FILE (.csv, .json, .jsonl) with a projectId column/key")(
        "org", po::value<std::vector<std::string>>()->composing(),
        "organization id (repeatable): every page of GET /orgs/{id}/groups")(
        "all", "every project the key can see (every page of GET /groups)")(
        "type", po::value<std::vector<std::string>>()->composing(),
        "only this integration type (repeatable)")(
        "page-size", po::value<int>()->default_value(100), "itemsPerPage of every list (1..500)")(
        "flavor", po::value<std::string>()->default_value("cloud-manager"),
        "cloud-manager, ops-manager, atlas (v2) or atlas-v1 (/api/atlas/v1.0)");
    po::options_description run("Audit");
    // clang-format off
    run.add_options()
        ("report", po::value<std::string>()->default_value("audit.csv"), "audit report: .csv, .json or .jsonl")
        ("emit-manifest", po::value<std::string>(), "also write a manifest for `cmbulk apply` (.csv, .json or .jsonl)")
        ("emit-sim-seed", po::value<std::string>(), "also write what was read as a cmbulk-sim seed (JSON: integrations, alert notifications, the limits learned) to rehearse on (docs/simulator.md)")
        ("stale-only", "with --emit-manifest: only the integrations whose alert notifications are stale (stale-alert-secret)")
        ("secret-ref", po::value<std::vector<std::string>>()->composing(),
         "FIELD=NAME: in the emitted manifest, secret FIELD becomes ${env:NAME} (default TYPE_FIELD, e.g. SLACK_API_TOKEN)")
        ("checkpoint", po::value<std::string>(), "checkpoint of finished projects (default <report>.checkpoint.jsonl)")
        ("resume", "continue the audit the checkpoint records: skip the projects it has read (`--resume CHECKPOINT` alone: its options are used)")
        ("help,h", "show this help");
    // clang-format on
    po::options_description visible;
    visible.add(src).add(server_options_desc()).add(run_options_desc()).add(run);
    return visible;
}

void print_audit_help(const po::options_description& visible) {
    std::cout << "Usage: cmbulk audit (--projects FILE | --org ID... | --all) [options]\n\n"
                 "Reads every page of every project's integrations (bounded workers, one rate\n"
                 "limit, retried reads) and writes one report row per (project, integration),\n"
                 "one per project without any, and one per project or organization that could\n"
                 "not be read, with the values as the API shows them (secrets masked) and\n"
                 "findings: webhook-http, slack-no-channel, prometheus-disabled, legacy-type,\n"
                 "unknown-type, unreadable. Each project's alert configurations are read too:\n"
                 "a row per third-party notification (type ALERT:<typeName>; config id, event,\n"
                 "visible secret, matchesIntegration, integrationId) and stale-alert-secret\n"
                 "when it carries another secret than the integration (docs/rotation.md).\n"
                 "Counts per type and finding go to stderr.\n"
                 "--emit-manifest turns the audit into a manifest: current non-secret fields,\n"
                 "each secret as ${env:NAME} (never a masked value); an integration whose\n"
                 "alert notifications are stale gets fromLast4 (the last four they show), so\n"
                 "apply rewrites them too; --stale-only keeps only those rows.\n\n"
                 "Examples:\n"
                 "  cmbulk audit --org 5e2211c17a3e5a48f5497de3 --report audit.csv\n"
                 "  cmbulk audit --all --type SLACK --report slack.jsonl \\\n"
                 "      --emit-manifest slack-update.csv --secret-ref apiToken=NEW_SLACK_TOKEN\n"
                 "  NEW_SLACK_TOKEN=xoxb-... cmbulk apply slack-update.csv --action update "
                 "--verify\n\n"
              << visible << "\n"
              << credentials_help << "\n"
              << "Exit codes: 0 all read; 1 some projects or organizations could not be read\n"
                 "(reported with the error); 2 usage; 3 authentication failed or server\n"
                 "unreachable; 130 interrupted (finish with --resume).\n";
}

/// --report, --emit-manifest, --stale-only, --emit-sim-seed, --secret-ref.
bool fill_audit_outputs(const po::variables_map& vm, audit_options& o, std::string& msg) {
    o.report_path = vm["report"].as<std::string>();
    if (vm.count("emit-manifest")) o.emit_manifest = vm["emit-manifest"].as<std::string>();
    o.emit_stale_only = vm.count("stale-only") > 0;
    if (o.emit_stale_only && !vm.count("emit-manifest")) {
        msg = "--stale-only needs --emit-manifest FILE";
        return false;
    }
    if (vm.count("emit-sim-seed")) o.emit_sim_seed = vm["emit-sim-seed"].as<std::string>();
    if (vm.count("secret-ref")) {
        for (auto& kv : vm["secret-ref"].as<std::vector<std::string>>()) {
            auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
                msg = "--secret-ref: expected FIELD=NAME";
                return false;
            }
            o.secret_refs[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
    }
    return true;
}

}  // namespace

int cmd_audit(int argc, char** argv) {
    auto visible = audit_options_desc();
    po::variables_map vm;
    if (!parse_command_line(argc, argv, visible, "resume-checkpoint", vm, "audit"))
        return exit_usage;
    if (std::string msg; !fill_audit_from_checkpoint(vm, msg)) {
        std::cerr << "cmbulk audit: " << msg << "\n";
        return exit_usage;
    }
    bool has_source = vm.count("projects") || vm.count("org") || vm.count("all");
    if (vm.count("help") || !has_source) {
        print_audit_help(visible);
        return vm.count("help") ? exit_success : exit_usage;
    }
    audit_options o;
    std::string msg;
    if (vm.count("projects")) o.projects_file = vm["projects"].as<std::string>();
    if (vm.count("org")) o.org_ids = vm["org"].as<std::vector<std::string>>();
    o.all = vm.count("all") > 0;
    if (vm.count("type")) o.types = vm["type"].as<std::vector<std::string>>();
    o.page_size = vm["page-size"].as<int>();
    auto fl = parse_flavor(vm["flavor"].as<std::string>());
    if (!fl) {
        std::cerr << "cmbulk audit: --flavor: expected cloud-manager, ops-manager or atlas\n";
        return exit_usage;
    }
    o.api.api_flavor = *fl;
    if (!fill_audit_outputs(vm, o, msg)) {
        std::cerr << "cmbulk audit: " << msg << "\n";
        return exit_usage;
    }
    if (!fill_run_params(vm, o.run, msg)) {
        std::cerr << "cmbulk audit: " << msg << "\n";
        return exit_usage;
    }
    // An audit only reads, and a --projects file often spans organizations the key cannot see
    // (their projects in a row): the revoked-key streak is off unless asked for.
    if (vm["max-no-access"].defaulted()) o.run.max_no_access = 0;
    if (vm.count("checkpoint")) o.checkpoint_path = vm["checkpoint"].as<std::string>();
    o.resume = vm.count("resume") > 0;
    o.command_args = command_args(argc, argv);
    if (!fill_fleet(vm, o.fleet, msg) || !fill_api_config(vm, o.api, msg)) {
        std::cerr << "cmbulk audit: " << msg << "\n";
        return exit_usage;
    }
    return run_audit(o, std::cout, std::cerr);
}

}  // namespace cmbulk::cli
