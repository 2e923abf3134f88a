// The cmbulk configuration file and environment defaults: a pure parser of the `key = value`
// file, the CMBULK_* environment variables that stand for options, and the layered merge that
// decides which source a setting comes from (flag > environment > profile > config file). The
// config domain's errors (config_errc) serve this module, credentials and the base URLs alike.
// The CLI turns the merged entries into option values; this module never reads a secret.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/diagnostics.hpp"

namespace cmbulk {

/// What went wrong with a setting, a config file, a profile, a credential or a base URL. The
/// human part (file, line, field, message) is in a diagnostics object beside the code.
enum class config_errc {
    syntax = 1,             ///< a line that is not `key = value`; a TOML syntax error
    unknown_key,            ///< a key the file may not hold (the message has a did-you-mean)
    duplicate_key,          ///< a key, or an organization, given twice
    secret_in_file,         ///< a literal secret where only a reference or a key file may stand
    unreadable_file,        ///< missing, not a regular file, too large, unreadable
    insecure_file,          ///< a file holding a secret that group or others can read
    bad_value,              ///< a value of the wrong form (org id, URL, flavor, reference, name)
    unknown_profile,        ///< no such Atlas CLI / mongocli profile
    ambiguous_profile,      ///< the profile name is in both tools' files
    incomplete_credential,  ///< half of a pair; the message names the missing half
    no_credentials,         ///< no source has a credential
    conflict,               ///< two settings that contradict each other (flavor vs base URL)
};
const boost::system::error_category& config_category();
boost::system::error_code make_error_code(config_errc e);

/// Where a setting came from, in precedence order (the first wins).
enum class setting_origin { flag, environment, profile, config_file };

/// One setting and where it came from ("FILE:LINE" for the file, the variable's name for the
/// environment, "--name" for a flag, "profile 'p' (FILE:LINE)" for a profile).
struct config_entry {
    std::string key;  ///< an option name without dashes, e.g. "base-url"
    std::string value;
    std::string source;
    setting_origin origin = setting_origin::config_file;
};

/// The keys a config file may hold (the long option names they stand for).
std::span<const std::string_view> config_keys();

/// The environment variables that stand for options: {variable, option key}.
std::span<const std::pair<std::string_view, std::string_view>> config_environment_variables();

/// Parses a config file's text. Format: one `key = value` per line; blank lines and lines whose
/// first non-blank character is `#` or `;` are ignored, and so is the rest of a line after a
/// whitespace-preceded `#` or `;` (unless the value is double-quoted); an optional `[cmbulk]`
/// section header is accepted; values may be wrapped in double quotes; keys are the long option
/// names (dashes or underscores). Errors (with file, line and field in `diag`): syntax (missing
/// `=`, unknown section), unknown_key (with a did-you-mean), duplicate_key, and secret_in_file for
/// `private-key` / `client-secret` (never in a config file; the value is never echoed).
boost::system::result<std::vector<config_entry>> parse_config(std::string_view text,
                                                              std::string_view file_name,
                                                              diagnostics& diag);

/// Reads the CMBULK_* option variables through `get` (which returns null for an unset variable).
/// Empty values count as unset.
std::vector<config_entry> config_from_environment(
    const std::function<const char*(const char*)>& get);

/// Merges layers given in precedence order (the first layer that has a key wins), e.g.
/// {environment, profile, file}. Result sorted by key.
std::vector<config_entry> merge_config(std::span<const std::vector<config_entry>> layers);

/// `$XDG_CONFIG_HOME/cmbulk/config`, else `$HOME/.config/cmbulk/config`; empty when neither
/// variable is set.
std::filesystem::path default_config_path(const std::function<const char*(const char*)>& get);

/// CMBULK_* variables that are set but mean nothing to cmbulk and are one or two letters away
/// from one that does: {name, the known variable}. Others are left out (scripts may use their own
/// CMBULK_* names). `names` are the environment's variable names.
std::vector<std::pair<std::string, std::string>> unknown_cmbulk_variables(
    std::span<const std::string> names);

}  // namespace cmbulk

template <>
struct boost::system::is_error_code_enum<cmbulk::config_errc> : std::true_type {};
