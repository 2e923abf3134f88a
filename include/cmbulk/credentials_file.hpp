// The credentials file of a fleet: which credential serves which organization (on Atlas and Cloud
// Manager a key or service account belongs to one org). TOML, one table per organization:
//   profiles = ["billing", "mongocli:legacy"]        # each profile serves its org_id
//   [orgs.5e2211c17a3e5a48f5497de3]
//   name = "payments"                                 # optional, for messages
//   public-key = "abcdefgh"                           # an API key ...
//   private-key = "${env:PAYMENTS_PRIVATE_KEY}"       #   its secret by reference only
//   # client-id = "..." + client-secret = "${file:sa.secret}"   ... or a service account
//   # profile = "ops"                                 ... or an Atlas CLI / mongocli profile's
// Secrets only as ${env:NAME} / ${file:PATH} references (a file of mode 600); a literal secret is
// refused without being echoed. Pure: parse (syntax, structure), then resolve (references, key
// files, profiles) over an injected environment and file reader. Not yet used by runs.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/credentials.hpp"
#include "cmbulk/diagnostics.hpp"

namespace cmbulk {

enum class credential_kind { api_key, service_account };
/// "API key" or "service account".
std::string_view to_string(credential_kind k);

/// One entry as the file writes it, references not yet resolved.
struct credential_entry {
    std::string org_id;  ///< 24 hex; empty for a `profiles` entry (the profile's org_id serves)
    std::string name;    ///< optional label
    std::string file;
    std::uint64_t line = 0;  ///< where the entry starts
    credential_kind kind = credential_kind::api_key;
    std::string public_id;   ///< the public key or the client id (neither is a secret)
    std::string secret_ref;  ///< "${env:NAME}" or "${file:PATH}"
    std::uint64_t secret_line = 0;
    std::string profile;  ///< a profile request ("ops", "mongocli:legacy") instead of a key
};

/// A credential ready to use and where it came from.
struct org_credential {
    std::string org_id, name;
    credential_kind kind = credential_kind::api_key;
    credentials creds;
    std::string source;         ///< the entry: "FILE:LINE"
    std::string secret_source;  ///< "${env:NAME}", "${file:PATH}" or "profile 'x' (FILE:LINE)"
};

/// Parses a credentials file's text. Errors (file, line and field in diag): syntax (TOML),
/// unknown_key (with a did-you-mean), bad_value (an org id that is not 24 hex, a reference that is
/// not ${env:NAME} / ${file:PATH}, a value of the wrong type), secret_in_file (a literal
/// private-key or client-secret), incomplete_credential (half a pair; neither or two kinds).
boost::system::result<std::vector<credential_entry>> parse_credentials_file(
    std::string_view text, std::string_view file_name, diagnostics& diag);

/// Resolves the entries: ${env:NAME} must be set; ${file:PATH} (relative to `base_dir`) must be
/// mode 600 unless allow_insecure; a profile must exist and hold a credential, and its org_id
/// serves (or must equal the entry's org id). duplicate_key when two entries serve one org
/// (naming both). Messages never hold a secret.
boost::system::result<std::vector<org_credential>> resolve_credentials_file(
    const std::vector<credential_entry>& entries, const std::filesystem::path& base_dir,
    const env_lookup& env, const file_reader& read, bool allow_insecure, diagnostics& diag);

/// Reads, parses and resolves a credentials file (`--credentials FILE`).
boost::system::result<std::vector<org_credential>> load_credentials_file(
    const std::filesystem::path& path, const env_lookup& env, const file_reader& read,
    bool allow_insecure, diagnostics& diag);

/// "5e22...de3 (payments): API key abcdefgh, secret from ${env:NAME} (FILE:3)": the org, the
/// kind of credential and where its parts come from, never a secret.
std::string describe(const org_credential& c);

}  // namespace cmbulk
