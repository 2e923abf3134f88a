// Unit tests for the catalogue leaf: the type table (every type, required fields per flavor),
// the API's masking rules for each kind of secret, masked-value detection, "did you mean" hints
// and object id validation.
#include <array>
#include <boost/test/unit_test.hpp>
#include <string>

#include "cmbulk/catalogue.hpp"

using namespace cmbulk;

BOOST_AUTO_TEST_SUITE(catalogue_suite)

BOOST_AUTO_TEST_CASE(every_type_is_present) {
    const char* names[] = {"PAGER_DUTY",      "SLACK",      "OPS_GENIE", "VICTOR_OPS", "WEBHOOK",
                           "MICROSOFT_TEAMS", "PROMETHEUS", "DATADOG",   "NEW_RELIC"};
    BOOST_TEST(all_types().size() == std::size(names));
    for (auto n : names) {
        BOOST_TEST_CONTEXT("type " << n) {
            auto* t = find_type(n);
            BOOST_REQUIRE(t != nullptr);
            BOOST_TEST(t->name == n);
            BOOST_TEST(!t->fields.empty());
        }
    }
    BOOST_TEST(find_type("slack") == nullptr);  // the API's names are upper case
    BOOST_TEST(find_type("HIPCHAT") == nullptr);
    BOOST_TEST(find_type("NEW_RELIC")->legacy);
    BOOST_TEST(!find_type("SLACK")->legacy);
}

BOOST_AUTO_TEST_CASE(required_fields_per_flavor) {
    struct row {
        const char* type;
        const char* field;
        bool cloud;
        bool atlas;
    };
    const row rows[] = {
        {"SLACK", "apiToken", true, true},
        {"SLACK", "teamName", true, false},
        {"SLACK", "channelName", false, true},
        {"PAGER_DUTY", "serviceKey", true, true},
        {"PAGER_DUTY", "region", false, false},
        {"OPS_GENIE", "apiKey", true, true},
        {"VICTOR_OPS", "apiKey", true, true},
        {"VICTOR_OPS", "routingKey", false, false},
        {"WEBHOOK", "url", true, true},
        {"WEBHOOK", "secret", false, false},
        {"MICROSOFT_TEAMS", "microsoftTeamsWebhookUrl", true, true},
        {"PROMETHEUS", "username", true, true},
        {"PROMETHEUS", "password", true, true},
        {"PROMETHEUS", "serviceDiscovery", true, true},
        {"PROMETHEUS", "enabled", true, true},
        {"PROMETHEUS", "scheme", false, false},
        {"DATADOG", "apiKey", true, true},
        {"NEW_RELIC", "writeToken", true, true},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.type << "." << r.field) {
            auto* t = find_type(r.type);
            BOOST_REQUIRE(t);
            auto* f = t->find_field(r.field);
            BOOST_REQUIRE(f);
            BOOST_TEST(type_spec::is_required(*f, flavor::cloud_manager) == r.cloud);
            BOOST_TEST(type_spec::is_required(*f, flavor::ops_manager) == r.cloud);
            BOOST_TEST(type_spec::is_required(*f, flavor::atlas) == r.atlas);
        }
    }
    BOOST_TEST(find_type("SLACK")->find_field("apiTokn") == nullptr);
}

BOOST_AUTO_TEST_CASE(field_kinds_and_secrecy) {
    auto* prom = find_type("PROMETHEUS");
    BOOST_TEST((prom->find_field("enabled")->kind == field_kind::boolean));
    BOOST_TEST((prom->find_field("password")->secret == secrecy::never_returned));
    auto* sd = prom->find_field("serviceDiscovery");
    BOOST_TEST((sd->kind == field_kind::enumeration));
    BOOST_TEST(sd->enum_values.size() == 2u);
    BOOST_TEST((find_type("WEBHOOK")->find_field("secret")->secret == secrecy::hidden));
    BOOST_TEST((find_type("WEBHOOK")->find_field("url")->secret == secrecy::masked_partly));
    BOOST_TEST((find_type("SLACK")->find_field("apiToken")->secret == secrecy::masked));
    BOOST_TEST((find_type("SLACK")->find_field("teamName")->secret == secrecy::none));
    BOOST_TEST(find_type("DATADOG")->find_field("region")->enum_values.size() == 6u);
    // Every enumeration has values, and no other kind has any.
    for (auto& t : all_types())
        for (auto& f : t.fields) BOOST_TEST_CONTEXT(t.name << "." << f.name) {
                BOOST_TEST((f.kind == field_kind::enumeration) == !f.enum_values.empty());
            }
}

BOOST_AUTO_TEST_CASE(flavor_names_round_trip) {
    for (auto f : {flavor::cloud_manager, flavor::ops_manager, flavor::atlas})
        BOOST_TEST((parse_flavor(to_string(f)) == f));
    BOOST_TEST(to_string(flavor::atlas) == "atlas");
    BOOST_TEST(!parse_flavor("Atlas").has_value());
    BOOST_TEST(!parse_flavor("").has_value());
}

