// Unit tests for compare.hpp: a manifest row against the API's masked object (non-secret fields,
// masked secrets by their last four and length, hidden and never-returned secrets), and plan's
// verdicts.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/compare.hpp"
#include "cmbulk/plan.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {
json::object obj(std::string_view s) { return json::parse(s).as_object(); }
/// What the API shows for `desired` (catalogue masking, never-returned fields dropped).
json::object as_api_shows(std::string_view type, const json::object& desired) {
    json::object out;
    auto* t = find_type(type);
    for (auto& kv : desired) {
        auto* f = t->find_field(kv.key());
        if (f && f->secret == secrecy::never_returned) continue;
        if (f && f->secret != secrecy::none)
            out[kv.key()] = mask_as(f->secret, kv.value().as_string());
        else
            out[kv.key()] = kv.value();
    }
    return out;
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

BOOST_AUTO_TEST_CASE(non_secret_fields_differ_and_missing_counts) {
    auto have = as_api_shows(
        "SLACK", obj(R"({"apiToken":"xoxb-1111-abcd","teamName":"acme","channelName":"#old"})"));
    auto want = obj(R"({"apiToken":"xoxb-1111-abcd","teamName":"acme2"})");
    auto d = compare_integration("SLACK", want, have);
    BOOST_REQUIRE_EQUAL(d.fields.size(), 2u);
    BOOST_TEST(d.fields[0] == "teamName");
    BOOST_TEST(d.fields[1] == "channelName");  // PUT would drop it
    BOOST_TEST(d.secrets.empty());
    BOOST_TEST(describe(d) == "teamName, channelName");
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
}

BOOST_AUTO_TEST_CASE(hidden_webhook_secret_by_length) {
    auto want = obj(R"({"url":"https://h.example/hook/abcdef","secret":"s3cr3t"})");
    auto have = as_api_shows("WEBHOOK", want);
    BOOST_TEST(have.at("secret").as_string() == "******");
    auto d = compare_integration("WEBHOOK", want, have);
    BOOST_TEST(d.consistent());
    BOOST_TEST(d.uncertain.size() == 1u);
    auto longer = obj(R"({"url":"https://h.example/hook/abcdef","secret":"s3cr3t-longer"})");
    BOOST_TEST(compare_integration("WEBHOOK", longer, have).secrets.size() == 1u);
    // The URL is partly masked: another host differs.
    auto other_host = obj(R"({"url":"https://x.example/hook/abcdef","secret":"s3cr3t"})");
    auto d2 = compare_integration("WEBHOOK", other_host, have);
    BOOST_REQUIRE_EQUAL(d2.secrets.size(), 1u);
    BOOST_TEST(d2.secrets[0] == "url");
}

BOOST_AUTO_TEST_CASE(every_type_equal_to_itself) {
    for (auto& t : all_types()) {
        BOOST_TEST_CONTEXT(t.name) {
            json::object want;
            for (auto& f : t.fields) {
                if (f.kind == field_kind::boolean)
                    want[f.name] = true;
                else if (f.kind == field_kind::enumeration)
                    want[f.name] = f.enum_values[0];
                else
                    want[f.name] = std::string(f.name) + "-value-1234567";
            }
            auto d = compare_integration(t.name, want, as_api_shows(t.name, want));
            BOOST_TEST(d.consistent());
            BOOST_TEST(d.fields.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(plan_verdicts) {
    integration_diff same, differs;
    differs.fields.push_back("teamName");
    BOOST_TEST((decide(row_action::update, false, {}) == plan_verdict::create));
    BOOST_TEST((decide(row_action::update, true, same) == plan_verdict::unchanged));
    BOOST_TEST((decide(row_action::update, true, differs) == plan_verdict::update));
    BOOST_TEST((decide(row_action::upsert, true, differs) == plan_verdict::update));
    BOOST_TEST((decide(row_action::create, true, differs) == plan_verdict::exists));
    BOOST_TEST((decide(row_action::create, true, same) == plan_verdict::unchanged));
    BOOST_TEST((decide(row_action::del, true, same) == plan_verdict::del));
    BOOST_TEST((decide(row_action::del, false, {}) == plan_verdict::unchanged));
    BOOST_TEST(to_string(plan_verdict::del) == "delete");
}

BOOST_AUTO_TEST_SUITE_END()
