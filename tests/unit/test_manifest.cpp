// Unit tests for reading manifests: the format by extension, CSV (RFC 4180 and its edge cases),
// JSON arrays, JSON Lines, and secret references. Overrides, validation with exact error texts,
// the samples, Excel habits and error codes are in test_manifest_rules.cpp.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>

#include "manifest_support.hpp"

using namespace cmbulk;
using namespace manifest_test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(manifest_formats)

BOOST_AUTO_TEST_CASE(format_by_extension) {
    BOOST_TEST((format_from_path("a/b.csv") == manifest_format::csv));
    BOOST_TEST((format_from_path("B.CSV") == manifest_format::csv));
    BOOST_TEST((format_from_path("x.json") == manifest_format::json));
    BOOST_TEST((format_from_path("x.jsonl") == manifest_format::jsonl));
    BOOST_TEST((format_from_path("x.ndjson") == manifest_format::jsonl));
    BOOST_TEST(!format_from_path("x.txt").has_value());
    BOOST_TEST(!format_from_path("noext").has_value());
    BOOST_TEST((parse_action("delete") == row_action::del));
    BOOST_TEST(!parse_action("Delete").has_value());
    BOOST_TEST(to_string(row_action::upsert) == "upsert");
    BOOST_TEST(to_string(manifest_error{"m.csv", 3, "apiToken", "x"}) == "m.csv:3: apiToken: x");
    BOOST_TEST(to_string(manifest_error{"m.csv", 3, "", "x"}) == "m.csv:3: x");
    BOOST_TEST(to_string(manifest_error{"--set", 0, "url", "x"}) == "--set: url: x");
}

BOOST_AUTO_TEST_CASE(unknown_format_and_missing_file) {
    test::temp_dir dir;
    auto c = validate_text(dir, "m.txt", slack_header, opts_with_env());
    BOOST_REQUIRE(c.errors.size() == 1u);
    BOOST_TEST(c.errors[0].find("unknown manifest format") != std::string::npos);
    auto o = opts_with_env();
    o.format = manifest_format::csv;  // --format wins over the extension
    c = validate_text(dir, "m.txt", slack_header + id1 + ",SLACK,t0k3n,team\n", o);
    BOOST_TEST(c.summary.ok(), joined(c));
    auto s = validate_manifest(dir / "absent.csv", opts_with_env());
    BOOST_REQUIRE(s.errors.size() == 1u);
    BOOST_TEST(s.errors[0].message.find("cannot open") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_csv)

BOOST_AUTO_TEST_CASE(reads_typed_rows) {
    test::temp_dir dir;
    test::write_file(dir / "m.csv",
                     "projectId,type,action,username,password,serviceDiscovery,enabled,scheme\n" +
                         id1 + ",PROMETHEUS,,u,p,http,TRUE,\n" + id2 + ",PROMETHEUS,delete,,,,,\n");
    std::vector<manifest_error> fe;
    auto rows = read_all(dir / "m.csv", opts_with_env(), &fe);
    BOOST_TEST(fe.empty());
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].ok());
    BOOST_TEST(rows[0].row.line == 2u);
    BOOST_TEST(rows[0].row.index == 0u);
    BOOST_TEST(rows[0].row.project_id == id1);
    BOOST_TEST(rows[0].row.type == "PROMETHEUS");
    BOOST_TEST((rows[0].row.action == row_action::none));
    BOOST_TEST(rows[0].row.fields.size() == 4u);  // the empty scheme cell is absent
    BOOST_TEST(rows[0].row.fields.at("enabled").is_bool());
    BOOST_TEST(rows[0].row.fields.at("enabled").get_bool() == true);
    BOOST_TEST(rows[0].row.fields.at("password").get_string() == "p");
    BOOST_TEST(!rows[0].row.fields.contains("type"));
    BOOST_TEST(!rows[0].row.fields.contains("projectId"));
    // A delete row needs no fields.
    BOOST_TEST(rows[1].ok());
    BOOST_TEST((rows[1].row.action == row_action::del));
    BOOST_TEST(rows[1].row.index == 1u);
    BOOST_TEST(rows[1].row.fields.empty());
}

