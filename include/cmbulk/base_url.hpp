// The base URLs MongoDB's pages print, taken as users copy them, path included: Cloud Manager
// https://cloud.mongodb.com/api/public/v1.0, Ops Manager https://{host}:{port}/api/public/v1.0,
// Atlas v2 https://cloud.mongodb.com/api/atlas/v2 and the deprecated Atlas v1.0
// .../api/atlas/v1.0 (Cloud Manager's paths under its own prefix); or a bare scheme://host[:port]
// whose API the flavor chooses. Pure: parses, derives the API version and flavor, and settles a
// given flavor against the URL, naming both sources on a conflict.
#pragma once

#include <boost/system/result.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/config.hpp"
#include "cmbulk/diagnostics.hpp"

namespace cmbulk {

/// The API versions cmbulk speaks, named by where their paths start.
enum class api_version { public_v1, atlas_v1, atlas_v2 };

/// "/api/public/v1.0", "/api/atlas/v1.0" or "/api/atlas/v2".
std::string_view path_of(api_version v);
/// "Cloud/Ops Manager v1.0", "Atlas v1.0 (deprecated)" or "Atlas v2", for messages.
std::string_view describe(api_version v);
/// `application/vnd.atlas.2023-01-01+json` for Atlas v2, `application/json` for the others.
std::string_view media_type_of(api_version v);
/// The version a flavor speaks on a bare URL: Atlas v2 for atlas, public v1.0 for the others.
api_version default_api_version(flavor f);
/// Whether a flavor's projects answer on that version (public v1.0: Cloud and Ops Manager; the
/// Atlas paths: Atlas).
bool flavor_speaks(flavor f, api_version v);

/// The documented base URLs, one per line with its flavor, for help texts and messages.
extern const char* const documented_base_urls;

/// A base URL split into what the client needs.
struct base_url {
    std::string root;   ///< scheme://host[:port] as given (lower-case scheme), no trailing slash
    std::string host;   ///< lower-case
    std::string mount;  ///< a path before the API's own (behind a reverse proxy), e.g. "/om"
    std::optional<api_version> version;  ///< from the path; nullopt for a bare URL
    /// The flavor the URL implies: Atlas for /api/atlas/..., Cloud Manager for /api/public/v1.0
    /// on cloud.mongodb.com (or cloud.mongodbgov.com), Ops Manager for it anywhere else; nullopt
    /// for a bare URL.
    std::optional<flavor> implied_flavor() const;
    /// mount + the version's path (the flavor's default version for a bare URL).
    std::string path_prefix(flavor f) const;
};

/// Parses a base URL: scheme://host[:port] (http or https, no user-info, no query), optionally
/// followed by one of the documented API paths (a trailing slash is fine; a path before /api/...
/// is kept as `mount`). bad_value otherwise, with the documented bases in the message (the text is
/// not echoed: it could hold a user-info secret).
boost::system::result<base_url> parse_base_url(std::string_view text, diagnostics& diag);

/// What a run talks to, and where the flavor came from.
struct api_target {
    flavor api_flavor = flavor::cloud_manager;
    std::string base_url;       ///< as given, trailing slashes removed; empty when none was given
    std::string path_prefix;    ///< e.g. "/api/atlas/v2"
    std::string flavor_source;  ///< "--flavor", "CMBULK_FLAVOR", "the base URL (FILE:3)", "default"
};

/// Settles the flavor and the API's path from the flavor and base URL settings (either may be
/// null: not given). A documented path decides the version; a given flavor the version serves is
/// kept (ops-manager on /api/public/v1.0), one it cannot serve is a `conflict` naming both values
/// and where each came from; with no flavor given the URL's implied flavor is taken. A bare URL or
/// none keeps the given flavor, else cloud-manager. bad_value for an unknown flavor or a bad URL.
boost::system::result<api_target> choose_api_target(const config_entry* flavor_setting,
                                                    const config_entry* base_url_setting,
                                                    diagnostics& diag);

}  // namespace cmbulk
