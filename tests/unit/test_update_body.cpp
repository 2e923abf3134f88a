// Read, merge, PUT (update_body.hpp): what an update sends, from the integration as read and the
// row's fields; never a read-only field, a null, or a secret read back.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/update_body.hpp"

namespace json = boost::json;
using namespace cmbulk;

BOOST_AUTO_TEST_SUITE(update_body_merge)

BOOST_AUTO_TEST_CASE(fields_the_row_does_not_name_survive_and_read_only_ones_go) {
    auto found = json::parse(R"({"id":"5f00000000000000000000aa","type":"WEBHOOK",
        "url":"https://example.com/****2101","bodyTemplate":null,"headersTemplate":"{\"a\":1}"})")
                     .as_object();
    json::object row{{"url", "https://example.com/new-0001"}};
    auto b = merge_for_update("WEBHOOK", found, row);
    BOOST_TEST(b.problem.empty(), b.problem);
    BOOST_TEST(json::serialize(b.fields) ==
               R"({"headersTemplate":"{\"a\":1}","url":"https://example.com/new-0001"})");
}

BOOST_AUTO_TEST_CASE(a_secret_the_server_holds_and_the_row_omits_blocks_the_put) {
    auto found = json::parse(R"({"id":"5f00000000000000000000aa","type":"WEBHOOK",
        "url":"https://example.com/****2101","secret":"**************************2101"})")
                     .as_object();
    json::object row{{"url", "https://example.com/new-0001"}};
    auto b = merge_for_update("WEBHOOK", found, row);
    BOOST_TEST(b.problem.find("WEBHOOK secret is set on the server") == 0u, b.problem);
    BOOST_TEST(b.problem.find("2101") == std::string::npos);  // never a value
    BOOST_TEST(b.fields.empty());
    // Given by the row: sent as the row says.
    row["secret"] = "whsec-new";
    b = merge_for_update("WEBHOOK", found, row);
    BOOST_TEST(b.problem.empty());
    BOOST_TEST(b.fields.at("secret") == "whsec-new");
}

BOOST_AUTO_TEST_CASE(clear_fields_are_kept_masked_unknown_ones_are_not_sent) {
    // VictorOps routingKey is answered in clear: kept. Datadog's customEndpoint is read-only.
    auto vo =
        json::parse(R"({"type":"VICTOR_OPS","apiKey":"****0033","routingKey":"test"})").as_object();
    auto b = merge_for_update("VICTOR_OPS", vo, json::object{{"apiKey", "k-0033"}});
    BOOST_TEST(b.problem.empty());
    BOOST_TEST(b.fields.at("routingKey") == "test");
    BOOST_TEST(b.fields.at("apiKey") == "k-0033");
    auto dd = json::parse(R"({"type":"DATADOG","apiKey":"****abcd","customEndpoint":null,
        "region":"US3","futureToken":"********9999"})")
                  .as_object();
    b = merge_for_update("DATADOG", dd, json::object{{"apiKey", "0123abcd"}});
    BOOST_TEST(!b.problem.empty());
    BOOST_TEST(b.problem.find("futureToken") != std::string::npos);
    dd.erase("futureToken");
    b = merge_for_update("DATADOG", dd, json::object{{"apiKey", "0123abcd"}});
    BOOST_TEST(json::serialize(b.fields) == R"({"region":"US3","apiKey":"0123abcd"})");
}

BOOST_AUTO_TEST_SUITE_END()
