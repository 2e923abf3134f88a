// Unit tests of the config module: the `key = value` parser (comments, quotes, sections, errors
// as config_errc values with file, line and field, the private key refused), the environment
// variables, the layered merge (environment > profile > file), the default path and the
// did-you-mean for misspelt CMBULK_* variables.
#include <algorithm>
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
    diagnostics err;
    auto r = parse_config(
        "# team defaults\n[cmbulk]\n\nbase-url = https://om.example.com:8443\n"
        "flavor=ops-manager\r\n  ; another comment\nrate = 5\n"
        "private_key_file = \"/home/me/.config/cmbulk/key\"\nconcurrency\t=\t4\n",
        "cfg", err);
    BOOST_TEST_REQUIRE(r.has_value(), to_string(err));
    BOOST_TEST(r->size() == 5u);
    BOOST_TEST(value_of(*r, "base-url") == "https://om.example.com:8443");
    BOOST_TEST(value_of(*r, "flavor") == "ops-manager");
    BOOST_TEST(value_of(*r, "rate") == "5");
    BOOST_TEST(value_of(*r, "private-key-file") == "/home/me/.config/cmbulk/key");
    BOOST_TEST(value_of(*r, "concurrency") == "4");
    BOOST_TEST((*r)[0].source == "cfg:4");
    BOOST_TEST(((*r)[0].origin == setting_origin::config_file));
}

BOOST_AUTO_TEST_CASE(inline_comments_end_unquoted_values) {
    diagnostics err;
    auto r = parse_config(
        "base-url = http://127.0.0.1:8080   # local sim\nrate = 5 ; five\n"
        "type = \"a # b\"\ncacert = /p/a#b\n",
        "f", err);
    BOOST_TEST_REQUIRE(r.has_value(), to_string(err));
    BOOST_TEST(value_of(*r, "base-url") == "http://127.0.0.1:8080");
    BOOST_TEST(value_of(*r, "rate") == "5");
    BOOST_TEST(value_of(*r, "type") == "a # b");
    BOOST_TEST(value_of(*r, "cacert") == "/p/a#b");
}

BOOST_AUTO_TEST_CASE(errors_are_values_with_file_line_and_field) {
    struct c {
        const char* text;
        config_errc code;
        std::uint64_t line;
        const char* field;
        const char* shown;
    } cases[] = {
        {"rate = 5\nbogus = 1\n", config_errc::unknown_key, 2, "bogus", "f:2: bogus: unknown key"},
        {"rate = 5\nbase_ur = x\n", config_errc::unknown_key, 2, "base-ur",
         "f:2: base-ur: unknown key (did you mean base-url?)"},
        {"\n\nrate 5\n", config_errc::syntax, 3, "", "f:3: expected key = value"},
        {"rate = 5\nrate = 6\n", config_errc::duplicate_key, 2, "rate", "f:2: rate: set twice"},
        {"[other]\n", config_errc::syntax, 1, "", "f:1: unknown section [other] (only [cmbulk])"},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.text) {
            diagnostics err;
            auto r = parse_config(k.text, "f", err);
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST((r.error() == k.code));
            BOOST_TEST(&r.error().category() == &config_category());
            BOOST_TEST(err.file == "f");
            BOOST_TEST(err.line == k.line);
            BOOST_TEST(err.field == k.field);
            BOOST_TEST(to_string(err) == k.shown);
        }
    }
    BOOST_TEST(make_error_code(config_errc::conflict).message() ==
               "settings that contradict each other");
}

BOOST_AUTO_TEST_CASE(private_key_is_refused_and_never_echoed) {
    diagnostics err;
    auto r = parse_config("private-key = s3cr3t-value\n", "f", err);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == config_errc::secret_in_file));
    BOOST_TEST(err.message.find("private-key-file") != std::string::npos);
    BOOST_TEST(to_string(err).find("s3cr3t") == std::string::npos);
    r = parse_config("client_secret = other-s3cr3t\n", "f", err);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(err.field == "client-secret");
    BOOST_TEST(to_string(err).find("s3cr3t") == std::string::npos);
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

BOOST_AUTO_TEST_CASE(layers_merge_in_precedence_order) {
    diagnostics err;
    auto file = parse_config("rate = 5\nflavor = atlas\nconcurrency = 3\nbase-url = x\n", "f", err);
    BOOST_TEST_REQUIRE(file.has_value());
    std::vector<config_entry> env{{"rate", "9", "CMBULK_RATE", setting_origin::environment}};
    std::vector<config_entry> profile{
        {"flavor", "ops-manager", "profile 'p' (t:2)", setting_origin::profile},
        {"rate", "1", "profile 'p' (t:3)", setting_origin::profile}};
    std::vector<config_entry> layers[] = {env, profile, *file};
    auto m = merge_config(layers);
    BOOST_TEST(m.size() == 4u);
    BOOST_TEST(value_of(m, "rate") == "9");
    BOOST_TEST(value_of(m, "flavor") == "ops-manager");
    BOOST_TEST(value_of(m, "concurrency") == "3");
    for (auto& x : m) {
        if (x.key == "rate") BOOST_TEST(x.source == "CMBULK_RATE");
        if (x.key == "flavor") BOOST_TEST((x.origin == setting_origin::profile));
        if (x.key == "concurrency") BOOST_TEST(x.source == "f:3");
    }
    // Sorted by key.
    BOOST_TEST(std::is_sorted(m.begin(), m.end(), [](auto& a, auto& b) { return a.key < b.key; }));
}

BOOST_AUTO_TEST_CASE(misspelt_cmbulk_variables_get_the_known_one) {
    std::vector<std::string> names{"CMBULK_PUBLICKEY",  "CMBULK_BASEURL", "CMBULK_RATE",
                                   "CMBULK_BENCH_WORK", "PATH",           "CMBULK_PROFLE",
                                   "CMBULK_PRIVATE_KEY"};
    auto u = unknown_cmbulk_variables(names);
    std::map<std::string, std::string> got(u.begin(), u.end());
    BOOST_TEST(got.size() == 3u);
    BOOST_TEST(got["CMBULK_PUBLICKEY"] == "CMBULK_PUBLIC_KEY");
    BOOST_TEST(got["CMBULK_BASEURL"] == "CMBULK_BASE_URL");
    BOOST_TEST(got["CMBULK_PROFLE"] == "CMBULK_PROFILE");
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
