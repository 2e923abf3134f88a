// Which credential cmbulk uses and where it came from: API keys and service accounts from the
// environment (cmbulk's own variables, the Atlas CLI's MONGODB_ATLAS_* and mongocli's MCLI_*),
// from an Atlas CLI or mongocli profile (their config.toml), from --public-key with
// --private-key-file or the config file, in one documented precedence (docs/config.md). Pure
// functions over an injected environment and file reader; no message ever holds a secret.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/config.hpp"
#include "cmbulk/diagnostics.hpp"

namespace cmbulk {

/// An API key (HTTP Digest) or a service account (OAuth 2.0 client credentials).
struct credentials {
    std::string public_key,
        private_key;  ///< API key (digest); empty when a service account is used
    std::string client_id, client_secret;  ///< service account (OAuth 2.0 client credentials)
};

/// An environment variable's value; nullopt when unset or empty.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;
/// The process environment (getenv; empty values count as unset).
env_lookup process_environment();

/// A file as read for a secret or a profile: its bytes and permission bits.
struct file_contents {
    std::string text;
    unsigned mode = 0600;  ///< st_mode & 0777
};
/// Reads a whole file; on failure unreadable_file with the reason in diag.message (the caller
/// adds file and field).
using file_reader = std::function<boost::system::result<file_contents>(
    const std::filesystem::path& path, diagnostics& diag)>;
/// Reads from disk: a regular file of at most 1 MiB.
file_reader disk_file_reader();

/// Reads a private key (or client secret) file: refuses (insecure_file) one that group or others
/// can read, like ssh, unless `allow_insecure`; strips trailing newlines; refuses an empty one.
/// `what` names the setting in messages ("--private-key-file", "CMBULK_PRIVATE_KEY_FILE").
boost::system::result<std::string> read_key_file(const std::filesystem::path& path,
                                                 std::string_view what, bool allow_insecure,
                                                 const file_reader& read, diagnostics& diag);

// ---- Atlas CLI and mongocli profiles ----------------------------------------------------------

/// The tool whose config.toml holds a profile.
enum class profile_tool { atlascli, mongocli };
/// "atlascli" or "mongocli".
std::string_view to_string(profile_tool t);

/// `$XDG_CONFIG_HOME/<tool>/config.toml`, else `$HOME/.config/<tool>/config.toml` (where both
/// tools keep their profiles on Linux); empty when neither variable is set.
std::filesystem::path profile_file(profile_tool t, const env_lookup& env);

/// One string value of a profile and its line in the file.
struct profile_value {
    std::string value;
    std::uint64_t line = 0;
};

/// One profile (a top-level table) of an Atlas CLI or mongocli config.toml.
struct cli_profile {
    std::string name;  ///< lower-case, as the tools store it
    profile_tool tool = profile_tool::atlascli;
    std::string file;        ///< the config.toml it came from
    std::uint64_t line = 0;  ///< the table's header line
    unsigned file_mode = 0;  ///< the file's permission bits (a profile may hold a private key)
    std::map<std::string, profile_value, std::less<>> values;  ///< its string keys
    const profile_value* find(std::string_view key) const;
    /// "profile 'work' (FILE:LINE)" for a key, the table's line when the key is absent.
    std::string where(std::string_view key = {}) const;
};

/// A profile asked for: `NAME`, or `atlascli:NAME` / `mongocli:NAME` to pick the tool.
struct profile_request {
    std::string name;                  ///< lower-case
    std::optional<profile_tool> tool;  ///< nullopt: the Atlas CLI's file, then mongocli's
    std::string source;                ///< "--profile", "CMBULK_PROFILE", "FILE:LINE", ...
};
/// Parses a profile request; bad_value for an empty name, a name with '.' (the tools refuse
/// them), or an unknown `tool:` prefix.
boost::system::result<profile_request> parse_profile_request(std::string_view text,
                                                             std::string source, diagnostics& diag);

/// The profile names (top-level tables) of a config.toml's text, sorted; empty on a TOML error.
std::vector<std::string> profile_names(std::string_view toml_text);

/// Parses the table `name` of a config.toml's text (toml++). syntax for a TOML error (file:line
/// of it), unknown_profile when there is no such table (naming the profiles there are).
boost::system::result<cli_profile> parse_profile(std::string_view toml_text,
                                                 std::string_view file_name, std::string_view name,
                                                 profile_tool tool, diagnostics& diag);

/// Finds and parses the profile asked for: in the named tool's file, else in the Atlas CLI's and
/// mongocli's (ambiguous_profile when both have it; unknown_profile when neither does, naming the
/// files looked at and their profiles).
boost::system::result<cli_profile> load_profile(const profile_request& request,
                                                const env_lookup& env, const file_reader& read,
                                                diagnostics& diag);

/// The non-secret settings of the tools, as option entries: "base-url" and "flavor", from the
/// Atlas CLI's and mongocli's variables (MONGODB_ATLAS_OPS_MANAGER_URL, MCLI_OPS_MANAGER_URL,
/// MONGODB_ATLAS_SERVICE, MCLI_SERVICE; origin environment) over the profile's keys
/// (ops_manager_url or base_url, service; origin profile). The service gives the flavor: cloud (or
/// none, as the tools read it) and cloudgov atlas, cloud-manager, ops-manager; cloudgov without a
/// URL gives https://cloud.mongodbgov.com. bad_value for another service, or ops-manager
/// without a URL.
boost::system::result<std::vector<config_entry>> tool_settings(const cli_profile* profile,
                                                               const env_lookup& env,
                                                               diagnostics& diag);

// ---- choosing the credential -------------------------------------------------------------------

/// The cmbulk key options as the CLI merged them (flag, CMBULK_PRIVATE_KEY_FILE, config file),
/// each with its origin and source.
struct key_options {
    std::optional<config_entry> public_key;        ///< --public-key / config `public-key`
    std::optional<config_entry> private_key_file;  ///< --private-key-file / its variable / config
    bool allow_insecure_key_file = false;          ///< also for a profile's file
};

/// The credential chosen, and where it came from.
struct resolved_credentials {
    credentials creds;
    std::string source;  ///< "CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY", "profile 'x' (FILE)"...
    std::string org_id;  ///< the organization the tools' variables or the profile name, or ""
    std::string org_source;
    /// Things the user should hear (a profile asked for but outranked by the environment).
    std::vector<std::string> notes;
};

/// A profile's own credential: public_api_key + private_api_key, else client_id + client_secret
/// (its org_id as org). incomplete_credential for half a pair (naming the profile, the file and
/// the keyring hint), insecure_file when others can read the file (unless allow_insecure),
/// no_credentials when it has neither (or only a user login).
boost::system::result<resolved_credentials> profile_credentials(const cli_profile& profile,
                                                                bool allow_insecure,
                                                                diagnostics& diag);

/// Chooses the credential. Precedence (the first source that has one wins):
///  1. cmbulk's own: --public-key (else CMBULK_PUBLIC_KEY) with --private-key-file (else
///     CMBULK_PRIVATE_KEY, else CMBULK_PRIVATE_KEY_FILE); a half here may be completed by the
///     config file's public-key / private-key-file;
///  2. MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY;
///  3. MCLI_PUBLIC_API_KEY + MCLI_PRIVATE_API_KEY;
///  4. CMBULK_CLIENT_ID + CMBULK_CLIENT_SECRET;
///  5. MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET;
///  6. the profile (public_api_key + private_api_key, or client_id + client_secret; its file
///     must not be readable by others unless allow_insecure_key_file);
///  7. the config file's public-key + private-key-file.
/// A half-set pair is incomplete_credential naming the missing half; a profile without a usable
/// credential names the profile and its file; none at all is no_credentials.
boost::system::result<resolved_credentials> resolve_credentials(const key_options& keys,
                                                                const cli_profile* profile,
                                                                const env_lookup& env,
                                                                const file_reader& read,
                                                                diagnostics& diag);

}  // namespace cmbulk
