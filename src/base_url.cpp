// The documented base URLs: parsing, the API version and flavor a path implies, and settling a
// given flavor against the URL (see base_url.hpp). Boost.URL does the URL syntax.
#include "cmbulk/base_url.hpp"

#include <array>
#include <boost/url/parse.hpp>

namespace cmbulk {

namespace {

constexpr std::array<api_version, 3> versions{api_version::public_v1, api_version::atlas_v1,
                                              api_version::atlas_v2};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

boost::system::result<base_url> bad_url(diagnostics& diag, std::string why) {
    std::string list = documented_base_urls;
    list.pop_back();  // the last newline: the caller ends the line
    diag.message = std::move(why) + "; the documented base URLs are:\n" + list;
    return make_error_code(config_errc::bad_value);
}

/// The field part of a diagnostic about a setting: none for a flag (its source names it).
std::string field_for(const config_entry& e, std::string_view key) {
    return e.source.starts_with("--") ? std::string() : std::string(key);
}

/// "flavor atlas (--flavor)" / "the base URL https://... (CMBULK_BASE_URL)".
std::string shown(std::string_view what, const config_entry& e) {
    return std::string(what) + " " + e.value + " (" + e.source + ")";
}

}  // namespace

const char* const documented_base_urls =
    "  https://cloud.mongodb.com/api/public/v1.0   Cloud Manager\n"
    "  https://{host}:{port}/api/public/v1.0       Ops Manager\n"
    "  https://cloud.mongodb.com/api/atlas/v2      Atlas\n"
    "  https://cloud.mongodb.com/api/atlas/v1.0    Atlas v1.0 (deprecated)\n"
    "  scheme://host[:port]                        any of them, chosen by --flavor\n";

std::string_view path_of(api_version v) {
    switch (v) {
        case api_version::public_v1:
            return "/api/public/v1.0";
        case api_version::atlas_v1:
            return "/api/atlas/v1.0";
        case api_version::atlas_v2:
            return "/api/atlas/v2";
    }
    return "/api/public/v1.0";
}

std::string_view describe(api_version v) {
    switch (v) {
        case api_version::public_v1:
            return "the Cloud / Ops Manager API v1.0";
        case api_version::atlas_v1:
            return "the Atlas API v1.0 (deprecated)";
        case api_version::atlas_v2:
            return "the Atlas API v2";
    }
    return "";
}

std::string_view media_type_of(api_version v) {
    return v == api_version::atlas_v2 ? "application/vnd.atlas.2023-01-01+json"
                                      : "application/json";
}

api_version default_api_version(flavor f) {
    if (f == flavor::atlas_v1) return api_version::atlas_v1;
    return f == flavor::atlas ? api_version::atlas_v2 : api_version::public_v1;
}

bool flavor_speaks(flavor f, api_version v) {
    switch (v) {
        case api_version::public_v1:
            return !is_atlas(f);
        case api_version::atlas_v1:
            return is_atlas(f);  // "atlas" on a v1.0 base means atlas-v1
        case api_version::atlas_v2:
            return f == flavor::atlas;
    }
    return false;
}

std::optional<flavor> base_url::implied_flavor() const {
    if (!version) return std::nullopt;
    if (*version == api_version::atlas_v1) return flavor::atlas_v1;
    if (*version == api_version::atlas_v2) return flavor::atlas;
    bool cloud = host == "cloud.mongodb.com" || host == "cloud.mongodbgov.com";
    return cloud ? flavor::cloud_manager : flavor::ops_manager;
}

std::string base_url::path_prefix(flavor f) const {
    return mount + std::string(path_of(version ? *version : default_api_version(f)));
}

boost::system::result<base_url> parse_base_url(std::string_view text, diagnostics& diag) {
    auto u = boost::urls::parse_absolute_uri(text);
    if (!u) return bad_url(diag, "not a URL");
    auto scheme = lower(u->scheme());
    if (scheme != "http" && scheme != "https")
        return bad_url(diag, "the scheme must be https (or http), not " + scheme);
    if (u->has_userinfo()) return bad_url(diag, "the URL must not hold a user name or password");
    if (u->encoded_host().empty()) return bad_url(diag, "the URL has no host");
    if (u->has_query() || u->has_fragment())
        return bad_url(diag, "the URL must not have a query or fragment");
    base_url out;
    out.host = lower(u->host_type() == boost::urls::host_type::ipv6 ? u->encoded_host_address()
                                                                    : u->encoded_host());
    out.root = scheme + "://" + std::string(u->encoded_authority());
    std::string path(u->encoded_path());
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (path.empty()) return out;
    for (auto v : versions) {
        auto api = path_of(v);
        if (path.size() < api.size() || path.compare(path.size() - api.size(), api.size(), api))
            continue;
        out.version = v;
        out.mount = path.substr(0, path.size() - api.size());
        return out;
    }
    return bad_url(diag, "the path " + path + " is not one of MongoDB's API paths");
}

boost::system::result<api_target> choose_api_target(const config_entry* flavor_setting,
                                                    const config_entry* base_url_setting,
                                                    diagnostics& diag) {
    api_target t;
    std::optional<flavor> given;
    if (flavor_setting) {
        given = parse_flavor(flavor_setting->value);
        if (!given) {
            diag = {flavor_setting->source, 0, field_for(*flavor_setting, "flavor"),
                    "expected cloud-manager, ops-manager, atlas or atlas-v1, got '" +
                        flavor_setting->value + "'"};
            return make_error_code(config_errc::bad_value);
        }
        t.flavor_source = flavor_setting->source;
    }
    t.api_flavor = given.value_or(flavor::cloud_manager);
    if (!given) t.flavor_source = "default";
    if (!base_url_setting) {
        t.path_prefix = path_of(default_api_version(t.api_flavor));
        return t;
    }
    auto url = parse_base_url(base_url_setting->value, diag);
    if (!url) {
        diag.file = base_url_setting->source;
        diag.field = field_for(*base_url_setting, "base-url");
        return url.error();
    }
    t.base_url = base_url_setting->value;
    while (t.base_url.size() > 1 && t.base_url.back() == '/') t.base_url.pop_back();
    if (url->version) {
        auto implied = *url->implied_flavor();
        if (given && !flavor_speaks(*given, *url->version)) {
            diag = {"", 0, "",
                    shown("the flavor", *flavor_setting) + " contradicts " +
                        shown("the base URL", *base_url_setting) + ", which is " +
                        std::string(describe(*url->version)) + " (" +
                        std::string(to_string(implied)) +
                        "): give one of them only, or make them agree"};
            return make_error_code(config_errc::conflict);
        }
        if (!given) {
            t.api_flavor = implied;
            t.flavor_source = "the base URL (" + base_url_setting->source + ")";
        } else if (implied == flavor::atlas_v1) {
            t.api_flavor = flavor::atlas_v1;  // Atlas's rules on the v1.0 paths
        }
    }
    t.path_prefix = url->path_prefix(t.api_flavor);
    return t;
}

}  // namespace cmbulk
