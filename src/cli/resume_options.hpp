// `cmbulk apply --resume` as printed: the options a checkpoint recorded fill those not given
// (`cmbulk apply --resume CHECKPOINT` alone continues the run), and the command printed after an
// interruption names the manifest, the checkpoint and only the options the checkpoint does not
// record (server, pacing, progress). Only the CLI includes this.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace cmbulk::cli {
namespace po = boost::program_options;

/// With --resume: when the positional argument is a checkpoint (its first line a journal
/// header), the manifest comes from it; every option the checkpoint records (action, type,
/// flavor, base URL, --set references and non-secret values, --verify, --skip-unchanged,
/// --skip-invalid, --report, --html-report) fills the option when it is not given. An option
/// given with another value is left for the runner to refuse. False (with a message) when the
/// checkpoint cannot be read or holds no usable value for a --set field (a literal secret).
bool fill_from_checkpoint(po::variables_map& vm, std::string& msg);

/// `cmbulk audit --resume [CHECKPOINT]`: with --resume, the checkpoint (the positional
/// `resume-checkpoint`, --checkpoint, or next to --report) fills every option it records that is
/// not given: --org, --all, --projects, --type, --flavor, --base-url, --report, --emit-manifest,
/// --emit-sim-seed, --secret-ref. An option given with another value is left for the audit to
/// refuse. False (with a message) for a positional checkpoint without --resume, an unreadable
/// checkpoint, or a checkpoint of another command.
bool fill_audit_from_checkpoint(po::variables_map& vm, std::string& msg);

/// The arguments of `argv` (argv[0] the subcommand) a checkpoint does not record, as typed:
/// what the printed resume command must repeat. `desc` tells which options take a value.
std::vector<std::string> unrecorded_args(int argc, char** argv,
                                         const po::options_description& desc);

}  // namespace cmbulk::cli
