// Shared pieces of cmbulk's command-line front end: option groups every subcommand uses (manifest,
// server), credentials from the environment or a key file, and the help texts. Only the CLI
// includes this; the library never parses options.
#pragma once

#include <boost/program_options.hpp>
#include <string>

#include "cmbulk/api.hpp"
#include "cmbulk/manifest.hpp"

namespace cmbulk::cli {
namespace po = boost::program_options;

extern const char* const exit_codes_help;
extern const char* const credentials_help;

/// --format, --type, --set, --action, --flavor.
po::options_description manifest_options_desc();
/// Fills manifest_options from parsed options; false (with a message) on bad values.
bool fill_manifest_options(const po::variables_map& vm, manifest_options& mo, std::string& msg);

/// --base-url, --public-key, --private-key-file, --allow-insecure-key-file, --cacert, --insecure,
/// --allow-http, --connect-timeout, --request-timeout, --body-limit.
po::options_description server_options_desc();
/// Fills an api_config (flavor must already be set in cfg.api_flavor) from the server options,
/// the environment and the key file; refuses credentials over plain http to a non-loopback host
/// unless --allow-http; warns on --insecure. False (with a message) on bad values.
bool fill_api_config(const po::variables_map& vm, api_config& cfg, std::string& msg);

/// Reads the private key file, refusing one that group or others can read (like ssh).
bool read_key_file(const std::string& path, bool allow_insecure, std::string& key,
                   std::string& msg);
/// Credentials from the environment or the key file. Secrets never come from argv.
bool load_credentials(const po::variables_map& vm, credentials& c, std::string& msg);

/// Parses argv with `visible` options plus one positional "manifest" (if `positional` is set);
/// prints the error and returns false on a parse error.
/// Stores option values from the environment (CMBULK_BASE_URL, ...) and the config file (--config,
/// $CMBULK_CONFIG, or $XDG_CONFIG_HOME/cmbulk/config) under those already parsed from the
/// command line: flag > environment > config. Keys this subcommand has no option for are skipped.
/// False (with a message naming file:line) on a bad file or value. parse_command_line calls it.
bool apply_config(const po::options_description& desc, po::variables_map& vm, std::string& msg);

bool parse_command_line(int argc, char** argv, const po::options_description& visible,
                        const char* positional, po::variables_map& vm, const char* command);

}  // namespace cmbulk::cli
