// Unit tests for the catalogue leaf, pinned to ../shared/api-facts.md: the types each flavor
// offers, the fields each type has per flavor and which are required, the defaults the server
// answers, read-only fields, the server's value rules, the live masked forms of each kind of
// secret, masked-value detection, "did you mean" hints and object id validation.
#include <array>
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>

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
    BOOST_TEST(find_type("HIP_CHAT") == nullptr);  // legacy: known, not one of the nine
    BOOST_TEST(find_known_type("HIP_CHAT")->legacy);
    BOOST_TEST(find_type("NEW_RELIC")->legacy);
    BOOST_TEST(!find_type("SLACK")->legacy);
}

// api-facts.md, "Integration types by flavor".
BOOST_AUTO_TEST_CASE(types_per_flavor) {
    using ts = type_support;
    struct row {
        const char* type;
        ts cloud, ops, atlas;
    };
    const row rows[] = {
        {"PAGER_DUTY", ts::full, ts::full, ts::full},
        {"SLACK", ts::full, ts::full, ts::full},
        {"NEW_RELIC", ts::full, ts::full, ts::full},
        {"OPS_GENIE", ts::full, ts::full, ts::full},
        {"VICTOR_OPS", ts::full, ts::full, ts::full},
        {"WEBHOOK", ts::full, ts::full, ts::full},
        {"PROMETHEUS", ts::full, ts::none, ts::full},
        {"DATADOG", ts::none, ts::full, ts::full},
        {"MICROSOFT_TEAMS", ts::none, ts::none, ts::full},
        {"HIP_CHAT", ts::none, ts::full, ts::list_and_delete},
        {"FLOWDOCK", ts::none, ts::list_and_delete, ts::none},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.type) {
            auto* t = find_known_type(r.type);
            BOOST_REQUIRE(t);
            BOOST_TEST((t->support(flavor::cloud_manager) == r.cloud));
            BOOST_TEST((t->support(flavor::ops_manager) == r.ops));
            BOOST_TEST((t->support(flavor::atlas) == r.atlas));
            // Atlas v1.0 follows Atlas's types.
            BOOST_TEST((t->support(flavor::atlas_v1) == r.atlas));
            // The flavor-aware lookup: one of the nine, and offered in full.
            BOOST_TEST((find_type(r.type, flavor::cloud_manager) != nullptr) ==
                       (find_type(r.type) != nullptr && r.cloud == ts::full));
        }
    }
    BOOST_TEST(find_type("DATADOG", flavor::cloud_manager) == nullptr);
    BOOST_TEST(find_type("DATADOG", flavor::ops_manager) != nullptr);
    BOOST_TEST(find_type("HIP_CHAT", flavor::ops_manager) == nullptr);  // not one of the nine
    BOOST_TEST(known_types().size() == 11u);
    BOOST_TEST(describe(flavors_accepting(*find_type("DATADOG"))) ==
               "ops-manager, atlas, atlas-v1");
    BOOST_TEST(describe(flavors_accepting(*find_type("MICROSOFT_TEAMS"))) == "atlas, atlas-v1");
}

