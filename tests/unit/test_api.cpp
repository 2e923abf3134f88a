// Unit tests for the api module's pure parts: API error bodies (JSON, HTML, garbage, empty),
// non-JSON descriptions, path building per flavor, and URL parsing of the http layer.
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <sstream>
#include <vector>

#include "cmbulk/api.hpp"
#include "cmbulk/http_connection.hpp"
#include "cmbulk/json_util.hpp"

using namespace cmbulk;

BOOST_AUTO_TEST_SUITE(api_suite)

BOOST_AUTO_TEST_CASE(validate_only_parse_agrees_with_boost_json) {
    // json_util::is_json checks a successful write's body without building it: it must accept
    // exactly what boost::json::parse accepts.
    std::vector<std::string> texts = {
        R"({"results":[{"type":"SLACK","apiToken":"****1234"}],"totalCount":1})",
        "[]",
        "{}",
        "0",
        "-1.5e3",
        "\"x\"",
        "true",
        "null",
        "  {\"a\":[1,2,{\"b\":null}]}  \n",
        "",
        " ",
        "{",
        "[1,2",
        "{\"a\":1}}",
        "{\"a\":1} x",
        "[1] [2]",
        "{'a':1}",
        "<html><body>502 Bad Gateway</body></html>",
        "{\"a\":\"\\x\"}",
        "[01]",
        "nul",
        "{\"a\":1,}",
        "/* c */ {}",
        "\"unterminated",
        std::string(32, '[') + std::string(32, ']'),
        std::string(33, '[') + std::string(33, ']')};
    for (const auto& t : texts) {
        boost::system::error_code ec;
        boost::json::parse(t, ec);
        BOOST_TEST(json_util::is_json(t) == !ec, "text: " << t);
    }
}

BOOST_AUTO_TEST_CASE(serialized_request_is_what_beast_writes) {
    namespace http = boost::beast::http;
    // A POST with a body, a GET without one, a DELETE, and an HTTP/1.0 request with odd fields:
    // our one-string serialization must match Beast's own serializer byte for byte.
    std::vector<http::request<http::string_body>> reqs;
    reqs.emplace_back(http::verb::post, "/api/public/v1.0/groups/5f1a/integrations/SLACK", 11);
    reqs.back().set(http::field::host, "127.0.0.1:8080");
    reqs.back().set(http::field::user_agent, "cmbulk/1.0");
    reqs.back().set(http::field::content_type, "application/json");
    reqs.back().set(http::field::authorization, R"(Digest username="u", response="r")");
    reqs.back().body() = R"({"type":"SLACK","apiToken":"xoxb-1"})";
    reqs.emplace_back(http::verb::get, "/api/atlas/v2/groups/x/integrations/PAGER_DUTY?pretty=true",
                      11);
    reqs.back().set(http::field::accept, "application/vnd.atlas.2023-01-01+json");
    reqs.emplace_back(http::verb::delete_, "/x", 11);
    reqs.back().set("X-Custom-Field", "a value, with: colons");
    reqs.emplace_back(http::verb::put, "/y", 10);
    reqs.back().set(http::field::host, "h");
    reqs.back().body() = std::string(70000, 'b');
    for (auto& r : reqs) {
        r.prepare_payload();
        std::ostringstream beast_text;
        beast_text << r;
        BOOST_TEST(serialize_request(r) == beast_text.str());
    }
    BOOST_TEST(serialize_request(reqs[0]).starts_with(
        "POST /api/public/v1.0/groups/5f1a/integrations/SLACK HTTP/1.1\r\nHost: "
        "127.0.0.1:8080\r\n"));
    BOOST_TEST(serialize_request(reqs[3]).starts_with("PUT /y HTTP/1.0\r\n"));
}