BOOST_AUTO_TEST_CASE(mask_value_keeps_length_and_last_four) {
    BOOST_TEST(mask_value("1234567890") == "******7890");
    BOOST_TEST(mask_value("12345") == "*2345");
    BOOST_TEST(mask_value("1234") == "****");
    BOOST_TEST(mask_value("ab") == "**");
    BOOST_TEST(mask_value("") == "");
    BOOST_TEST(last_four("1234567890") == "7890");
    BOOST_TEST(last_four("1234") == "");
    BOOST_TEST(last_four("") == "");
}

BOOST_AUTO_TEST_CASE(mask_as_each_secrecy) {
    BOOST_TEST(mask_as(secrecy::masked, "xoxb-1234567890") == "***********7890");
    BOOST_TEST(mask_as(secrecy::hidden, "s3cr3t") == "******");
    BOOST_TEST(mask_as(secrecy::none, "general") == "general");
    BOOST_TEST(mask_as(secrecy::never_returned, "pw") == "pw");  // the caller drops it
}

BOOST_AUTO_TEST_CASE(mask_as_partly_keeps_scheme_and_host) {
    struct row {
        const char* in;
        const char* out;
    };
    const row rows[] = {
        {"https://hooks.example.com/services/T000/B000/XXXXabcd",
         "https://hooks.example.com************************abcd"},
        {"http://10.0.0.1:8080/hook/secretpath1234", "http://10.0.0.1:8080****************1234"},
        // Short paths are masked whole, the host stays.
        {"https://h.example/abc", "https://h.example****"},
        // A bare host has nothing to hide.
        {"https://h.example", "https://h.example"},
        // A token in the query is masked too, not left in the clear.
        {"https://h.example?token=abcdefgh", "https://h.example***********efgh"},
        // Credentials in the authority: only the scheme stays.
        {"https://user:pass@h.example/x", "https://*****************le/x"},
        // Not a URL: masked like any secret.
        {"not-a-url-1234", "**********1234"},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT("url " << r.in) {
            auto m = mask_as(secrecy::masked_partly, r.in);
            BOOST_TEST(m == r.out);
            BOOST_TEST(m.size() == std::string(r.in).size());
        }
    }
}

BOOST_AUTO_TEST_CASE(looks_masked_detects_api_masks) {
    BOOST_TEST(looks_masked("******7890"));
    BOOST_TEST(looks_masked("*2345"));
    BOOST_TEST(looks_masked("****"));
    BOOST_TEST(looks_masked("**"));
    BOOST_TEST(looks_masked("https://hooks.example.com************************abcd"));
    BOOST_TEST(!looks_masked("xoxb-1234567890"));
    BOOST_TEST(!looks_masked(""));
    BOOST_TEST(!looks_masked("a*b"));
    BOOST_TEST(!looks_masked("*123456789"));  // a leading star on a long value is not a mask
    // Every mask the catalogue produces of a value longer than four characters is detected.
    for (std::string v : {"12345", "123456", "abcdefghij", "xoxb-0000-1111-2222"})
        BOOST_TEST_CONTEXT(v) { BOOST_TEST(looks_masked(mask_value(v))); }
}

BOOST_AUTO_TEST_CASE(closest_name_hints) {
    constexpr std::array<std::string_view, 3> slack{"apiToken", "teamName", "channelName"};
    BOOST_TEST(closest_name("apiTokn", slack) == "apiToken");
    BOOST_TEST(closest_name("apitoken", slack) == "apiToken");  // case-insensitive
    BOOST_TEST(closest_name("teamname_", slack) == "teamName");
    BOOST_TEST(closest_name("chanelNam", slack) == "channelName");
    BOOST_TEST(closest_name("region", slack) == "");
    BOOST_TEST(closest_name("", slack) == "");
    BOOST_TEST(edit_distance("kitten", "sitting") == 3u);
    BOOST_TEST(edit_distance("", "abc") == 3u);
    BOOST_TEST(edit_distance("ABC", "abc") == 0u);
}

BOOST_AUTO_TEST_CASE(object_ids) {
    BOOST_TEST(is_object_id("5e2211c17a3e5a48f5497de3"));
    BOOST_TEST(is_object_id("000000000000000000000000"));
    BOOST_TEST(!is_object_id("5E2211C17A3E5A48F5497DE3"));   // lower case only
    BOOST_TEST(!is_object_id("5e2211c17a3e5a48f5497de"));    // 23
    BOOST_TEST(!is_object_id("5e2211c17a3e5a48f5497de3a"));  // 25
    BOOST_TEST(!is_object_id("5e2211c17a3e5a48f5497dg3"));
    BOOST_TEST(!is_object_id(""));
}

BOOST_AUTO_TEST_SUITE_END()