BOOST_AUTO_TEST_CASE(required_fields_per_flavor) {
    struct row {
        const char* type;
        const char* field;
        bool cloud;  // Cloud Manager and Ops Manager
        bool v2;
        bool v1;  // Atlas v1.0
    };
    const row rows[] = {
        {"SLACK", "apiToken", true, true, true},
        {"SLACK", "teamName", true, false, false},
        {"SLACK", "channelName", false, true, false},
        {"PAGER_DUTY", "serviceKey", true, true, true},
        {"PAGER_DUTY", "region", false, false, false},
        {"OPS_GENIE", "apiKey", true, true, true},
        {"VICTOR_OPS", "apiKey", true, true, true},
        {"VICTOR_OPS", "routingKey", false, false, false},
        {"WEBHOOK", "url", true, true, true},
        {"WEBHOOK", "secret", false, false, false},
        {"MICROSOFT_TEAMS", "microsoftTeamsWebhookUrl", true, true, true},
        {"PROMETHEUS", "username", true, true, true},
        {"PROMETHEUS", "password", true, false, true},  // not required on v2
        {"PROMETHEUS", "serviceDiscovery", true, true, true},
        {"PROMETHEUS", "enabled", true, true, true},
        {"PROMETHEUS", "scheme", false, false, false},
        {"DATADOG", "apiKey", true, true, true},
        {"NEW_RELIC", "writeToken", true, true, true},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.type << "." << r.field) {
            auto* t = find_type(r.type);
            BOOST_REQUIRE(t);
            auto* f = t->find_field(r.field);
            BOOST_REQUIRE(f);
            BOOST_TEST(type_spec::is_required(*f, flavor::cloud_manager) == r.cloud);
            BOOST_TEST(type_spec::is_required(*f, flavor::ops_manager) == r.cloud);
            BOOST_TEST(type_spec::is_required(*f, flavor::atlas) == r.v2);
            BOOST_TEST(type_spec::is_required(*f, flavor::atlas_v1) == r.v1);
        }
    }
    BOOST_TEST(find_type("SLACK")->find_field("apiTokn") == nullptr);
    // Slack's channelName: 1 to 80 characters on v2.
    auto* channel = find_type("SLACK")->find_field("channelName");
    BOOST_TEST(channel->max_length == 80u);
    BOOST_TEST(contains(channel->max_length_on, flavor::atlas));
    BOOST_TEST(!contains(channel->max_length_on, flavor::cloud_manager));
}

// The v2-only fields, and the Cloud/Ops Manager-only Prometheus fields.
BOOST_AUTO_TEST_CASE(fields_per_flavor) {
    struct row {
        const char* type;
        const char* field;
        bool cloud, v2, v1;
    };
    const row rows[] = {
        {"DATADOG", "sendCollectionLatencyMetrics", false, true, false},
        {"DATADOG", "sendDatabaseMetrics", false, true, false},
        {"DATADOG", "sendQueryStatsMetrics", false, true, false},
        {"DATADOG", "sendUserProvidedResourceTags", false, true, false},
        {"DATADOG", "region", true, true, true},
        {"PROMETHEUS", "sendUserProvidedResourceTagsEnabled", false, true, false},
        {"PROMETHEUS", "scheme", true, false, false},
        {"PROMETHEUS", "listenAddress", true, false, false},
        {"PROMETHEUS", "tlsPemPath", true, false, false},
        {"PROMETHEUS", "password", true, true, true},
        {"WEBHOOK", "bodyTemplate", false, true, false},
        {"WEBHOOK", "headersTemplate", false, true, false},
        {"SLACK", "teamName", true, true, true},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.type << "." << r.field) {
            auto* t = find_type(r.type);
            BOOST_REQUIRE(t->find_field(r.field));
            BOOST_TEST((t->find_field(r.field, flavor::cloud_manager) != nullptr) == r.cloud);
            BOOST_TEST((t->find_field(r.field, flavor::atlas) != nullptr) == r.v2);
            BOOST_TEST((t->find_field(r.field, flavor::atlas_v1) != nullptr) == r.v1);
        }
    }
    // Answered, never taken: id everywhere, Datadog's customEndpoint on v2.
    BOOST_TEST(is_read_only("SLACK", "id"));
    BOOST_TEST(is_read_only("DATADOG", "customEndpoint"));
    BOOST_TEST(!is_read_only("WEBHOOK", "customEndpoint"));
    BOOST_TEST(!is_read_only("SLACK", "apiToken"));
    BOOST_TEST(find_type("DATADOG")->find_field("customEndpoint") == nullptr);
}

