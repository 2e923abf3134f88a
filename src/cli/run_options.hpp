// The run option group shared by apply, plan and audit (concurrency, pacing, retries, grace,
// progress, jitter seed): one description and one fill, validated once by the engine
// (cmbulk::validate in engine.hpp). Only the CLI includes this.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "cmbulk/engine.hpp"

namespace cmbulk::cli {
namespace po = boost::program_options;

/// -c/--concurrency, --rate, --burst, --max-attempts, --max-failures, --max-no-access, --grace,
/// -q/--quiet, --progress, --jitter-seed.
po::options_description run_options_desc();
/// Every option of a command that runs a manifest (apply, plan): the manifest, server and run
/// groups, then the command's `own`.
po::options_description manifest_command_desc(const po::options_description& own);
/// Fills run_params from parsed options; false (with a message) on a value that is not one of
/// the choices (ranges are checked by cmbulk::validate).
bool fill_run_params(const po::variables_map& vm, run_params& p, std::string& msg);

/// argv as typed (from the subcommand on), literal --set values masked ("apiToken=****"; a
/// ${env:..} or ${file:..} reference is kept), for the HTML report and the resume command.
std::vector<std::string> command_args(int argc, char** argv);

}  // namespace cmbulk::cli
