// `cmbulk validate MANIFEST`: the whole-manifest check, offline, under the rules of the flavor
// the options give (--flavor, --base-url, --profile); `--credentials FILE` checks a fleet's
// credentials file too (or alone) and lists its organizations, never a secret.
#include <iostream>

#include "cli_common.hpp"
#include "cmbulk/credentials_file.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/runner.hpp"
#include "commands.hpp"

namespace cmbulk::cli {

namespace {

int validate_credentials(const po::variables_map& vm) {
    std::string path = vm["credentials"].as<std::string>();
    diagnostics diag;
    auto creds = load_credentials_file(path, process_environment(), disk_file_reader(),
                                       vm.count("allow-insecure-key-file") > 0, diag);
    if (!creds) {
        std::cerr << to_string(diag) << "\n";
        return exit_usage;
    }
    std::cout << path << ": " << creds->size()
              << (creds->size() == 1 ? " organization" : " organizations")
              << ", one credential each\n";
    for (auto& c : *creds) std::cout << "  " << describe(c) << "\n";
    return exit_success;
}

}  // namespace

int cmd_validate(int argc, char** argv) {
    po::options_description d = manifest_options_desc();
    po::options_description other("Other");
    other.add_options()("credentials", po::value<std::string>(),
                        "a fleet's credentials file (TOML, docs/config.md) to check as well")(
        "allow-insecure-key-file", "accept key files (or profile files) other users can read")(
        "help,h", "show this help");
    d.add(target_options_desc()).add(other);
    po::variables_map vm;
    if (!parse_command_line(argc, argv, d, "manifest", vm, "validate")) return exit_usage;
    bool has_input = vm.count("manifest") || vm.count("credentials");
    if (vm.count("help") || !has_input) {
        std::cout
            << "Usage: cmbulk validate MANIFEST [options]\n"
               "       cmbulk validate [MANIFEST] --credentials FILE\n\n"
               "Checks every row offline (ids, types, required and unknown fields, enums,\n"
               "booleans, duplicates, secret references) under the rules of the flavor that\n"
               "--flavor, --base-url or --profile give, and prints file:line: field: message\n"
               "for each problem. --credentials FILE checks a credentials file and lists its\n"
               "organizations and the kind of credential of each. Nothing is sent.\n\n"
               "Examples:\n"
               "  cmbulk validate samples/slack-migration.csv --action update\n"
               "  cmbulk validate samples/slack-migration.csv --action update \\\n"
               "      --base-url https://cloud.mongodb.com/api/atlas/v2\n"
               "  PAYMENTS_PRIVATE_KEY=k SEARCH_SA_SECRET=s cmbulk validate \\\n"
               "      --credentials samples/credentials.toml\n\n"
            << d << "\n"
            << exit_codes_help;
        return vm.count("help") ? exit_success : exit_usage;
    }
    int status = exit_success;
    if (vm.count("credentials")) status = validate_credentials(vm);
    if (!vm.count("manifest")) return status;
    manifest_options mo;
    std::string msg;
    if (!fill_manifest_options(vm, mo, msg)) {
        std::cerr << "cmbulk validate: " << msg << "\n";
        return exit_usage;
    }
    int manifest_status = run_validate(vm["manifest"].as<std::string>(), mo, std::cout, std::cerr);
    return status != exit_success ? status : manifest_status;
}

}  // namespace cmbulk::cli