// "Integration fields": the defaults answered when a field was not sent.
BOOST_AUTO_TEST_CASE(defaults_answered_when_not_sent) {
    for (auto type : {"PAGER_DUTY", "OPS_GENIE", "DATADOG"}) {
        auto* f = find_type(type)->find_field("region");
        BOOST_TEST((f->fill == default_kind::text), type);
        BOOST_TEST(f->default_text == "US", type);
    }
    for (auto toggle : {"sendCollectionLatencyMetrics", "sendDatabaseMetrics",
                        "sendQueryStatsMetrics", "sendUserProvidedResourceTags"})
        BOOST_TEST((find_type("DATADOG")->find_field(toggle)->fill == default_kind::false_value));
    BOOST_TEST(
        (find_type("WEBHOOK")->find_field("bodyTemplate")->fill == default_kind::null_value));
    BOOST_TEST(
        (find_type("WEBHOOK")->find_field("headersTemplate")->fill == default_kind::null_value));
    BOOST_TEST((find_type("SLACK")->find_field("channelName")->fill == default_kind::none));
}

BOOST_AUTO_TEST_CASE(value_rules_as_the_server_checks) {
    auto* dd = find_type("DATADOG")->find_field("apiKey");
    BOOST_TEST(value_problem(*dd, "0123456789abcdefABCDEF").empty());
    BOOST_TEST(value_problem(*dd, "not-hex") == "apiKey must be a hexadecimal string");
    BOOST_TEST(value_problem(*dd, "") == "apiKey must be a hexadecimal string");
    BOOST_TEST(dd->rule_parameter == "DATADOG apiKey must be a hexadecimal string");
    auto* pd = find_type("PAGER_DUTY")->find_field("serviceKey");
    BOOST_TEST(value_problem(*pd, "00000000000000000000000000000022").empty());
    BOOST_TEST(value_problem(*pd, "0000000000000000000000000000002") ==
               "Pager Duty API key must consist of 32 hexadecimal digits");
    BOOST_TEST(!value_problem(*pd, "****************************0022").empty());  // masked
    BOOST_TEST(value_problem(*find_type("SLACK")->find_field("apiToken"), "anything").empty());
}

BOOST_AUTO_TEST_CASE(field_kinds_and_secrecy) {
    auto* prom = find_type("PROMETHEUS");
    BOOST_TEST((prom->find_field("enabled")->kind == field_kind::boolean));
    BOOST_TEST((prom->find_field("password")->secret == secrecy::never_returned));
    auto* sd = prom->find_field("serviceDiscovery");
    BOOST_TEST((sd->kind == field_kind::enumeration));
    BOOST_TEST(sd->enum_values.size() == 2u);
    // "Masking on read": the webhook secret keeps its length and last four; the VictorOps
    // routing key is answered in clear; URLs get the scheme://host/****last4 mask.
    BOOST_TEST((find_type("WEBHOOK")->find_field("secret")->secret == secrecy::masked));
    BOOST_TEST((find_type("VICTOR_OPS")->find_field("routingKey")->secret == secrecy::none));
    BOOST_TEST((find_type("WEBHOOK")->find_field("url")->secret == secrecy::masked_partly));
    BOOST_TEST((find_type("MICROSOFT_TEAMS")->find_field("microsoftTeamsWebhookUrl")->secret ==
                secrecy::masked_partly));
    for (auto [type, field] : {std::pair{"PAGER_DUTY", "serviceKey"},
                               {"SLACK", "apiToken"},
                               {"DATADOG", "apiKey"},
                               {"OPS_GENIE", "apiKey"},
                               {"VICTOR_OPS", "apiKey"},
                               {"NEW_RELIC", "licenseKey"}})
        BOOST_TEST((find_type(type)->find_field(field)->secret == secrecy::masked), type);
    BOOST_TEST((find_type("SLACK")->find_field("teamName")->secret == secrecy::none));
    BOOST_TEST(find_type("DATADOG")->find_field("region")->enum_values.size() == 6u);
    // Every enumeration has values, and no other kind has any; no field is answered all '*'.
    for (auto& t : known_types())
        for (auto& f : t.fields) BOOST_TEST_CONTEXT(t.name << "." << f.name) {
                BOOST_TEST((f.kind == field_kind::enumeration) == !f.enum_values.empty());
                BOOST_TEST((f.secret != secrecy::hidden));
                BOOST_TEST((f.flavors & ~every_flavor) == 0);
                BOOST_TEST((f.required_on & ~f.flavors) == 0);
            }
}

