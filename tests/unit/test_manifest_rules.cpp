// Unit tests for the manifest rules: --type / --set, every validation error with its exact
// `file:line: field: message` text, the error cap, empty manifests, the SHA-256, the samples in
// samples/, Excel's CSV habits and the error codes. Reading the formats: test_manifest.cpp.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>

#include "manifest_support.hpp"

using namespace cmbulk;
using namespace manifest_test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(manifest_overrides)

BOOST_AUTO_TEST_CASE(type_fills_and_set_overrides) {
    test::temp_dir dir;
    test::write_file(dir / "m.csv",
                     "projectId,teamName,apiToken\n" + id1 + ",team1,old\n" + id2 + ",team2,\n");
    auto o = opts_with_env({{"NEW_TOKEN", "xoxb-new"}});
    o.type = "SLACK";
    o.set_fields = {{"apiToken", "${env:NEW_TOKEN}"}};
    std::vector<manifest_error> fe;
    auto rows = read_all(dir / "m.csv", o, &fe);
    BOOST_TEST(fe.empty());
    BOOST_REQUIRE(rows.size() == 2u);
    for (auto& r : rows) {
        BOOST_TEST(r.ok());
        BOOST_TEST(r.row.type == "SLACK");
        BOOST_TEST(r.row.fields.at("apiToken").get_string() == "xoxb-new");
    }
    BOOST_TEST(rows[1].row.fields.at("teamName").get_string() == "team2");
}

