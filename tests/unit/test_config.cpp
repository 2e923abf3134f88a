// Unit tests of the config module: the `key = value` parser (comments, quotes, sections, errors
// with file:line, the private key refused), the environment variables and the merge
// (environment over file, credentials never mixed), and the default path.
#include <boost/test/unit_test.hpp>
#include <map>

#include "cmbulk/config.hpp"

using namespace cmbulk;

namespace {
std::function<const char*(const char*)> env_of(const std::map<std::string, std::string>& m) {
    return [&m](const char* n) -> const char* {
        auto it = m.find(n);
        return it == m.end() ? nullptr : it->second.c_str();
    };
}
std::string value_of(const std::vector<config_entry>& v, const std::string& key) {
    for (auto& e : v)
        if (e.key == key) return e.value;
    return "<absent>";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(config_suite)

BOOST_AUTO_TEST_CASE(parses_keys_comments_quotes_and_section) {
    std::string err;
    auto r = parse_config(
        "# team defaults\n[cmbulk]\n\nbase-url = https://om.example.com:8443\n"
        "flavor=ops-manager\r\n  ; another comment\nrate = 5\n"
        "private_key_file = \"/home/me/.config/cmbulk/key\"\nconcurrency\t=\t4\n",
        "cfg", err);
    BOOST_TEST_REQUIRE(r.has_value(), err);
    BOOST_TEST(r->size() == 5u);
    BOOST_TEST(value_of(*r, "base-url") == "https://om.example.com:8443");
    BOOST_TEST(value_of(*r, "flavor") == "ops-manager");
    BOOST_TEST(value_of(*r, "rate") == "5");
    BOOST_TEST(value_of(*r, "private-key-file") == "/home/me/.config/cmbulk/key");
    BOOST_TEST(value_of(*r, "concurrency") == "4");
    BOOST_TEST((*r)[0].source == "cfg:4");
}

BOOST_AUTO_TEST_CASE(inline_comments_end_unquoted_values) {
    std::string err;
    auto r = parse_config(
        "base-url = http://127.0.0.1:8080   # local sim\nrate = 5 ; five\n"
        "type = \"a # b\"\ncacert = /p/a#b\n",
        "f", err);
    BOOST_TEST_REQUIRE(r.has_value(), err);
    BOOST_TEST(value_of(*r, "base-url") == "http://127.0.0.1:8080");
    BOOST_TEST(value_of(*r, "rate") == "5");
    BOOST_TEST(value_of(*r, "type") == "a # b");
    BOOST_TEST(value_of(*r, "cacert") == "/p/a#b");
}

BOOST_AUTO_TEST_CASE(errors_name_file_and_line) {
    struct c {
        const char* text;
        const char* error;
    } cases[] = {
        {"rate = 5\nbogus = 1\n", "f:2: unknown key 'bogus'"},
        {"\n\nrate 5\n", "f:3: expected key = value"},
        {"rate = 5\nrate = 6\n", "f:2: 'rate' is set twice"},
        {"[other]\n", "f:1: unknown section [other] (only [cmbulk])"},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.text) {
            std::string err;
            auto r = parse_config(k.text, "f", err);
            BOOST_TEST(!r.has_value());
            BOOST_TEST(err == k.error);
        }
    }
}

BOOST_AUTO_TEST_CASE(private_key_is_refused_and_never_echoed) {
    std::string err;
    auto r = parse_config("private-key = s3cr3t-value\n", "f", err);
    BOOST_TEST(!r.has_value());
    BOOST_TEST(err.find("private-key-file") != std::string::npos);
    BOOST_TEST(err.find("s3cr3t") == std::string::npos);
    err.clear();
    r = parse_config("client_secret = other-s3cr3t\n", "f", err);
    BOOST_TEST(!r.has_value());
    BOOST_TEST(err.find("s3cr3t") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(environment_variables_map_to_options) {
    std::map<std::string, std::string> env{{"CMBULK_RATE", "7"},
                                           {"CMBULK_BASE_URL", "http://127.0.0.1:1"},
                                           {"CMBULK_FLAVOR", ""},  // empty counts as unset
                                           {"UNRELATED", "x"}};
    auto e = config_from_environment(env_of(env));
    BOOST_TEST(e.size() == 2u);
    BOOST_TEST(value_of(e, "rate") == "7");
    BOOST_TEST(value_of(e, "base-url") == "http://127.0.0.1:1");
    BOOST_TEST(value_of(e, "flavor") == "<absent>");
    for (auto& x : e)
        if (x.key == "rate") BOOST_TEST(x.source == "CMBULK_RATE");
    // Every variable maps to a key a config file may also hold.
    for (auto& [var, key] : config_environment_variables()) {
        bool known = false;
        for (auto k : config_keys()) known = known || k == key;
        BOOST_TEST(known, var);
    }
}

BOOST_AUTO_TEST_CASE(environment_wins_over_file) {
    std::string err;
    auto file = parse_config("rate = 5\nflavor = atlas\nconcurrency = 3\n", "f", err);
    BOOST_TEST_REQUIRE(file.has_value());
    std::vector<config_entry> env{{"rate", "9", "CMBULK_RATE"}};
    auto m = merge_config(env, *file, false);
    BOOST_TEST(m.size() == 3u);
    BOOST_TEST(value_of(m, "rate") == "9");
    BOOST_TEST(value_of(m, "flavor") == "atlas");
    BOOST_TEST(value_of(m, "concurrency") == "3");
    for (auto& x : m)
        if (x.key == "rate") BOOST_TEST(x.source == "CMBULK_RATE");
}

BOOST_AUTO_TEST_CASE(credentials_from_environment_drop_the_files_key) {
    std::string err;
    auto file = parse_config("public-key = filekey\nprivate-key-file = /k\nrate = 1\n", "f", err);
    BOOST_TEST_REQUIRE(file.has_value());
    auto with = merge_config({}, *file, true);
    BOOST_TEST(value_of(with, "public-key") == "<absent>");
    BOOST_TEST(value_of(with, "private-key-file") == "<absent>");
    BOOST_TEST(value_of(with, "rate") == "1");
    auto without = merge_config({}, *file, false);
    BOOST_TEST(value_of(without, "public-key") == "filekey");
    BOOST_TEST(value_of(without, "private-key-file") == "/k");
}

BOOST_AUTO_TEST_CASE(default_path_follows_xdg_then_home) {
    std::map<std::string, std::string> both{{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}};
    BOOST_TEST(default_config_path(env_of(both)) == "/x/cmbulk/config");
    std::map<std::string, std::string> home{{"HOME", "/h"}, {"XDG_CONFIG_HOME", ""}};
    BOOST_TEST(default_config_path(env_of(home)) == "/h/.config/cmbulk/config");
    std::map<std::string, std::string> none;
    BOOST_TEST(default_config_path(env_of(none)).empty());
}

BOOST_AUTO_TEST_SUITE_END()