BOOST_AUTO_TEST_CASE(flavor_names_round_trip) {
    for (auto f : all_flavors()) BOOST_TEST((parse_flavor(to_string(f)) == f));
    BOOST_TEST(all_flavors().size() == 4u);
    BOOST_TEST(to_string(flavor::atlas) == "atlas");
    BOOST_TEST(to_string(flavor::atlas_v1) == "atlas-v1");
    BOOST_TEST(display_name(flavor::cloud_manager) == "Cloud Manager");
    BOOST_TEST(is_atlas(flavor::atlas_v1));
    BOOST_TEST(!is_atlas(flavor::ops_manager));
    BOOST_TEST(!parse_flavor("Atlas").has_value());
    BOOST_TEST(!parse_flavor("").has_value());
}

BOOST_AUTO_TEST_CASE(mask_value_keeps_length_and_last_four) {
    // api-facts.md: 00000000000000000000000000000022 -> ****************************0022.
    BOOST_TEST(mask_value("00000000000000000000000000000022") ==
               "****************************0022");
    BOOST_TEST(mask_value("1234567890") == "******7890");
    BOOST_TEST(mask_value("12345") == "*2345");
    BOOST_TEST(mask_value("1234") == "****");
    BOOST_TEST(mask_value("ab") == "**");
    BOOST_TEST(mask_value("") == "");
    // A webhook secret of 30 characters: 26 '*' and the last four.
    BOOST_TEST(mask_as(secrecy::masked, std::string(26, 's') + "2101") ==
               std::string(26, '*') + "2101");
    BOOST_TEST(last_four("1234567890") == "7890");
    BOOST_TEST(last_four("1234") == "");
    BOOST_TEST(last_four("") == "");
}

BOOST_AUTO_TEST_CASE(mask_as_each_secrecy) {
    BOOST_TEST(mask_as(secrecy::masked, "xoxb-1234567890") == "***********7890");
    BOOST_TEST(mask_as(secrecy::hidden, "s3cr3t") == "******");
    BOOST_TEST(mask_as(secrecy::none, "test") == "test");        // VictorOps routingKey
    BOOST_TEST(mask_as(secrecy::never_returned, "pw") == "pw");  // the caller drops it
}

BOOST_AUTO_TEST_CASE(url_mask_is_scheme_host_and_last_four) {
    struct row {
        const char* in;
        const char* out;
    };
    const row rows[] = {
        // api-facts.md's example; the length is not kept.
        {"https://example.com/51c0ef87e9951c3e147accf0e12101", "https://example.com/****2101"},
        {"https://hooks.example.com/services/T000/B000/XXXXabcd",
         "https://hooks.example.com/****abcd"},
        {"http://10.0.0.1:8080/hook/secretpath1234", "http://10.0.0.1:8080/****1234"},
        // A token in the query is masked too, not left in the clear.
        {"https://h.example?token=abcdefgh", "https://h.example/****efgh"},
        // Credentials in the authority are never shown.
        {"https://user:pass@h.example/x/abcd", "https://h.example/****abcd"},
        // Not a URL: masked like any secret.
        {"not-a-url-1234", "**********1234"},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT("url " << r.in) {
            BOOST_TEST(mask_url(r.in) == r.out);
            BOOST_TEST(mask_as(secrecy::masked_partly, r.in) == r.out);
            BOOST_TEST(looks_masked(mask_url(r.in)));
        }
    }
    auto vp = visible_parts_of("https://example.com/****2101");
    BOOST_TEST(vp.masked);
    BOOST_TEST(vp.prefix == "https://example.com/");
    BOOST_TEST(vp.suffix == "2101");
    vp = visible_parts_of("plain");
    BOOST_TEST(!vp.masked);
    BOOST_TEST(vp.prefix == "plain");
}

BOOST_AUTO_TEST_CASE(looks_masked_detects_api_masks) {
    BOOST_TEST(looks_masked("******7890"));
    BOOST_TEST(looks_masked("*2345"));
    BOOST_TEST(looks_masked("****"));
    BOOST_TEST(looks_masked("**"));
    BOOST_TEST(looks_masked("https://example.com/****2101"));
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
