// Unit tests for compare.hpp against every answered form of ../shared/api-facts.md: values in
// clear compared whole, length-kept last-four masks, URL masks (scheme, host, last four),
// defaults the server fills in and read-only fields that are no difference, write-only secrets
// that cannot be compared, the option for merged updates, and plan's verdicts.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/compare.hpp"
#include "cmbulk/plan.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {
json::object obj(std::string_view s) { return json::parse(s).as_object(); }

/// What the live service answers on `fl` for `desired` sent as is, built from the catalogue:
/// its id, the flavor's fields masked, write-only fields dropped, defaults filled in.
json::object as_answered(std::string_view type, const json::object& desired, flavor fl) {
    json::object out{{"id", "5f0000000000000000000abc"}, {"type", type}};
    auto* t = find_type(type);
    for (auto& kv : desired) {
        auto* f = t->find_field(kv.key(), fl);
        if (!f || f->secret == secrecy::never_returned) continue;
        out[kv.key()] = f->secret != secrecy::none
                            ? json::value(mask_as(f->secret, kv.value().as_string()))
                            : kv.value();
    }
    for (auto& f : t->fields) {
        if (out.contains(f.name) || !type_spec::has_field(f, fl)) continue;
        if (f.fill == default_kind::text) out[f.name] = f.default_text;
        if (f.fill == default_kind::false_value) out[f.name] = false;
        if (f.fill == default_kind::null_value) out[f.name] = nullptr;
    }
    if (type == "DATADOG" && fl == flavor::atlas) out["customEndpoint"] = nullptr;
    return out;
}
json::object as_api_shows(std::string_view type, const json::object& desired) {
    return as_answered(type, desired, flavor::cloud_manager);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(compare_suite)

BOOST_AUTO_TEST_CASE(same_slack_is_unchanged) {
    auto want = obj(R"({"apiToken":"xoxb-1111-2222-abcd","teamName":"acme","channelName":"#a"})");
    auto d = compare_integration("SLACK", want, as_api_shows("SLACK", want));
    BOOST_TEST(d.unchanged());
    BOOST_TEST(describe(d).empty());
}

BOOST_AUTO_TEST_CASE(new_token_is_secret_differs_by_last_four) {
    auto have =
        as_api_shows("SLACK", obj(R"({"apiToken":"xoxb-1111-2222-abcd","teamName":"acme"})"));
    auto want = obj(R"({"apiToken":"xoxb-1111-2222-wxyz","teamName":"acme"})");
    auto d = compare_integration("SLACK", want, have);
    BOOST_TEST(!d.unchanged());
    BOOST_TEST(d.fields.empty());
    BOOST_REQUIRE_EQUAL(d.secrets.size(), 1u);
    BOOST_TEST(d.secrets[0] == "apiToken");
    BOOST_TEST(describe(d) == "secret differs: apiToken");
    // Neither token appears in the description.
    BOOST_TEST(describe(d).find("wxyz") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(same_last_four_other_length_differs) {
    auto have = as_api_shows("SLACK", obj(R"({"apiToken":"xoxb-abcd","teamName":"t"})"));
    auto d =
        compare_integration("SLACK", obj(R"({"apiToken":"xoxb-long-abcd","teamName":"t"})"), have);
    BOOST_TEST(d.secrets.size() == 1u);
}

// "Cloud/Ops Manager v1.0 have in the past answered some secrets in clear": compared whole.
BOOST_AUTO_TEST_CASE(secrets_answered_in_clear_are_compared_whole) {
    auto want = obj(R"({"apiToken":"xoxb-1111-abcd","teamName":"t"})");
    BOOST_TEST(
        compare_integration("SLACK", want, obj(R"({"apiToken":"xoxb-1111-abcd","teamName":"t"})"))
            .unchanged());
    // Same length and last four, but visibly another token.
    auto d =
        compare_integration("SLACK", want, obj(R"({"apiToken":"xoxb-2222-abcd","teamName":"t"})"));
    BOOST_TEST(d.secrets == std::vector<std::string>{"apiToken"}, boost::test_tools::per_element());
    // VictorOps' routing key is answered in clear, and compared whole.
    auto vo = obj(R"({"apiKey":"victor-0001","routingKey":"test"})");
    auto have = as_api_shows("VICTOR_OPS", vo);
    BOOST_TEST(have.at("routingKey").as_string() == "test");
    BOOST_TEST(compare_integration("VICTOR_OPS", vo, have).unchanged());
    BOOST_TEST(compare_integration("VICTOR_OPS",
                                   obj(R"({"apiKey":"victor-0001","routingKey":"tent"})"), have)
                       .fields == std::vector<std::string>{"routingKey"},
               boost::test_tools::per_element());
}

// The live URL mask: "https://example.com/51c0ef87e9951c3e147accf0e12101" ->
// "https://example.com/****2101".
BOOST_AUTO_TEST_CASE(url_masks_by_scheme_host_and_last_four) {
    auto want = obj(R"({"url":"https://example.com/51c0ef87e9951c3e147accf0e12101"})");
    auto have = obj(R"({"url":"https://example.com/****2101"})");
    BOOST_TEST(compare_integration("WEBHOOK", want, have).unchanged());
    for (auto other : {"https://example.org/51c0ef87e9951c3e147accf0e12101",   // host
                       "http://example.com/51c0ef87e9951c3e147accf0e12101",    // scheme
                       "https://example.com/51c0ef87e9951c3e147accf0e12102"})  // last four
        BOOST_TEST(compare_integration("WEBHOOK", json::object{{"url", other}}, have).secrets ==
                       std::vector<std::string>{"url"},
                   other);
    // The host's case and credentials in the authority do not matter to the mask.
    BOOST_TEST(compare_integration(
                   "WEBHOOK",
                   obj(R"({"url":"https://u:p@Example.com/x/51c0ef87e9951c3e147accf0e12101"})"),
                   have)
                   .unchanged());
    // Microsoft Teams likewise; and the older, length-kept form still compares.
    BOOST_TEST(
        compare_integration(
            "MICROSOFT_TEAMS",
            obj(R"({"microsoftTeamsWebhookUrl":"https://acme.webhook.office.com/webhookb2/abcd1234"})"),
            obj(R"({"microsoftTeamsWebhookUrl":"https://acme.webhook.office.com/****1234"})"))
            .unchanged());
    BOOST_TEST(compare_integration("WEBHOOK",
                                   obj(R"({"url":"https://hooks.example.com/path/secret-part"})"),
                                   obj(R"({"url":"https://hooks.example.com*************part"})"))
                   .unchanged());
}

// "WEBHOOK secret: length kept, last four shown".
BOOST_AUTO_TEST_CASE(webhook_secret_by_length_and_last_four) {
    auto want =
        obj(R"({"url":"https://h.example/hook/abcdef","secret":"whsec-0000000000000000002101"})");
    auto have = as_api_shows("WEBHOOK", want);
    BOOST_TEST(have.at("secret").as_string() == std::string(24, '*') + "2101");
    BOOST_TEST(compare_integration("WEBHOOK", want, have).unchanged());
    auto longer = want;
    longer["secret"] = "whsec-00000000000000000002101";
    BOOST_TEST(compare_integration("WEBHOOK", longer, have).secrets.size() == 1u);
    auto other = want;
    other["secret"] = "whsec-0000000000000000002102";
    BOOST_TEST(compare_integration("WEBHOOK", other, have).secrets.size() == 1u);
    // A short secret is answered without a visible character: equality of the length only.
    auto shortw = obj(R"({"url":"https://h.example/hook/abcdef","secret":"abc"})");
    auto d = compare_integration("WEBHOOK", shortw, as_api_shows("WEBHOOK", shortw));
    BOOST_TEST(d.consistent());
    BOOST_TEST(d.uncertain == std::vector<std::string>{"secret"}, boost::test_tools::per_element());
}

// Defaults the server fills in (region US, toggles false, templates null), id and Datadog's
// customEndpoint are no difference, on every flavor.
BOOST_AUTO_TEST_CASE(server_defaults_are_no_difference) {
    auto pd = obj(R"({"serviceKey":"00000000000000000000000000000022"})");
    auto have = obj(
        R"({"id":"5f0000000000000000000abc","type":"PAGER_DUTY","serviceKey":"****************************0022","region":"US"})");
    BOOST_TEST(compare_integration("PAGER_DUTY", pd, have).unchanged());
    // A row naming the default, against a server that did not answer it.
    auto with_us = obj(R"({"serviceKey":"00000000000000000000000000000022","region":"US"})");
    BOOST_TEST(compare_integration("PAGER_DUTY", with_us,
                                   obj(R"({"serviceKey":"****************************0022"})"))
                   .unchanged());
    auto eu = obj(R"({"serviceKey":"00000000000000000000000000000022","region":"EU"})");
    BOOST_TEST(
        compare_integration("PAGER_DUTY", eu, have).fields == std::vector<std::string>{"region"},
        boost::test_tools::per_element());
    auto dd = obj(R"({"apiKey":"0123456789abcdef0123456789abcdef"})");
    BOOST_TEST(
        compare_integration("DATADOG", dd, as_answered("DATADOG", dd, flavor::atlas)).unchanged());
    auto dd_on = obj(R"({"apiKey":"0123456789abcdef0123456789abcdef","sendDatabaseMetrics":true})");
    BOOST_TEST(
        compare_integration("DATADOG", dd_on, as_answered("DATADOG", dd, flavor::atlas)).fields ==
            std::vector<std::string>{"sendDatabaseMetrics"},
        boost::test_tools::per_element());
    auto wh = obj(R"({"url":"https://example.com/51c0ef87e9951c3e147accf0e12101"})");
    auto wh_have = as_answered("WEBHOOK", wh, flavor::atlas);
    BOOST_TEST(wh_have.at("bodyTemplate").is_null());
    BOOST_TEST(compare_integration("WEBHOOK", wh, wh_have).unchanged());
}

BOOST_AUTO_TEST_CASE(non_secret_fields_differ_and_missing_counts) {
    auto have = as_api_shows(
        "SLACK", obj(R"({"apiToken":"xoxb-1111-abcd","teamName":"acme","channelName":"#old"})"));
    auto want = obj(R"({"apiToken":"xoxb-1111-abcd","teamName":"acme2"})");
    auto d = compare_integration("SLACK", want, have);
    BOOST_REQUIRE_EQUAL(d.fields.size(), 2u);
    BOOST_TEST(d.fields[0] == "teamName");
    BOOST_TEST(d.fields[1] == "channelName");  // a PUT of the row alone would drop it
    BOOST_TEST(d.secrets.empty());
    BOOST_TEST(describe(d) == "teamName, channelName");
    // An update that merges the row into what it read keeps channelName: no difference there.
    compare_options merged;
    merged.unnamed_fields_kept = true;
    d = compare_integration("SLACK", want, have, merged);
    BOOST_TEST(d.fields == std::vector<std::string>{"teamName"}, boost::test_tools::per_element());
    // A webhook secret the row does not name: dropped by a replacing PUT, kept by a merge.
    auto wh =
        as_api_shows("WEBHOOK", obj(R"({"url":"https://h.example/abcdef","secret":"whsec-1234"})"));
    auto url_only = obj(R"({"url":"https://h.example/abcdef"})");
    BOOST_TEST(compare_integration("WEBHOOK", url_only, wh).secrets.size() == 1u);
    BOOST_TEST(compare_integration("WEBHOOK", url_only, wh, merged).unchanged());
}

BOOST_AUTO_TEST_CASE(booleans_compare_across_csv_text) {
    auto have = obj(R"({"username":"u","serviceDiscovery":"http","enabled":true})");
    auto want = obj(R"({"username":"u","serviceDiscovery":"http","enabled":"true"})");
    auto d = compare_integration("PROMETHEUS", want, have);
    BOOST_TEST(d.fields.empty());
    auto want2 = obj(R"({"username":"u","serviceDiscovery":"http","enabled":false})");
    BOOST_TEST(compare_integration("PROMETHEUS", want2, have).fields.size() == 1u);
}

BOOST_AUTO_TEST_CASE(never_returned_password_is_uncertain) {
    auto want =
        obj(R"({"username":"u","password":"p4ssw0rd-x","serviceDiscovery":"http","enabled":true})");
    auto d = compare_integration("PROMETHEUS", want, as_api_shows("PROMETHEUS", want));
    BOOST_TEST(!d.unchanged());
    BOOST_TEST(d.consistent());
    BOOST_REQUIRE_EQUAL(d.uncertain.size(), 1u);
    BOOST_TEST(d.uncertain[0] == "password");
    BOOST_TEST(describe(d) == "cannot compare: password");
    // Answered after all (in clear), it is compared whole.
    auto clear = as_api_shows("PROMETHEUS", want);
    clear["password"] = "p4ssw0rd-x";
    BOOST_TEST(compare_integration("PROMETHEUS", want, clear).unchanged());
    clear["password"] = "other";
    BOOST_TEST(compare_integration("PROMETHEUS", want, clear).secrets.size() == 1u);
}

BOOST_AUTO_TEST_CASE(secret_matches_is_the_one_rule) {
    BOOST_TEST(secret_matches("00000000000000000000000000000022",
                              "****************************0022", true));
    BOOST_TEST(!secret_matches("0000000000000000000000000000022",
                               "****************************0022", true));
    BOOST_TEST(secret_matches("https://example.com/51c0ef87e9951c3e147accf0e12101",
                              "https://example.com/****2101", false));
    BOOST_TEST(!secret_matches("https://example.com/51c0ef87e9951c3e147accf0e12102",
                               "https://example.com/****2101", false));
    BOOST_TEST(secret_matches("in-clear", "in-clear", true));
    BOOST_TEST(!secret_matches("in-clear", "in-clean", true));
}

// For every type and every flavor that offers it: what apply sends, answered as the live service
// answers it, is never a difference (no perpetual diff).
BOOST_AUTO_TEST_CASE(every_type_on_every_flavor_equal_to_itself) {
    for (auto fl : all_flavors()) {
        for (auto& t : all_types()) {
            if (t.support(fl) != type_support::full) continue;
            BOOST_TEST_CONTEXT(to_string(fl) << " " << t.name) {
                json::object want;
                for (auto& f : t.fields) {
                    if (!type_spec::has_field(f, fl)) continue;
                    if (f.kind == field_kind::boolean)
                        want[f.name] = true;
                    else if (f.kind == field_kind::enumeration)
                        want[f.name] = f.enum_values[0];
                    else if (f.secret == secrecy::masked_partly)
                        want[f.name] =
                            "https://hooks.example.com/" + std::string(f.name) + "/1234567";
                    else
                        want[f.name] = std::string(f.name) + "-value-1234567";
                }
                auto d = compare_integration(t.name, want, as_answered(t.name, want, fl));
                BOOST_TEST(d.consistent(), describe(d));
                // Only a write-only field is left uncompared.
                for (auto& u : d.uncertain)
                    BOOST_TEST((t.find_field(u)->secret == secrecy::never_returned), u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(plan_verdicts) {
    integration_diff same, differs, write_only;
    differs.fields.push_back("teamName");
    write_only.uncertain.push_back("password");
    BOOST_TEST((decide(row_action::update, false, {}) == plan_verdict::create));
    BOOST_TEST((decide(row_action::update, true, same) == plan_verdict::unchanged));
    BOOST_TEST((decide(row_action::update, true, differs) == plan_verdict::update));
    BOOST_TEST((decide(row_action::upsert, true, differs) == plan_verdict::update));
    BOOST_TEST((decide(row_action::create, true, differs) == plan_verdict::exists));
    BOOST_TEST((decide(row_action::create, true, same) == plan_verdict::unchanged));
    // A write-only secret is never answered: unchanged as far as can be read (plan names it),
    // never a perpetual "update".
    BOOST_TEST((decide(row_action::update, true, write_only) == plan_verdict::unchanged));
    BOOST_TEST((decide(row_action::create, true, write_only) == plan_verdict::unchanged));
    BOOST_TEST((decide(row_action::del, true, same) == plan_verdict::del));
    BOOST_TEST((decide(row_action::del, false, {}) == plan_verdict::unchanged));
    BOOST_TEST(to_string(plan_verdict::del) == "delete");
}

BOOST_AUTO_TEST_SUITE_END()