BOOST_AUTO_TEST_CASE(rfc4180_quoting_crlf_and_bom) {
    test::temp_dir dir;
    std::string content = "\xEF\xBB\xBFprojectId,type,apiToken,teamName\r\n" + id1 +
                          ",SLACK,\"tok,en\",\"a \"\"quoted\"\" team\"\r\n" + id2 +
                          ",SLACK,tok2,\"multi\r\nline\nteam\"\r\n" + id3 + ",\"SLACK\",tok3,t3";
    test::write_file(dir / "m.csv", content);
    std::vector<manifest_error> fe;
    auto rows = read_all(dir / "m.csv", opts_with_env(), &fe);
    BOOST_TEST(fe.empty());
    BOOST_REQUIRE(rows.size() == 3u);
    for (auto& r : rows) BOOST_TEST(r.ok());
    BOOST_TEST(rows[0].row.fields.at("apiToken").get_string() == "tok,en");
    BOOST_TEST(rows[0].row.fields.at("teamName").get_string() == "a \"quoted\" team");
    BOOST_TEST(rows[1].row.line == 3u);
    BOOST_TEST(rows[1].row.fields.at("teamName").get_string() == "multi\r\nline\nteam");
    BOOST_TEST(rows[2].row.line == 6u);  // the quoted cell spanned lines 3 to 5
    BOOST_TEST(rows[2].row.type == "SLACK");
}

BOOST_AUTO_TEST_CASE(blank_lines_and_comma_only_rows_are_skipped) {
    test::temp_dir dir;
    auto c = validate_text(
        dir, "m.csv",
        slack_header + "\n" + id1 + ",SLACK,t,team\n\n,,,\r\n" + id2 + ",SLACK,t,team\n\n",
        opts_with_env());
    BOOST_TEST(c.summary.ok(), joined(c));
    BOOST_TEST(c.summary.rows == 2u);
}

