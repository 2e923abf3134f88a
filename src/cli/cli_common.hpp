// Shared pieces of cmbulk's command-line front end: option groups every subcommand uses (manifest,
// server), the settings behind them (flag > environment > profile > config file, with the source
// of each), credentials, and the help texts. Only the CLI includes this; the library never parses
// options.
#pragma once

#include <boost/program_options.hpp>
#include <map>
#include <optional>
#include <string>

#include "cmbulk/api.hpp"
#include "cmbulk/base_url.hpp"
#include "cmbulk/config.hpp"
#include "cmbulk/credentials.hpp"
#include "cmbulk/credentials_file.hpp"
#include "cmbulk/manifest.hpp"

namespace cmbulk::cli {
namespace po = boost::program_options;

extern const char* const exit_codes_help;
extern const char* const credentials_help;

/// --format, --type, --set, --allow-literal-secret, --action, --flavor.
po::options_description manifest_options_desc();
/// Fills manifest_options from parsed options; false (with a message) on bad values: a `--set`
/// value such as `$NAME` or `${ENV:NAME}` ("did you mean ${env:NAME}?"), a literal value for a
/// secret field without --allow-literal-secret, a flavor that contradicts the base URL.
bool fill_manifest_options(const po::variables_map& vm, manifest_options& mo, std::string& msg);

/// --base-url and --profile: what validate needs to choose the flavor's rules.
po::options_description target_options_desc();
/// --base-url, --profile, --public-key, --private-key-file, --allow-insecure-key-file, --cacert,
/// --insecure, --allow-http, --config, --connect-timeout, --request-timeout, --body-limit,
/// --max-retry-after.
po::options_description server_options_desc();
/// Fills an api_config from the server options: the flavor and API path (settled against the base
/// URL, overriding cfg.api_flavor), the credential (credentials.hpp's precedence), TLS and
/// timeouts; refuses credentials over plain http to a non-loopback host unless --allow-http; warns
/// on --insecure. False (with a message) on bad values.
bool fill_api_config(const po::variables_map& vm, api_config& cfg, std::string& msg);
/// `--credentials FILE` or `--profile` repeated (a fleet: one credential per organization,
/// credentials_file.hpp) into `fleet`; nothing when neither is given (one `--profile` is one
/// credential, as before). False with a message (never a secret).
bool fill_fleet(const po::variables_map& vm, std::vector<org_credential>& fleet, std::string& msg);
/// The --profile values given (each once per flag; the config file's or environment's one).
std::vector<std::string> profiles_given(const po::variables_map& vm);
/// Whether the run is a fleet: --credentials, or --profile more than once.
bool is_fleet(const po::variables_map& vm);

/// What parse_command_line learnt beside the option values.
struct option_context {
    std::map<std::string, config_entry> sources;  ///< by option name: flag, variable, file, profile
    std::optional<cli_profile> profile;           ///< the profile asked for, if any
};
/// The context parse_command_line stored in `vm` (an empty one when there is none).
const option_context& context_of(const po::variables_map& vm);
/// An option's value (as text) and where it came from; nullopt when it is unset or defaulted.
std::optional<config_entry> setting(const po::variables_map& vm, const std::string& key);
/// The flavor and API path the options give (choose_api_target over --flavor and --base-url).
std::optional<api_target> resolve_target(const po::variables_map& vm, std::string& msg);

/// Stores option values from the environment (CMBULK_BASE_URL, ...), the tools' variables and
/// the profile asked for (--profile, CMBULK_PROFILE, MONGODB_ATLAS_PROFILE, MCLI_PROFILE, the
/// config file's `profile`), and the config file (--config, $CMBULK_CONFIG, or
/// $XDG_CONFIG_HOME/cmbulk/config) under those already parsed from the command line: flag >
/// environment > profile > config file. Keys this subcommand has no option for are skipped. False
/// (with a message naming file:line) on a bad file, profile or value. parse_command_line calls it.
bool apply_config(const po::options_description& desc, po::variables_map& vm, std::string& msg);

/// Parses argv with `visible` options plus one positional "manifest" (if `positional` is set),
/// then apply_config; prints the error (a misspelt option gets the closest one of this
/// subcommand) and returns false on a parse error.
bool parse_command_line(int argc, char** argv, const po::options_description& visible,
                        const char* positional, po::variables_map& vm, const char* command);

}  // namespace cmbulk::cli
