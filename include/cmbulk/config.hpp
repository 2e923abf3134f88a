// The cmbulk configuration file and environment defaults: a pure parser of the `key = value`
// file, the CMBULK_* environment variables that stand for options, and the merge that decides
// which source a setting comes from. Precedence: command-line flag > environment > config file.
// The CLI turns the merged entries into option values; this module never reads a secret.
#pragma once

#include <boost/system/result.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk {

/// One setting and where it came from ("FILE:LINE" for the file, the variable's name for the
/// environment).
struct config_entry {
    std::string key;  ///< an option name without dashes, e.g. "base-url"
    std::string value;
    std::string source;
};

/// The keys a config file may hold (the long option names they stand for).
std::span<const std::string_view> config_keys();

/// The environment variables that stand for options: {variable, option key}.
std::span<const std::pair<std::string_view, std::string_view>> config_environment_variables();

/// Parses a config file's text. Format: one `key = value` per line; blank lines and lines whose
/// first non-blank character is `#` or `;` are ignored, and so is the rest of a line after a
/// whitespace-preceded `#` or `;` (unless the value is double-quoted); an optional `[cmbulk]`
/// section header is accepted; values may be wrapped in double quotes; keys are the long option
/// names (dashes or underscores). Errors name `file:line`: unknown key, missing `=`, a key given
/// twice, and `private-key` (the private key never goes into a config file; use private-key-file).
boost::system::result<std::vector<config_entry>> parse_config(std::string_view text,
                                                              std::string_view file_name,
                                                              std::string& error);

/// Reads the CMBULK_* option variables through `get` (which returns null for an unset variable).
/// Empty values count as unset.
std::vector<config_entry> config_from_environment(
    const std::function<const char*(const char*)>& get);

/// Merges the environment over the file: for each key the environment's value wins. When the
/// environment holds a complete credential (CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY, the
/// MONGODB_ATLAS_* pair, or a client id + secret pair; `env_has_credentials`), the file's
/// public-key and private-key-file are dropped so the two never mix. Result sorted by key.
std::vector<config_entry> merge_config(const std::vector<config_entry>& environment,
                                       const std::vector<config_entry>& file,
                                       bool env_has_credentials);

/// `$XDG_CONFIG_HOME/cmbulk/config`, else `$HOME/.config/cmbulk/config`; empty when neither
/// variable is set.
std::filesystem::path default_config_path(const std::function<const char*(const char*)>& get);

}  // namespace cmbulk
