// `cmbulk plan MANIFEST`: options into plan_options, then run_plan (src/plan.cpp).
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/plan.hpp"
#include "commands.hpp"
#include "rotation_options.hpp"
#include "run_options.hpp"

namespace cmbulk::cli {

int cmd_plan(int argc, char** argv) {
    po::options_description run("Plan");
    // clang-format off
    run.add_options()
        ("detailed-exitcode", "exit 4 when there are changes, alert configs included (0 none, 1 read errors, 2 usage)")
        ("report", po::value<std::string>(), "also write the plan as a file: one row per manifest row (.csv, .json or .jsonl)")
        ("help,h", "show this help");
    // clang-format on
    run.add(rotation_options_desc());
    auto visible = manifest_command_desc(run);
    po::variables_map vm;
    if (!parse_command_line(argc, argv, visible, "manifest", vm, "plan")) return exit_usage;
    if (vm.count("help") || !vm.count("manifest")) {
        std::cout
            << "Usage: cmbulk plan MANIFEST [options]   (the same manifest options as apply)\n\n"
               "Reads each row's current integration and prints what `apply` would do:\n"
               "  create     the integration is missing\n"
               "  update     it differs: the non-secret fields that differ, and\n"
               "             \"secret differs: FIELD\" when the masked last four characters (or\n"
               "             the length) differ from the value to be sent; \"cannot compare\"\n"
               "             for secrets the API hides (webhook secret, Prometheus password)\n"
               "  unchanged  it already is what the row says\n"
               "  delete     a delete row whose integration exists\n"
               "  exists     a create row whose integration exists and differs (apply refuses)\n"
               "then the counts. A row that would rotate a secret lists, below its line,\n"
               "each alert config apply would rewrite (\"alert config ID EVENT: PAGER_DUTY\n"
               "serviceKey 0022 -> beef\": the old and new last four), counted at the end.\n"
               "Sends no change and never prints a secret.\n\n"
               "Examples:\n"
               "  NEW_SLACK_TOKEN=xoxb-... cmbulk plan samples/slack-migration.csv \\\n"
               "      --set 'apiToken=${env:NEW_SLACK_TOKEN}'\n"
               "  cmbulk plan samples/slack-migration.csv --detailed-exitcode || echo changes\n"
               "  cmbulk plan samples/slack-migration.csv --report plan.csv\n\n"
            << visible << "\n"
            << credentials_help << "\n"
            << "Exit codes: 0 no changes (or changes without --detailed-exitcode); 1 some\n"
               "reads failed or were not made; 2 usage or invalid manifest; 3 authentication\n"
               "failed or server unreachable; 4 changes (--detailed-exitcode); 130 interrupted.\n";
        return vm.count("help") ? exit_success : exit_usage;
    }
    plan_options o;
    std::string msg;
    o.manifest = vm["manifest"].as<std::string>();
    if (!fill_manifest_options(vm, o.manifest_opts, msg)) {
        std::cerr << "cmbulk plan: " << msg << "\n";
        return exit_usage;
    }
    o.api.api_flavor = o.manifest_opts.target_flavor;
    if (!fill_run_params(vm, o.run, msg)) {
        std::cerr << "cmbulk plan: " << msg << "\n";
        return exit_usage;
    }
    o.detailed_exitcode = vm.count("detailed-exitcode") > 0;
    rotation_choice rotation;
    if (!fill_rotation_choice(vm, o.manifest_opts.target_flavor, rotation, msg)) {
        std::cerr << "cmbulk plan: " << msg << "\n";
        return exit_usage;
    }
    o.integrations_only = rotation.integrations_only;
    o.link_alerts = rotation.link_alerts;
    o.from_last4 = rotation.from_last4;
    if (vm.count("report")) o.report_path = vm["report"].as<std::string>();
    if (!fill_fleet(vm, o.fleet, msg) || !fill_api_config(vm, o.api, msg)) {
        std::cerr << "cmbulk plan: " << msg << "\n";
        return exit_usage;
    }
    return run_plan(o, std::cout, std::cerr);
}

}  // namespace cmbulk::cli