BOOST_AUTO_TEST_CASE(header_errors) {
    test::temp_dir dir;
    struct tcase {
        std::string header;
        std::string expected;
    };
    std::vector<tcase> cases{
        {"projectId,type,apiTokn,teamName\n",
         "m.csv:1: apiTokn: unknown column; did you mean \"apiToken\"?"},
        {"projectId,type,apiToken,teamName,type\n",
         "m.csv:1: type: duplicate column (first is column 2)"},
        {"projectId,type,apiToken,,teamName\n", "m.csv:1: column 4 has an empty name"},
        {"projectId,type,apiToken,teamName,zzzzzzzz\n", "m.csv:1: zzzzzzzz: unknown column"},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.header) {
            auto c = validate_text(dir, "m.csv", tc.header, opts_with_env());
            BOOST_REQUIRE(!c.errors.empty());
            BOOST_TEST(c.errors[0] == tc.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(row_syntax_errors) {
    test::temp_dir dir;
    struct tcase {
        std::string name;
        std::string rows;
        std::string expected;
    };
    std::string nul("x\0y", 3);
    std::vector<tcase> cases{
        {"too many cells", id1 + ",SLACK,t,team,extra\n",
         "m.csv:2: row has 5 cells, the header has 4"},
        {"too few cells", id1 + ",SLACK,t\n", "m.csv:2: row has 3 cells, the header has 4"},
        {"stray quote", id1 + ",SLACK,t,te\"am\n",
         "m.csv:2: teamName: stray quote in an unquoted field (quote the whole field and double "
         "the quote)"},
        {"text after closing quote", id1 + ",SLACK,t,\"team\"x\n",
         "m.csv:2: teamName: character after a closing quote (double a quote inside a quoted "
         "field)"},
        {"nul byte", id1 + ",SLACK,t," + nul + "\n", "m.csv:2: teamName: NUL byte"},
        {"invalid utf-8", id1 + ",SLACK,t,te\xC3(am\n", "m.csv:2: teamName: invalid UTF-8"},
        {"overlong utf-8", id1 + ",SLACK,t,\xC0\xAF\n", "m.csv:2: teamName: invalid UTF-8"},
        {"bom in the middle", id1 + ",SLACK,t,\xEF\xBB\xBFteam\n",
         "m.csv:2: teamName: byte-order mark (U+FEFF) in the middle of the file"},
        {"unterminated quote", id1 + ",SLACK,t,team\n" + id2 + ",SLACK,\"t,team\n",
         "m.csv:3: apiToken: unterminated quoted field (it opens on this line and the file ends "
         "inside it)"},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            auto c = validate_text(dir, "m.csv", slack_header + tc.rows, opts_with_env());
            BOOST_REQUIRE(!c.errors.empty());
            BOOST_TEST(c.errors[0] == tc.expected);
            BOOST_TEST(!c.summary.ok());
        }
    }
}

BOOST_AUTO_TEST_CASE(reading_goes_on_after_a_bad_row) {
    test::temp_dir dir;
    auto c = validate_text(
        dir, "m.csv",
        slack_header + id1 + ",SLACK,t\n" + id2 + ",SLACK,t,team\n" + id3 + ",SLACK,t,team,x\n",
        opts_with_env());
    BOOST_TEST(c.summary.rows == 3u);
    BOOST_TEST(c.summary.invalid_rows == 2u);
    BOOST_REQUIRE(c.errors.size() == 2u);
    BOOST_TEST(c.errors[0] == "m.csv:2: row has 3 cells, the header has 4");
    BOOST_TEST(c.errors[1] == "m.csv:4: row has 5 cells, the header has 4");
    BOOST_TEST(c.summary.file_error_count == 0u);  // row errors: --skip-invalid may run the rest
    c = validate_text(dir, "m.csv", slack_header + id1 + ",SLACK,t,team\n" + id2 + ",SLACK,\"t\n",
                      opts_with_env());
    BOOST_TEST(c.summary.rows == 1u);
    BOOST_TEST(c.summary.file_error_count == 1u);  // the unterminated quote stops reading
}

BOOST_AUTO_TEST_CASE(oversized_cell_and_too_many_columns) {
    test::temp_dir dir;
    std::string big((1 << 20) + 10, 'a');
    auto c = validate_text(dir, "m.csv",
                           slack_header + id1 + ",SLACK,t," + big + "\n" + id2 + ",SLACK,t,team\n",
                           opts_with_env());
    BOOST_REQUIRE(!c.errors.empty());
    BOOST_TEST(c.errors[0] == "m.csv:2: teamName: cell longer than 1 MiB");
    BOOST_TEST(c.summary.rows == 2u);
    BOOST_TEST(c.summary.invalid_rows == 1u);

    std::string wide = id1 + ",SLACK,t,team";
    for (int i = 0; i < 10'000; ++i) wide += ",";
    c = validate_text(dir, "m.csv", slack_header + wide + "\n", opts_with_env());
    BOOST_REQUIRE(!c.errors.empty());
    BOOST_TEST(c.errors[0] == "m.csv:2: row has more than 10000 cells");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_json)

BOOST_AUTO_TEST_CASE(reads_an_array_of_objects) {
    test::temp_dir dir;
    test::write_file(
        dir / "m.json",
        "[\n  {\"projectId\": \"" + id1 +
            "\", \"type\": \"SLACK\",\n   \"apiToken\": \"t\", \"teamName\": \"a\\\"b, ]}\"},\n"
            "  {\"projectId\": \"" +
            id2 +
            "\", \"type\": \"PROMETHEUS\", \"username\": \"u\", \"password\": \"p\",\n"
            "   \"serviceDiscovery\": \"file\", \"enabled\": false, \"scheme\": null}\n]\n");
    std::vector<manifest_error> fe;
    auto rows = read_all(dir / "m.json", opts_with_env(), &fe);
    BOOST_TEST(fe.empty());
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].ok());
    BOOST_TEST(rows[0].row.line == 2u);
    BOOST_TEST(rows[0].row.fields.at("teamName").get_string() == "a\"b, ]}");
    BOOST_TEST(rows[1].ok());
    BOOST_TEST(rows[1].row.line == 4u);
    BOOST_TEST(rows[1].row.fields.at("enabled").get_bool() == false);
    BOOST_TEST(!rows[1].row.fields.contains("scheme"));  // null means absent
}

BOOST_AUTO_TEST_CASE(booleans_as_strings_are_accepted) {
    test::temp_dir dir;
    auto row = "{\"projectId\":\"" + id1 +
               "\",\"type\":\"PROMETHEUS\",\"username\":\"u\",\"password\":\"p\","
               "\"serviceDiscovery\":\"http\",\"enabled\":";
    auto c = validate_text(dir, "m.json", "[" + row + "\"true\"}]", opts_with_env());
    BOOST_TEST(c.summary.ok(), joined(c));
    c = validate_text(dir, "m.json", "[" + row + "\"yes\"}]", opts_with_env());
    BOOST_REQUIRE(c.errors.size() == 1u);
    BOOST_TEST(c.errors[0] == "m.json:1: enabled: invalid boolean \"yes\": expected true or false");
    c = validate_text(dir, "m.json", "[" + row + "1}]", opts_with_env());
    BOOST_REQUIRE(c.errors.size() == 1u);
    BOOST_TEST(c.errors[0] == "m.json:1: enabled: expected a boolean, got a number");
}

BOOST_AUTO_TEST_CASE(syntax_errors) {
    test::temp_dir dir;
    auto good =
        "{\"projectId\":\"" + id1 + "\",\"type\":\"SLACK\",\"apiToken\":\"t\",\"teamName\":\"x\"}";
    auto good2 =
        "{\"projectId\":\"" + id2 + "\",\"type\":\"SLACK\",\"apiToken\":\"t\",\"teamName\":\"x\"}";
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "{\"a\":";
    deep += "1";
    for (int i = 0; i < 40; ++i) deep += "}";
    struct tcase {
        std::string name;
        std::string content;
        std::string expected;
    };
    std::vector<tcase> cases{
        {"not an array", good, "m.json:1: a JSON manifest must be an array of objects"},
        {"trailing garbage", "[" + good + "]\n x",
         "m.json:2: unexpected data after the closing ']'"},
        {"element not an object", "[\n" + good + ",\n\"str\"]",
         "m.json:3: expected an object, got string"},
        {"too deep", "[" + deep + "]", "m.json:1: nesting deeper than 32 levels"},
        {"number for a string",
         "[{\"projectId\":\"" + id1 + "\",\"type\":\"SLACK\",\"apiToken\":42,\"teamName\":\"x\"}]",
         "m.json:1: apiToken: expected a string, got a number"},
        {"number for projectId", "[{\"projectId\":5,\"type\":\"SLACK\"}]",
         "m.json:1: projectId: expected a string, got a number"},
        {"trailing comma", "[" + good + ",\n]", "m.json:2: trailing comma before ']'"},
        {"unterminated", "[" + good + ",\n" + good2,
         "m.json:2: unexpected end of file: the array is not closed"},
        {"unterminated element", "[\n{\"projectId\":\"x",
         "m.json:2: unexpected end of file inside the element that starts on line 2"},
        {"missing comma", "[" + good + "\n" + good2 + "]",
         "m.json:2: expected ',' or ']' after an element"},
        {"bad element json", "[\n{\"projectId\" \"x\"}]", "m.json:2: invalid JSON: "},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            auto c = validate_text(dir, "m.json", tc.content, opts_with_env());
            BOOST_REQUIRE(!c.errors.empty());
            BOOST_TEST(c.errors[0].substr(0, tc.expected.size()) == tc.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_array_and_empty_file) {
    test::temp_dir dir;
    for (std::string content : {"[]", " [ \n ] \n", ""}) {
        BOOST_TEST_CONTEXT(content) {
            auto c = validate_text(dir, "m.json", content, opts_with_env());
            BOOST_REQUIRE(c.errors.size() == 1u);
            BOOST_TEST(c.errors[0] == "m.json:1: empty manifest: no rows");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_jsonl)

BOOST_AUTO_TEST_CASE(one_object_per_line_blank_lines_skipped) {
    test::temp_dir dir;
    auto line = [](const std::string& id) {
        return "{\"projectId\":\"" + id +
               "\",\"type\":\"SLACK\",\"apiToken\":\"t\",\"teamName\":\"x\"}";
    };
    test::write_file(dir / "m.ndjson",
                     line(id1) + "\r\n\n   \n" + line(id2) + "\n" + "[1]\n{bad\n" + line(id3));
    std::vector<manifest_error> fe;
    auto rows = read_all(dir / "m.ndjson", opts_with_env(), &fe);
    BOOST_TEST(fe.empty());
    BOOST_REQUIRE(rows.size() == 5u);
    BOOST_TEST(rows[0].ok());
    BOOST_TEST(rows[0].row.line == 1u);
    BOOST_TEST(rows[1].ok());
    BOOST_TEST(rows[1].row.line == 4u);
    BOOST_REQUIRE(rows[2].errors.size() == 1u);
    BOOST_TEST(to_string(rows[2].errors[0]).ends_with(":5: expected an object, got array"));
    BOOST_REQUIRE(rows[3].errors.size() == 1u);
    BOOST_TEST(rows[3].errors[0].line == 6u);
    BOOST_TEST(rows[3].errors[0].message.starts_with("invalid JSON: "));
    BOOST_TEST(rows[4].ok());
    BOOST_TEST(rows[4].row.line == 7u);
    BOOST_TEST(rows[4].row.index == 4u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_references)

BOOST_AUTO_TEST_CASE(env_file_and_literal) {
    test::temp_dir dir;
    fs::create_directory(dir / "secrets");
    test::write_file(dir / "secrets" / "tok.txt", "xoxb-from-file\n");
    test::write_file(dir / "secrets" / "crlf.txt", "crlf-token\r\n\n");
    auto o = opts_with_env({{"SLACK_TOKEN", "xoxb-from-env"}});
    test::write_file(dir / "m.csv", slack_header + id1 + ",SLACK,${env:SLACK_TOKEN},team\n" + id2 +
                                        ",SLACK,${file:secrets/tok.txt},$${not a ref}\n" + id3 +
                                        ",SLACK,${file:" + (dir / "secrets" / "crlf.txt").string() +
                                        "},a$$b\n");
    std::vector<manifest_error> fe;
    auto rows = read_all(dir / "m.csv", o, &fe);
    BOOST_TEST(fe.empty());
    BOOST_REQUIRE(rows.size() == 3u);
    for (auto& r : rows) BOOST_TEST(r.ok());
    BOOST_TEST(rows[0].row.fields.at("apiToken").get_string() == "xoxb-from-env");
    BOOST_TEST(rows[1].row.fields.at("apiToken").get_string() == "xoxb-from-file");
    BOOST_TEST(rows[1].row.fields.at("teamName").get_string() == "${not a ref}");
    // Only one trailing newline goes: "crlf-token\r\n\n" keeps "crlf-token\r\n".
    BOOST_TEST(rows[2].row.fields.at("apiToken").get_string() == "crlf-token\r\n");
    BOOST_TEST(rows[2].row.fields.at("teamName").get_string() == "a$$b");
}

BOOST_AUTO_TEST_CASE(unresolvable_references) {
    test::temp_dir dir;
    test::write_file(dir / "empty.txt", "\n");
    auto o = opts_with_env({{"EMPTY", ""}});
    struct tcase {
        std::string value;
        std::string expected;
    };
    std::vector<tcase> cases{
        {"${env:MISSING_VAR}", "m.csv:2: apiToken: environment variable MISSING_VAR is not set"},
        {"${env:BAD-NAME}",
         "m.csv:2: apiToken: invalid environment variable name in ${env:BAD-NAME}"},
        {"${env:EMPTY}", "m.csv:2: apiToken: the reference resolved to an empty value"},
        {"${file:nope.txt}", "m.csv:2: apiToken: cannot read ${file:nope.txt}: no such file"},
        {"${file:empty.txt}", "m.csv:2: apiToken: the reference resolved to an empty value"},
        {"${file:}", "m.csv:2: apiToken: empty path in ${file:}"},
        {"pre${env:X}",
         "m.csv:2: apiToken: a reference must be the whole value, ${env:NAME} or "
         "${file:PATH} (write $${ for a literal ${)"},
        {"${ENV:X}",
         "m.csv:2: apiToken: a reference must be the whole value, ${env:NAME} or "
         "${file:PATH} (write $${ for a literal ${)"},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.value) {
            auto c = validate_text(dir, "m.csv",
                                   slack_header + id1 + ",SLACK," + tc.value + ",team\n", o);
            BOOST_REQUIRE(c.errors.size() == 1u);
            BOOST_TEST(c.errors[0] == tc.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_messages) {
    test::temp_dir dir;
    const std::string secret = "SUPERSECRET-****-1234";
    auto o = opts_with_env({{"REGION", "SECRET-REGION-VALUE"}});
    auto c = validate_text(
        dir, "m.csv",
        "projectId,type,apiKey,region\n" + id1 + ",OPS_GENIE," + secret + ",${env:REGION}\n", o);
    BOOST_REQUIRE(c.errors.size() == 2u);
    BOOST_TEST(c.errors[0] ==
               "m.csv:2: apiKey: invalid value: it looks masked (contains \"****\"); give the "
               "real secret, not the API's masked form");
    BOOST_TEST(c.errors[1] == "m.csv:2: region: invalid value: expected one of US, EU");
    for (auto& e : c.errors) {
        BOOST_TEST(e.find("SUPERSECRET") == std::string::npos);
        BOOST_TEST(e.find("SECRET-REGION") == std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
