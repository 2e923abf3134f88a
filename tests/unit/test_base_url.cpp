// Unit tests of the documented base URLs (api-facts.md, "Bases and flavors"): each documented
// base parses with its version, implied flavor and path prefix (trailing slash or not); a bare
// URL keeps the flavor's default; unknown paths, queries and user-info are refused; a given
// flavor the URL cannot serve is a conflict naming both values and their sources; and the api
// module's paths, media type and check() follow the config's prefix.
#include <boost/test/unit_test.hpp>

#include "cmbulk/api.hpp"
#include "cmbulk/base_url.hpp"

using namespace cmbulk;

namespace {
config_entry entry(std::string key, std::string value, std::string source) {
    return {std::move(key), std::move(value), std::move(source), setting_origin::flag};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(base_url_suite)

BOOST_AUTO_TEST_CASE(documented_bases_parse_with_their_version_and_flavor) {
    struct c {
        const char* url;
        api_version version;
        flavor implied;
        const char* prefix;
    } cases[] = {
        {"https://cloud.mongodb.com/api/public/v1.0", api_version::public_v1, flavor::cloud_manager,
         "/api/public/v1.0"},
        {"https://cloud.mongodb.com/api/public/v1.0/", api_version::public_v1,
         flavor::cloud_manager, "/api/public/v1.0"},
        {"https://om.example.com:8443/api/public/v1.0", api_version::public_v1, flavor::ops_manager,
         "/api/public/v1.0"},
        {"https://cloud.mongodb.com/api/atlas/v2", api_version::atlas_v2, flavor::atlas,
         "/api/atlas/v2"},
        {"https://cloud.mongodb.com/api/atlas/v2//", api_version::atlas_v2, flavor::atlas,
         "/api/atlas/v2"},
        // Atlas v1.0 implies the flavor atlas-v1: Atlas's types on the v1.0 paths.
        {"https://cloud.mongodb.com/api/atlas/v1.0", api_version::atlas_v1, flavor::atlas_v1,
         "/api/atlas/v1.0"},
        {"https://proxy.corp/om/api/public/v1.0", api_version::public_v1, flavor::ops_manager,
         "/om/api/public/v1.0"},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.url) {
            diagnostics d;
            auto u = parse_base_url(k.url, d);
            BOOST_TEST_REQUIRE(u.has_value(), d.message);
            BOOST_TEST_REQUIRE(u->version.has_value());
            BOOST_TEST((*u->version == k.version));
            BOOST_TEST((*u->implied_flavor() == k.implied));
            BOOST_TEST(u->path_prefix(k.implied) == k.prefix);
        }
    }
}

BOOST_AUTO_TEST_CASE(bare_urls_keep_the_flavors_default) {
    diagnostics d;
    auto u = parse_base_url("http://127.0.0.1:8080/", d);
    BOOST_TEST_REQUIRE(u.has_value());
    BOOST_TEST(!u->version.has_value());
    BOOST_TEST(!u->implied_flavor().has_value());
    BOOST_TEST(u->root == "http://127.0.0.1:8080");
    BOOST_TEST(u->host == "127.0.0.1");
    BOOST_TEST(u->path_prefix(flavor::atlas) == "/api/atlas/v2");
    BOOST_TEST(u->path_prefix(flavor::ops_manager) == "/api/public/v1.0");
    auto v6 = parse_base_url("http://[::1]:9/", d);
    BOOST_TEST_REQUIRE(v6.has_value());
    BOOST_TEST(v6->host == "::1");
}

BOOST_AUTO_TEST_CASE(other_urls_are_refused_with_the_documented_list) {
    for (const char* bad : {"https://cloud.mongodb.com/api/public/v2", "https://x/api",
                            "https://x/api/atlas/v2/groups", "https://x/?q=1",
                            "https://user:SECRETPW@x/", "ftp://x/", "cloud.mongodb.com", ""}) {
        BOOST_TEST_CONTEXT(bad) {
            diagnostics d;
            auto u = parse_base_url(bad, d);
            BOOST_TEST(!u.has_value());
            BOOST_TEST((u.error() == config_errc::bad_value));
            BOOST_TEST(d.message.find("https://cloud.mongodb.com/api/atlas/v2") !=
                       std::string::npos);
            BOOST_TEST(d.message.find("SECRETPW") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_path_chooses_the_flavor_and_a_contradiction_names_both) {
    diagnostics d;
    auto url = entry("base-url", "https://cloud.mongodb.com/api/atlas/v2/", "CMBULK_BASE_URL");
    auto t = choose_api_target(nullptr, &url, d);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST((t->api_flavor == flavor::atlas));
    BOOST_TEST(t->path_prefix == "/api/atlas/v2");
    BOOST_TEST(t->base_url == "https://cloud.mongodb.com/api/atlas/v2");
    BOOST_TEST(t->flavor_source == "the base URL (CMBULK_BASE_URL)");

    auto fl = entry("flavor", "cloud-manager", "/home/me/.config/cmbulk/config:3");
    auto c = choose_api_target(&fl, &url, d);
    BOOST_TEST_REQUIRE(!c.has_value());
    BOOST_TEST((c.error() == config_errc::conflict));
    for (auto part : {"cloud-manager", "/home/me/.config/cmbulk/config:3",
                      "https://cloud.mongodb.com/api/atlas/v2/", "CMBULK_BASE_URL", "Atlas"})
        BOOST_TEST(d.message.find(part) != std::string::npos, part << " in: " << d.message);

    // Ops Manager's rules on the public API: kept; Atlas on it: a conflict.
    auto om_url = entry("base-url", "https://om.corp:8443/api/public/v1.0", "--base-url");
    auto om = entry("flavor", "cloud-manager", "--flavor");
    auto kept = choose_api_target(&om, &om_url, d);
    BOOST_TEST_REQUIRE(kept.has_value());
    BOOST_TEST((kept->api_flavor == flavor::cloud_manager));
    auto implied = choose_api_target(nullptr, &om_url, d);
    BOOST_TEST((implied->api_flavor == flavor::ops_manager));
    auto atlas = entry("flavor", "atlas", "--flavor");
    BOOST_TEST(!choose_api_target(&atlas, &om_url, d).has_value());

    // A bare URL keeps the flavor given; nothing at all is Cloud Manager.
    auto bare = entry("base-url", "http://127.0.0.1:8080", "--base-url");
    auto b = choose_api_target(&atlas, &bare, d);
    BOOST_TEST((b->api_flavor == flavor::atlas));
    BOOST_TEST(b->path_prefix == "/api/atlas/v2");
    auto none = choose_api_target(nullptr, nullptr, d);
    BOOST_TEST((none->api_flavor == flavor::cloud_manager));
    BOOST_TEST(none->path_prefix == "/api/public/v1.0");
    BOOST_TEST(none->flavor_source == "default");

    auto wrong = entry("flavor", "atlass", "CMBULK_FLAVOR");
    auto w = choose_api_target(&wrong, nullptr, d);
    BOOST_TEST((w.error() == config_errc::bad_value));
    BOOST_TEST(to_string(d) ==
               "CMBULK_FLAVOR: flavor: expected cloud-manager, ops-manager, "
               "atlas or atlas-v1, got 'atlass'");
}

BOOST_AUTO_TEST_CASE(the_api_follows_the_configs_prefix) {
    api_config cfg;
    cfg.api_flavor = flavor::atlas;
    cfg.base_url = "https://cloud.mongodb.com/api/atlas/v1.0";
    const std::string g = "5f4d3c2b1a0987654321fedc";
    BOOST_TEST(api_prefix(cfg) == "/api/atlas/v1.0");
    BOOST_TEST(integration_path(cfg, g, "SLACK") ==
               "/api/atlas/v1.0/groups/5f4d3c2b1a0987654321fedc/integrations/SLACK");
    BOOST_TEST(media_type(cfg) == "application/json");  // v1.0 has no versioned media type
    cfg.base_url = "https://cloud.mongodb.com/api/atlas/v2";
    BOOST_TEST(media_type(cfg) == "application/vnd.atlas.2023-01-01+json");
    cfg.path_prefix = "/om/api/public/v1.0";
    cfg.api_flavor = flavor::ops_manager;
    BOOST_TEST(projects_page_path(cfg, "", 1, 100) ==
               "/om/api/public/v1.0/groups?pageNum=1&itemsPerPage=100");
    BOOST_TEST(integrations_page_path(cfg, g, 2, 5) ==
               "/om/api/public/v1.0/groups/5f4d3c2b1a0987654321fedc/integrations?pageNum=2&"
               "itemsPerPage=5");
}

BOOST_AUTO_TEST_CASE(check_accepts_documented_bases_and_refuses_contradictions) {
    api_config cfg;
    cfg.creds.public_key = "pub";
    cfg.creds.private_key = "TOPSECRET-private";
    std::string msg;
    cfg.base_url = "http://127.0.0.1:1/api/public/v1.0/";
    BOOST_TEST(static_cast<bool>(api_client::check(cfg, msg)), msg);
    cfg.base_url = "http://127.0.0.1:1/api/atlas/v2";  // Atlas's path, Cloud Manager's rules
    BOOST_TEST(!api_client::check(cfg, msg));
    BOOST_TEST(msg.find("Atlas") != std::string::npos, msg);
    cfg.api_flavor = flavor::atlas;
    BOOST_TEST(static_cast<bool>(api_client::check(cfg, msg)), msg);
    cfg.path_prefix = "/api/public/v1.0";  // contradicts the URL's path
    BOOST_TEST(!api_client::check(cfg, msg));
    cfg.path_prefix.clear();
    cfg.base_url = "http://127.0.0.1:1/v2";
    BOOST_TEST(!api_client::check(cfg, msg));
    BOOST_TEST(msg.find("TOPSECRET") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
