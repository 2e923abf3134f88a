// `cmbulk validate MANIFEST`: the whole-manifest check, offline.
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/runner.hpp"
#include "commands.hpp"

namespace cmbulk::cli {

int cmd_validate(int argc, char** argv) {
    po::options_description d = manifest_options_desc();
    d.add_options()("help,h", "show this help");
    po::variables_map vm;
    if (!parse_command_line(argc, argv, d, "manifest", vm, "validate")) return exit_usage;
    if (vm.count("help") || !vm.count("manifest")) {
        std::cout
            << "Usage: cmbulk validate MANIFEST [options]\n\n"
               "Checks every row offline (ids, types, required and unknown fields, enums,\n"
               "booleans, duplicates, secret references) and prints file:line: field: message\n"
               "for each problem. Nothing is sent.\n\n"
               "Example:\n  cmbulk validate samples/slack-migration.csv --action update\n\n"
            << d << "\n"
            << exit_codes_help;
        return vm.count("help") ? exit_success : exit_usage;
    }
    manifest_options mo;
    std::string msg;
    if (!fill_manifest_options(vm, mo, msg)) {
        std::cerr << "cmbulk validate: " << msg << "\n";
        return exit_usage;
    }
    return run_validate(vm["manifest"].as<std::string>(), mo, std::cout, std::cerr);
}

}  // namespace cmbulk::cli