BOOST_AUTO_TEST_CASE(override_errors) {
    test::temp_dir dir;
    struct tcase {
        std::string name;
        std::string type;
        std::vector<std::pair<std::string, std::string>> sets;
        std::string expected;
    };
    std::vector<tcase> cases{
        {"type differs",
         "PAGER_DUTY",
         {},
         "m.csv:2: type: type \"SLACK\" differs from --type PAGER_DUTY"},
        {"unknown --type", "SLAK", {}, "--type: unknown type \"SLAK\"; did you mean \"SLACK\"?"},
        {"set projectId",
         "",
         {{"projectId", id2}},
         "--set: projectId: cannot be set with --set (use a column, --type or --action)"},
        {"set unknown",
         "",
         {{"apiTokn", "x"}},
         "--set: apiTokn: unknown field; did you mean \"apiToken\"?"},
        {"set unresolvable",
         "",
         {{"apiToken", "${env:NOPE}"}},
         "--set: apiToken: environment variable NOPE is not set"},
        {"set field of another type",
         "",
         {{"serviceKey", "k"}},
         "m.csv:2: serviceKey: unknown field for type SLACK (from --set)"},
        {"set bad enum", "", {{"teamName", "t"}, {"channelName", "c"}}, ""},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            auto o = opts_with_env();
            o.type = tc.type;
            o.set_fields = tc.sets;
            auto c = validate_text(dir, "m.csv", slack_header + id1 + ",SLACK,t,team\n", o);
            if (tc.expected.empty()) {
                BOOST_TEST(c.summary.ok(), joined(c));
            } else {
                BOOST_REQUIRE(!c.errors.empty());
                BOOST_TEST(c.errors[0] == tc.expected);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(set_values_are_checked_per_type) {
    test::temp_dir dir;
    auto o = opts_with_env();
    o.set_fields = {{"region", "XX"}};
    auto c =
        validate_text(dir, "m.csv", "projectId,type,serviceKey\n" + id1 + ",PAGER_DUTY,k\n", o);
    BOOST_REQUIRE(c.errors.size() == 1u);
    BOOST_TEST(c.errors[0] ==
               "m.csv:2: region: invalid value \"XX\": expected one of US, EU (from --set)");
    o.set_fields = {{"region", "eu"}};
    c = validate_text(dir, "m.csv", "projectId,type,serviceKey\n" + id1 + ",PAGER_DUTY,k\n", o);
    BOOST_REQUIRE(c.errors.size() == 1u);
    BOOST_TEST(c.errors[0] ==
               "m.csv:2: region: invalid value \"eu\": expected one of US, EU (from "
               "--set); did you mean \"EU\"?");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_validation)

BOOST_AUTO_TEST_CASE(row_errors_with_exact_text) {
    test::temp_dir dir;
    struct tcase {
        std::string name;
        std::string content;
        std::vector<std::string> expected;
        flavor fl = flavor::cloud_manager;
    };
    std::vector<tcase> cases{
        {"bad id",
         slack_header + "5F00000000000000000000XX,SLACK,t,team\n",
         {"m.csv:2: projectId: invalid project id \"5F00000000000000000000XX\": expected 24 "
          "lowercase hexadecimal characters"}},
        {"missing id",
         slack_header + ",SLACK,t,team\n",
         {"m.csv:2: projectId: missing (required)"}},
        {"unknown type",
         slack_header + id1 + ",SLAK,t,team\n",
         {"m.csv:2: type: unknown type \"SLAK\"; did you mean \"SLACK\"?"}},
        {"missing type",
         "projectId,apiToken\n" + id1 + ",t\n",
         {"m.csv:2: type: missing (give a type column or --type)"}},
        {"missing required (Cloud Manager)",
         "projectId,type,apiToken,channelName\n" + id1 + ",SLACK,t,#c\n",
         {"m.csv:2: teamName: missing required field"}},
        {"missing required (Atlas)",
         slack_header + id1 + ",SLACK,t,team\n",
         {"m.csv:2: channelName: missing required field (Atlas)"},
         flavor::atlas},
        {"field of another type",
         "projectId,type,apiToken,teamName,serviceKey\n" + id1 + ",SLACK,t,team,k\n",
         {"m.csv:2: serviceKey: unknown field; it is not a field of SLACK"}},
        {"unknown json key with hint",
         "[{\"projectId\":\"" + id1 +
             "\",\"type\":\"SLACK\",\"apiToken\":\"t\",\"teamName\":\"x\",\"chanelName\":\"c\"}]",
         {"m.json:1: chanelName: unknown field; did you mean \"channelName\"?"}},
        {"bad action",
         "projectId,type,action,apiToken,teamName\n" + id1 + ",SLACK,remove,t,team\n",
         {"m.csv:2: action: unknown action \"remove\": expected create, update, upsert or delete"}},
        {"bad enum with hint",
         "projectId,type,serviceKey,region\n" + id1 + ",PAGER_DUTY,k,eu\n",
         {"m.csv:2: region: invalid value \"eu\": expected one of US, EU; did you mean \"EU\"?"}},
        {"bad boolean",
         "projectId,type,username,password,serviceDiscovery,enabled\n" + id1 +
             ",PROMETHEUS,u,p,http,yes\n",
         {"m.csv:2: enabled: invalid boolean \"yes\": expected true or false"}},
        {"secret enum-like value not echoed",
         "projectId,type,url,secret\n" + id1 + ",WEBHOOK,https://h/x,abc****def\n",
         {"m.csv:2: secret: invalid value: it looks masked (contains \"****\"); give the real "
          "secret, not the API's masked form"}},
        {"duplicate",
         slack_header + id1 + ",SLACK,t,team\n" + id2 + ",SLACK,t,team\n" + id1 + ",SLACK,u,team\n",
         {"m.csv:4: projectId: duplicate row for project " + id1 +
          " and type SLACK (first on line 2)"}},
        {"header only", slack_header, {"m.csv:1: empty manifest: no rows"}},
        {"empty file", "", {"m.csv:1: empty manifest: no rows"}},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            auto o = opts_with_env();
            o.target_flavor = tc.fl;
            auto name = tc.content.starts_with("[") ? "m.json" : "m.csv";
            auto c = validate_text(dir, name, tc.content, o);
            BOOST_TEST(c.errors == tc.expected, boost::test_tools::per_element());
            BOOST_TEST(c.summary.error_count == tc.expected.size());
        }
    }
}

BOOST_AUTO_TEST_CASE(same_project_different_types_is_not_a_duplicate) {
    test::temp_dir dir;
    auto c = validate_text(dir, "m.csv",
                           "projectId,type,apiToken,teamName,serviceKey\n" + id1 +
                               ",SLACK,t,team,\n" + id1 + ",PAGER_DUTY,,,k\n",
                           opts_with_env());
    BOOST_TEST(c.summary.ok(), joined(c));
    auto o = opts_with_env();
    o.check_duplicates = false;
    c = validate_text(dir, "m.csv",
                      slack_header + id1 + ",SLACK,t,team\n" + id1 + ",SLACK,t,team\n", o);
    BOOST_TEST(c.summary.ok(), joined(c));
}

BOOST_AUTO_TEST_CASE(delete_action_needs_no_fields) {
    test::temp_dir dir;
    auto o = opts_with_env();
    o.default_action = row_action::del;
    auto c = validate_text(dir, "m.csv", "projectId,type\n" + id1 + ",SLACK\n", o);
    BOOST_TEST(c.summary.ok(), joined(c));
    o.default_action = row_action::update;
    c = validate_text(dir, "m.csv", "projectId,type\n" + id1 + ",SLACK\n", o);
    BOOST_TEST(c.summary.error_count == 2u);  // apiToken and teamName
}

BOOST_AUTO_TEST_CASE(error_cap_counts_everything) {
    test::temp_dir dir;
    std::string content = slack_header;
    for (int i = 0; i < 50; ++i) content += "bad" + std::to_string(i) + ",SLACK,t,team\n";
    auto o = opts_with_env();
    o.max_errors = 7;
    auto c = validate_text(dir, "m.csv", content, o);
    BOOST_TEST(c.errors.size() == 7u);
    BOOST_TEST(c.summary.error_count == 50u);
    BOOST_TEST(c.summary.invalid_rows == 50u);
    BOOST_TEST(c.summary.rows == 50u);
    BOOST_TEST(c.errors[6].starts_with("m.csv:8: projectId: invalid project id \"bad6\""));
}

BOOST_AUTO_TEST_CASE(sha256_of_the_file_bytes) {
    test::temp_dir dir;
    auto c = validate_text(
        dir, "m.csv",
        "projectId,type,apiToken,teamName\n5f0000000000000000000001,SLACK,xoxb-1,team\n",
        opts_with_env());
    BOOST_TEST(c.summary.ok(), joined(c));
    BOOST_TEST(c.summary.sha256 ==
               "d98ab0488c0b492c126be0266eac52827438aad15a195a4f2cee62c14b6abd70");
    // The hash covers the whole file even when reading stops early.
    auto d = validate_text(dir, "m.json", "[1] x", opts_with_env());
    BOOST_TEST(d.summary.sha256.size() == 64u);
    auto e = validate_text(dir, "m.json", "[1] y", opts_with_env());
    BOOST_TEST(d.summary.sha256 != e.summary.sha256);
}

BOOST_AUTO_TEST_CASE(large_manifest_streams_quickly) {
    test::temp_dir dir;
    {
        std::string chunk;
        std::FILE* f = std::fopen((dir / "big.csv").c_str(), "wb");
        BOOST_REQUIRE(f);
        std::string header = slack_header;
        std::fwrite(header.data(), 1, header.size(), f);
        char id[32];
        for (int i = 0; i < 200'000; ++i) {
            std::snprintf(id, sizeof id, "5f%022x", i);
            chunk += id;
            chunk += ",SLACK,${env:TOKEN},team\n";
            if (chunk.size() > 60000) {
                std::fwrite(chunk.data(), 1, chunk.size(), f);
                chunk.clear();
            }
        }
        std::fwrite(chunk.data(), 1, chunk.size(), f);
        std::fclose(f);
    }
    auto start = std::chrono::steady_clock::now();
    auto o = opts_with_env({{"TOKEN", "xoxb-big"}});
    auto s = validate_manifest(dir / "big.csv", o);
    auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(s.ok());
    BOOST_TEST(s.rows == 200'000u);
    BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(took).count() < 30);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_samples)

// Every manifest in samples/ must validate (references resolve to stand-in values here).
BOOST_AUTO_TEST_CASE(every_sample_validates) {
    auto dir = test::source_dir() / "samples";
    std::size_t seen = 0;
    for (auto& entry : fs::directory_iterator(dir)) {
        auto p = entry.path();
        auto fmt = format_from_path(p);
        if (!fmt || p.filename() == "sim-seed.json") continue;
        if (p.filename().string().find("seed") != std::string::npos) continue;
        if (*fmt == manifest_format::json) {
            // A JSON file that is not an array (a seed, a config) is not a manifest.
            auto text = test::read_file(p);
            auto first = text.find_first_not_of(" \t\r\n");
            if (first == std::string::npos || text[first] != '[') continue;
        }
        BOOST_TEST_CONTEXT(p.filename()) {
            manifest_options o;
            o.getenv = [](std::string_view n) -> std::optional<std::string> {
                return "stand-in-" + std::string(n);
            };
            // The Datadog and Microsoft Teams samples are for the sample seed's Atlas org
            // (samples/README.md): Cloud Manager offers neither type.
            bool atlas = p.filename() == "datadog.csv" || p.filename() == "microsoft_teams.csv";
            o.target_flavor = atlas ? flavor::atlas : flavor::cloud_manager;
            auto s = validate_manifest(p, o);
            std::string all;
            for (auto& e : s.errors) all += to_string(e) + "\n";
            BOOST_TEST(s.ok(), all);
            BOOST_TEST(s.rows > 0u);
            if (atlas) {
                o.target_flavor = flavor::cloud_manager;
                BOOST_TEST(validate_manifest(p, o).invalid_rows == s.rows);
            }
            ++seen;
        }
    }
    BOOST_TEST(seen >= all_types().size());
}

BOOST_AUTO_TEST_CASE(csv_runs_across_read_buffer_boundaries) {
    // The CSV reader copies runs of plain bytes straight from its 64 KiB read buffer. 4,000 rows
    // of varying width put every kind of cell (plain, quoted with a comma, a doubled quote and a
    // CRLF inside) across buffer boundaries; every value and every line number must come back.
    test::temp_dir dir;
    auto p = dir / "wide.csv";
    std::string text = "projectId,type,apiToken,teamName,channelName\r\n";
    std::vector<std::uint64_t> lines;
    std::uint64_t line = 2;
    auto id = [](std::size_t i) {
        std::string h = std::to_string(i);
        return std::string(24 - h.size(), '0') + h;
    };
    auto token = [](std::size_t i) {
        return "xoxb-" + std::string(1 + i % 97, char('a' + i % 26));
    };
    for (std::size_t i = 0; i < 4000; ++i) {
        lines.push_back(line);
        text += id(i) + ",SLACK," + token(i) + ",";
        if (i % 3 == 0) {
            text += "\"team, \"\"" + std::to_string(i) + "\"\"\r\nsecond line\"";
            ++line;
        } else {
            text += "team-" + std::to_string(i);
        }
        text += ",#c" + std::to_string(i) + "\r\n";
        ++line;
    }
    test::write_file(p, text);
    auto rows = read_all(p, opts_with_env());
    BOOST_REQUIRE_EQUAL(rows.size(), 4000u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        BOOST_TEST_CONTEXT("row " << i) {
            BOOST_TEST(r.errors.empty());
            BOOST_TEST(r.row.line == lines[i]);
            BOOST_TEST(r.row.project_id == id(i));
            BOOST_TEST(r.row.fields.at("apiToken").as_string() == token(i));
            std::string team = i % 3 == 0 ? "team, \"" + std::to_string(i) + "\"\r\nsecond line"
                                          : "team-" + std::to_string(i);
            BOOST_TEST(r.row.fields.at("teamName").as_string() == team);
            BOOST_TEST(r.row.fields.at("channelName").as_string() == "#c" + std::to_string(i));
        }
    }
}

BOOST_AUTO_TEST_CASE(check_only_reader_judges_the_same_and_keeps_no_values) {
    // validate_manifest reads in check-only mode: the same errors as a full read, no values kept.
    test::temp_dir dir;
    auto p = dir / "m.csv";
    test::write_file(p, "projectId,type,apiToken,teamName,channelName\n" + id1 +
                            ",SLACK,xoxb-1,team,#c\n" + id2 + ",SLACK,,team,#c\n" + id3 +
                            ",SLACK,xoxb-3,,\n");
    auto full = read_all(p, opts_with_env());
    auto r = manifest_reader::open(p, opts_with_env());
    r->check_only();
    std::vector<parsed_row> checked_rows;
    while (auto row = r->next()) checked_rows.push_back(std::move(*row));
    BOOST_REQUIRE_EQUAL(full.size(), 3u);
    BOOST_REQUIRE_EQUAL(checked_rows.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(checked_rows[i].errors.size() == full[i].errors.size());
        for (std::size_t k = 0; k < std::min(full[i].errors.size(), checked_rows[i].errors.size());
             ++k)
            BOOST_TEST(to_string(checked_rows[i].errors[k]) == to_string(full[i].errors[k]));
        BOOST_TEST(checked_rows[i].row.fields.empty());
        BOOST_TEST(checked_rows[i].row.project_id == full[i].row.project_id);
    }
    BOOST_TEST(full[0].errors.empty());
    BOOST_TEST(full[0].row.fields.size() == 3u);
    BOOST_TEST(full[1].errors.size() == 1u);  // apiToken missing (required)
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_csv_habits)

BOOST_AUTO_TEST_CASE(semicolon_delimiter_is_detected_or_given) {
    // Excel in many locales saves CSV with ';' (and values may then hold unquoted commas).
    test::temp_dir dir;
    auto content = "projectId;type;apiToken;teamName\r\n" + id1 + ";SLACK;xoxb-1;team, ops\r\n" +
                   id2 + ";SLACK;\"xoxb;2\";t2\r\n";
    test::write_file(dir / "m.csv", content);
    std::vector<manifest_error> fe;
    auto rows = read_all(dir / "m.csv", opts_with_env(), &fe);
    BOOST_TEST(fe.empty());
    BOOST_REQUIRE(rows.size() == 2u);
    for (auto& r : rows) BOOST_TEST(r.ok());
    BOOST_TEST(rows[0].row.fields.at("teamName").get_string() == "team, ops");
    BOOST_TEST(rows[1].row.fields.at("apiToken").get_string() == "xoxb;2");

    auto o = opts_with_env();
    o.delimiter = ';';
    BOOST_TEST(validate_text(dir, "m.csv", content, o).summary.ok());
    // Told ',' the whole header is one unknown column.
    o.delimiter = ',';
    auto c = validate_text(dir, "m.csv", content, o);
    BOOST_REQUIRE(!c.errors.empty());
    BOOST_TEST(c.errors[0].starts_with("m.csv:1: projectId;type;apiToken;teamName: unknown column"),
               joined(c));
    // A tab-separated file is detected too.
    o.delimiter.reset();
    c = validate_text(dir, "m.csv",
                      "projectId\ttype\tapiToken\tteamName\n" + id1 + "\tSLACK\tx\tt\n", o);
    BOOST_TEST(c.summary.ok(), joined(c));
}

BOOST_AUTO_TEST_CASE(spaces_around_header_names_are_trimmed_with_a_warning) {
    test::temp_dir dir;
    auto o = opts_with_env();
    std::vector<std::string> warned;
    o.warn = [&](const diagnostics& w) { warned.push_back(to_string(w)); };
    auto c = validate_text(
        dir, "m.csv", "projectId, type ,\tapiToken,teamName\n" + id1 + ",SLACK,xoxb-1,team\n", o);
    BOOST_TEST(c.summary.ok(), joined(c));
    auto p = (dir / "m.csv").string();
    std::vector<std::string> expected{
        p + ":1: type: column 2 is written \" type \": the spaces around the name are ignored",
        p + ":1: apiToken: column 3 is written \"\\x09apiToken\": the spaces around the name are "
            "ignored"};
    BOOST_TEST(warned == expected, boost::test_tools::per_element());
    BOOST_REQUIRE(c.summary.warnings.size() == 2u);  // also in the summary, for callers
    BOOST_TEST(c.summary.warnings[0].line == 1u);
    BOOST_TEST(c.summary.warnings[0].field == "type");
    // The reader keeps them too, and the row reads as if the header had no spaces.
    auto r = manifest_reader::open(dir / "m.csv", opts_with_env());
    auto row = r->next();
    BOOST_REQUIRE(row.has_value());
    BOOST_TEST(row->ok());
    BOOST_TEST(row->row.type == "SLACK");
    BOOST_TEST(row->row.fields.at("apiToken").get_string() == "xoxb-1");
    BOOST_TEST(r->warnings().size() == 2u);
    // A name of spaces only is an empty name, as before.
    c = validate_text(dir, "m.csv", "projectId,type,  ,apiToken\n", opts_with_env());
    BOOST_REQUIRE(!c.errors.empty());
    BOOST_TEST(c.errors[0] == "m.csv:1: column 3 has an empty name");
}

BOOST_AUTO_TEST_CASE(windows_1252_is_named_with_the_fix) {
    // "Müller" as Excel's plain "CSV" writes it in Western locales: ü is the byte 0xFC.
    test::temp_dir dir;
    auto content = slack_header + id1 + ",SLACK,xoxb-1,M\xFCller\n" + id2 +
                   ",SLACK,xoxb-2,Caf\xE9\n" + id3 + ",SLACK,xoxb-3,plain\n";
    auto c = validate_text(dir, "m.csv", content, opts_with_env());
    auto p = (dir / "m.csv").string(), converted = (dir / "m-utf8.csv").string();
    std::vector<std::string> expected{
        "m.csv:2: teamName: invalid UTF-8",
        "m.csv:2: teamName: the file is not UTF-8: it looks like Windows-1252 (what Excel saves "
        "as \"CSV\"); convert it with `iconv -f WINDOWS-1252 -t UTF-8 " +
            p + " > " + converted + "`, or save it again as \"CSV UTF-8\"",
        "m.csv:3: teamName: invalid UTF-8"};
    BOOST_TEST(c.errors == expected, boost::test_tools::per_element());
    // Named once, as an error of the file: --skip-invalid cannot run the rest of it.
    BOOST_TEST(c.summary.file_error_count == 1u);
    BOOST_TEST(c.summary.invalid_rows == 2u);
    BOOST_TEST((c.summary.errors[1].code == manifest_errc::encoding));

    // A UTF-8 file with one damaged byte is not called Windows-1252.
    c = validate_text(
        dir, "m.csv",
        slack_header + id1 + ",SLACK,x,Z\xC3\xBCrich\n" + id2 + ",SLACK,x,M\xFCller\n",
        opts_with_env());
    BOOST_TEST(c.errors == std::vector<std::string>{"m.csv:3: teamName: invalid UTF-8"},
               boost::test_tools::per_element());
    BOOST_TEST(c.summary.file_error_count == 0u);
    // A secret column's text is never shown, in either message.
    c = validate_text(dir, "m.csv",
                      slack_header + id1 +
                          ",SLACK,xoxb-s\xE9"
                          "cret-VALUE,team\n",
                      opts_with_env());
    BOOST_REQUIRE(c.errors.size() == 2u);
    BOOST_TEST(c.errors[1].find("Windows-1252") != std::string::npos);
    for (auto& e : c.errors) BOOST_TEST(e.find("cret-VALUE") == std::string::npos, e);
    // Bytes Windows-1252 does not define (0x81) are plain invalid UTF-8.
    c = validate_text(dir, "m.csv", slack_header + id1 + ",SLACK,x,a\x81z\n", opts_with_env());
    BOOST_TEST(c.errors == std::vector<std::string>{"m.csv:2: teamName: invalid UTF-8"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_error_codes)

BOOST_AUTO_TEST_CASE(every_error_carries_its_code) {
    test::temp_dir dir;
    struct tcase {
        std::string name, content;
        manifest_errc code;
        std::vector<std::pair<std::string, std::string>> sets = {};
        std::string type = {};
    };
    std::vector<tcase> cases{
        {"m.txt", slack_header, manifest_errc::unknown_format},
        {"m.csv", "", manifest_errc::empty},
        {"m.csv", slack_header + id1 + ",SLACK,\"t\n", manifest_errc::syntax},
        {"m.csv", slack_header + id1 + ",SLACK,t,te\"am\n", manifest_errc::syntax},
        {"m.csv", slack_header + id1 + ",SLACK,t," + std::string((1 << 20) + 1, 'a') + "\n",
         manifest_errc::too_large},
        {"m.csv", slack_header + id1 + ",SLACK,t,te\xC3(am\n", manifest_errc::encoding},
        {"m.csv", "projectId,type,apiTokn\n", manifest_errc::bad_header},
        {"m.csv", slack_header + id1 + ",SLACK,t\n", manifest_errc::wrong_cell_count},
        {"m.csv", slack_header + ",SLACK,t,team\n", manifest_errc::missing_field},
        {"m.csv", "projectId,type,apiToken\n" + id1 + ",SLACK,t\n", manifest_errc::missing_field},
        {"m.csv", slack_header + id1 + ",SLAK,t,team\n", manifest_errc::unknown_type},
        {"m.csv", "projectId,type,apiToken,teamName,serviceKey\n" + id1 + ",SLACK,t,team,k\n",
         manifest_errc::unknown_field},
        {"m.csv", slack_header + "bad,SLACK,t,team\n", manifest_errc::invalid_value},
        {"m.csv", slack_header + id1 + ",SLACK,t,team\n" + id1 + ",SLACK,t,team\n",
         manifest_errc::duplicate_row},
        {"m.csv", slack_header + id1 + ",SLACK,${env:NOPE},team\n", manifest_errc::bad_reference},
        {"m.csv",
         slack_header + id1 + ",SLACK,t,team\n",
         manifest_errc::bad_option,
         {{"projectId", id2}}},
        {"m.csv", slack_header + id1 + ",SLACK,t,team\n", manifest_errc::bad_option, {}, "SLAK"},
        {"m.json", "[1] x", manifest_errc::syntax},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name << ": " << tc.content.substr(0, 60)) {
            auto o = opts_with_env();
            o.set_fields = tc.sets;
            o.type = tc.type;
            auto c = validate_text(dir, tc.name, tc.content, o);
            BOOST_REQUIRE(!c.summary.errors.empty());
            auto& e = c.summary.errors.front();
            BOOST_TEST((e.code == tc.code),
                       "got " << make_error_code(e.code).message() << ": " << to_string(e));
        }
    }
    auto s = validate_manifest(dir / "absent.csv", opts_with_env());
    BOOST_REQUIRE(s.errors.size() == 1u);
    BOOST_TEST((s.errors[0].code == manifest_errc::cannot_open));
    // The category names every code.
    auto ec = make_error_code(manifest_errc::duplicate_row);
    BOOST_TEST(ec.category().name() == std::string("cmbulk.manifest"));
    BOOST_TEST(ec.message() == "duplicate row for a project and type");
    boost::system::error_code as_enum = manifest_errc::encoding;  // is_error_code_enum
    BOOST_TEST(as_enum.message() == "not UTF-8");
    for (int v = 1; v <= static_cast<int>(manifest_errc::bad_reference); ++v)
        BOOST_TEST(make_error_code(static_cast<manifest_errc>(v)).message() != "manifest error");
}

BOOST_AUTO_TEST_SUITE_END()