BOOST_AUTO_TEST_CASE(error_body_from_api_json) {
    auto e = parse_error_body(
        R"({"detail":"The integration of type 'SLACK' is not configured for this group.","error":404,)"
        R"("errorCode":"INTEGRATION_NOT_CONFIGURED","parameters":["SLACK"],"reason":"Not Found"})");
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->error == 404);
    BOOST_TEST(e->error_code == "INTEGRATION_NOT_CONFIGURED");
    BOOST_TEST(e->reason == "Not Found");
    BOOST_TEST(e->detail == "The integration of type 'SLACK' is not configured for this group.");
}

BOOST_AUTO_TEST_CASE(error_body_rate_limited_with_whitespace) {
    auto e =
        parse_error_body("  \r\n{\"error\":429,\"errorCode\":\"RATE_LIMITED_TOKEN_BUCKET\"}\n");
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->error == 429);
    BOOST_TEST(e->error_code == "RATE_LIMITED_TOKEN_BUCKET");
    BOOST_TEST(e->detail.empty());
}

BOOST_AUTO_TEST_CASE(error_body_rejects_non_errors) {
    const char* cases[] = {
        "",
        "   ",
        "<html><head><title>503 Service Unavailable</title></head><body>down</body></html>",
        "garbage \x01\x02\xff",
        "{\"error\":",                        // truncated JSON
        "[1,2,3]",                            // JSON, not an object
        "{\"results\":[],\"totalCount\":0}",  // an object, but not an error
        "{\"error\":{\"nested\":true}}",      // error of the wrong type only
        "null",
    };
    for (const char* c : cases) {
        BOOST_TEST_CONTEXT("body: " << c) { BOOST_TEST(!parse_error_body(c).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(error_body_wrong_member_types_are_ignored) {
    auto e = parse_error_body(R"({"error":"Bad Gateway","errorCode":42,"detail":"x"})");
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->error == 0);
    BOOST_TEST(e->reason == "Bad Gateway");
    BOOST_TEST(e->error_code.empty());
    BOOST_TEST(e->detail == "x");
}

BOOST_AUTO_TEST_CASE(non_json_descriptions_do_not_echo_content) {
    BOOST_TEST(describe_non_json("") == "empty body");
    BOOST_TEST(describe_non_json("\n <!DOCTYPE html><html><title>secret-ish</title></html>") ==
               "HTML error page");
    BOOST_TEST(describe_non_json("Service down <html>") == "HTML error page");
    BOOST_TEST(describe_non_json("plain text token=abc") == "non-JSON body");
}

BOOST_AUTO_TEST_CASE(paths_per_flavor) {
    const std::string g = "5f4d3c2b1a0987654321fedc";
    BOOST_TEST(integration_path(flavor::cloud_manager, g, "SLACK") ==
               "/api/public/v1.0/groups/5f4d3c2b1a0987654321fedc/integrations/SLACK");
    BOOST_TEST(integration_path(flavor::ops_manager, g, "PAGER_DUTY") ==
               "/api/public/v1.0/groups/5f4d3c2b1a0987654321fedc/integrations/PAGER_DUTY");
    BOOST_TEST(integration_path(flavor::atlas, g, "SLACK") ==
               "/api/atlas/v2/groups/5f4d3c2b1a0987654321fedc/integrations/SLACK");
    BOOST_TEST(
        integrations_page_path(flavor::cloud_manager, g, 2, 500) ==
        "/api/public/v1.0/groups/5f4d3c2b1a0987654321fedc/integrations?pageNum=2&itemsPerPage=500");
    BOOST_TEST(projects_page_path(flavor::cloud_manager, "", 1, 100) ==
               "/api/public/v1.0/groups?pageNum=1&itemsPerPage=100");
    BOOST_TEST(projects_page_path(flavor::atlas, "aaaaaaaaaaaaaaaaaaaaaaaa", 3, 10) ==
               "/api/atlas/v2/orgs/aaaaaaaaaaaaaaaaaaaaaaaa/groups?pageNum=3&itemsPerPage=10");
    BOOST_TEST(media_type(flavor::atlas) == "application/vnd.atlas.2023-01-01+json");
    BOOST_TEST(media_type(flavor::cloud_manager) == "application/json");
}

BOOST_AUTO_TEST_CASE(segments_are_percent_encoded) {
    BOOST_TEST(encode_segment("abc-DEF_1.2~") == "abc-DEF_1.2~");
    BOOST_TEST(encode_segment("../x y/%") == "..%2Fx%20y%2F%25");
    BOOST_TEST(integration_path(flavor::cloud_manager, "a/b", "T?x") ==
               "/api/public/v1.0/groups/a%2Fb/integrations/T%3Fx");
}

BOOST_AUTO_TEST_CASE(url_parsing) {
    std::string msg, path;
    auto a = parse_url("http://127.0.0.1:8080", msg, &path);
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(!a->tls);
    BOOST_TEST(a->host == "127.0.0.1");
    BOOST_TEST(a->port == "8080");
    BOOST_TEST(a->host_header == "127.0.0.1:8080");
    BOOST_TEST(path.empty());

    auto b = parse_url("https://cloud.mongodb.com/api/oauth/token", msg, &path);
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(b->tls);
    BOOST_TEST(b->port == "443");
    BOOST_TEST(b->host_header == "cloud.mongodb.com");
    BOOST_TEST(path == "/api/oauth/token");

    auto c = parse_url("http://[::1]:9000/", msg);
    BOOST_REQUIRE(c.has_value());
    BOOST_TEST(c->host == "::1");
    BOOST_TEST(c->host_header == "[::1]:9000");

    for (const char* bad :
         {"ftp://x", "cloud.mongodb.com", "http://user:pw@host", "http://", "", "http://host:0"}) {
        BOOST_TEST_CONTEXT("url: " << bad) {
            msg.clear();
            BOOST_TEST(!parse_url(bad, msg).has_value());
            BOOST_TEST(!msg.empty());
            BOOST_TEST(msg.find("pw") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(loopback_hosts) {
    BOOST_TEST(is_loopback_host("127.0.0.1"));
    BOOST_TEST(is_loopback_host("127.8.9.1"));
    BOOST_TEST(is_loopback_host("localhost"));
    BOOST_TEST(is_loopback_host("::1"));
    BOOST_TEST(is_loopback_host("[::1]"));
    BOOST_TEST(!is_loopback_host("cloud.mongodb.com"));
    BOOST_TEST(!is_loopback_host("10.0.0.1"));
    BOOST_TEST(!is_loopback_host("localhost.evil.com"));
}

BOOST_AUTO_TEST_CASE(config_check_messages_hold_no_secret) {
    api_config cfg;
    cfg.base_url = "http://127.0.0.1:1";
    std::string msg;
    BOOST_TEST(!api_client::check(cfg, msg));  // no credentials
    cfg.creds.public_key = "pub";
    cfg.creds.private_key = "TOPSECRET-private";
    msg.clear();
    BOOST_TEST(static_cast<bool>(api_client::check(cfg, msg)));
    // A path that is not a documented base (test_base_url covers the documented ones).
    cfg.base_url = "http://127.0.0.1:1/api/public/v2";
    BOOST_TEST(!api_client::check(cfg, msg));
    BOOST_TEST(msg.find("TOPSECRET") == std::string::npos);
    cfg.base_url = "https://127.0.0.1:1";
    cfg.cacert = "/nonexistent/ca.pem";
    BOOST_TEST(!api_client::check(cfg, msg));
    BOOST_TEST(msg.find("ca.pem") != std::string::npos);
    BOOST_TEST(msg.find("TOPSECRET") == std::string::npos);
    cfg.cacert.clear();
    cfg.creds.client_id = "id";
    BOOST_TEST(!api_client::check(cfg, msg));  // half a service account, and both kinds
    cfg.creds = {};
    cfg.creds.client_id = "id";
    cfg.creds.client_secret = "TOPSECRET-client";
    cfg.token_url = "notaurl";
    BOOST_TEST(!api_client::check(cfg, msg));
    BOOST_TEST(msg.find("TOPSECRET") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
