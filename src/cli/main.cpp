// cmbulk's entry point: dispatches to the subcommand (src/cli/cmd_*.cpp); the library does the
// work.
#include <iostream>
#include <string>

#include "cli_common.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/version.hpp"
#include "commands.hpp"

using namespace cmbulk;

namespace {
void print_main_help(std::ostream& o) {
    o << "cmbulk " << version()
      << ": bulk changes to MongoDB Cloud Manager / Ops Manager / Atlas integrations\n\n"
         "Usage: cmbulk <command> [options]\n\n"
         "Commands:\n"
         "  validate MANIFEST   check a manifest offline (nothing is sent)\n"
         "  apply MANIFEST      create, update, upsert or delete integrations row by row\n"
         "  audit               list every project's integrations, findings, --emit-manifest\n"
         "  plan MANIFEST       what apply would change: create / update / unchanged / delete\n"
         "  report CHECKPOINT   write the report a checkpoint records (also mid-run)\n"
         "  revert CHECKPOINT   undo the apply run a checkpoint records (--plan first)\n\n"
         "Run `cmbulk <command> --help` for a command's options.\n\n"
      << cli::exit_codes_help;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_main_help(std::cerr);
        return exit_usage;
    }
    std::string cmd = argv[1];
    try {
        if (cmd == "--version" || cmd == "version") {
            std::cout << "cmbulk " << version() << "\n";
            return exit_success;
        }
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            print_main_help(std::cout);
            return exit_success;
        }
        if (cmd == "validate") return cli::cmd_validate(argc - 1, argv + 1);
        if (cmd == "apply") return cli::cmd_apply(argc - 1, argv + 1);
        if (cmd == "audit") return cli::cmd_audit(argc - 1, argv + 1);
        if (cmd == "plan") return cli::cmd_plan(argc - 1, argv + 1);
        if (cmd == "report") return cli::cmd_report(argc - 1, argv + 1);
        if (cmd == "revert") return cli::cmd_revert(argc - 1, argv + 1);
    } catch (const std::exception& e) {
        std::cerr << "cmbulk: internal error: " << e.what() << "\n";
        return exit_fatal;
    }
    std::cerr << "cmbulk: unknown command '" << cmd << "' (see cmbulk --help)\n";
    return exit_usage;
}
