// The subcommands of cmbulk, one file each under src/cli/; main.cpp dispatches to them.
// Each takes argv with the subcommand name as argv[0] and returns an exit status.
#pragma once

namespace cmbulk::cli {
int cmd_validate(int argc, char** argv);
int cmd_apply(int argc, char** argv);
int cmd_report(int argc, char** argv);
int cmd_audit(int argc, char** argv);
int cmd_plan(int argc, char** argv);
int cmd_revert(int argc, char** argv);
}  // namespace cmbulk::cli
