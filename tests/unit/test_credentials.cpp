// Unit tests of the credentials module, over a fake environment and file reader: the precedence
// of every source (cmbulk's variables and flags, MONGODB_ATLAS_*, MCLI_*, service accounts, the
// profile, the config file), half-set pairs naming the missing half, key files refused when
// others can read them, Atlas CLI / mongocli profiles (XDG_CONFIG_HOME, ambiguity, unknown names,
// TOML errors with their line), the tools' settings (service -> flavor, ops_manager_url), and no
// secret in any message.
#include <boost/test/unit_test.hpp>
#include <map>

#include "cmbulk/credentials.hpp"
#include "fake_world.hpp"

using namespace cmbulk;
using cmbulk::test::fake_world;

namespace {

const std::string secret = "PRIV-SECRET-0f9e8d7c";

const char* atlas_toml = R"(telemetry_enabled = false

[default]
  org_id = "5e2211c17a3e5a48f5497de3"
  public_api_key = "atlaspub"
  private_api_key = "PRIV-SECRET-0f9e8d7c"
  service = "cloud"

[Work]
  public_api_key = "workpub"
  ops_manager_url = "https://om.corp:8443/"
  service = "ops-manager"

[keyring]
  public_api_key = "kpub"

[login]
  access_token = "PRIV-SECRET-0f9e8d7c"
  refresh_token = "x"

[sa]
  client_id = "mdb_sa_id_1"
  client_secret = "PRIV-SECRET-0f9e8d7c"
  service = "cloudgov"
)";

const char* mongocli_toml = R"([default]
public_api_key = "mclipub"
private_api_key = "PRIV-SECRET-0f9e8d7c"
service = "cloud-manager"

[om]
public_api_key = "ompub"
private_api_key = "PRIV-SECRET-0f9e8d7c"
service = "ops-manager"
base_url = "http://om.local:8080"
)";

fake_world with_profiles() {
    fake_world w;
    w.vars["XDG_CONFIG_HOME"] = "/x";
    w.vars["HOME"] = "/home/me";
    w.files["/x/atlascli/config.toml"] = {atlas_toml, 0600};
    w.files["/x/mongocli/config.toml"] = {mongocli_toml, 0600};
    return w;
}

cli_profile load(const fake_world& w, const std::string& name) {
    diagnostics d;
    auto req = parse_profile_request(name, "--profile", d);
    BOOST_TEST_REQUIRE(req.has_value(), to_string(d));
    auto p = load_profile(*req, w.env(), w.reader(), d);
    BOOST_TEST_REQUIRE(p.has_value(), to_string(d));
    return *p;
}

config_entry opt(std::string key, std::string value, std::string source, setting_origin o) {
    return {std::move(key), std::move(value), std::move(source), o};
}

void no_secret(const std::string& text) {
    BOOST_TEST(text.find("PRIV-SECRET") == std::string::npos, "secret in: " << text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_suite)

BOOST_AUTO_TEST_CASE(each_source_in_precedence_order) {
    auto w = with_profiles();
    w.vars = {{"XDG_CONFIG_HOME", "/x"},
              {"CMBULK_PUBLIC_KEY", "p1"},
              {"CMBULK_PRIVATE_KEY", secret},
              {"MONGODB_ATLAS_PUBLIC_API_KEY", "p2"},
              {"MONGODB_ATLAS_PRIVATE_API_KEY", secret},
              {"MONGODB_ATLAS_ORG_ID", "6b0000000000000000000001"},
              {"MCLI_PUBLIC_API_KEY", "p3"},
              {"MCLI_PRIVATE_API_KEY", secret},
              {"CMBULK_CLIENT_ID", "c4"},
              {"CMBULK_CLIENT_SECRET", secret},
              {"MONGODB_ATLAS_CLIENT_ID", "c5"},
              {"MONGODB_ATLAS_CLIENT_SECRET", secret}};
    w.files["/k/key"] = {secret + "\n", 0600};
    auto profile = load(w, "atlascli:default");
    key_options keys;
    keys.public_key = opt("public-key", "p7", "/c/config:2", setting_origin::config_file);
    keys.private_key_file =
        opt("private-key-file", "/k/key", "/c/config:3", setting_origin::config_file);
    struct step {
        const char* drop_first;
        const char* drop_second;
        const char* id;
        const char* source;
    } steps[] = {
        {nullptr, nullptr, "p1", "CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY"},
        {"CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY", "p2",
         "MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY"},
        {"MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY", "p3",
         "MCLI_PUBLIC_API_KEY + MCLI_PRIVATE_API_KEY"},
        {"MCLI_PUBLIC_API_KEY", "MCLI_PRIVATE_API_KEY", "c4",
         "CMBULK_CLIENT_ID + CMBULK_CLIENT_SECRET"},
        {"CMBULK_CLIENT_ID", "CMBULK_CLIENT_SECRET", "c5",
         "MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET"},
        {"MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET", "atlaspub",
         "profile 'default' (/x/atlascli/config.toml:3)"},
    };
    for (auto& s : steps) {
        if (s.drop_first) w.vars.erase(s.drop_first), w.vars.erase(s.drop_second);
        BOOST_TEST_CONTEXT(s.source) {
            diagnostics d;
            auto r = resolve_credentials(keys, &profile, w.env(), w.reader(), d);
            BOOST_TEST_REQUIRE(r.has_value(), to_string(d));
            auto id = r->creds.public_key.empty() ? r->creds.client_id : r->creds.public_key;
            BOOST_TEST(id == s.id);
            BOOST_TEST(r->creds.private_key + r->creds.client_secret == secret);
            BOOST_TEST(r->source == s.source);
            no_secret(r->source);
            // A profile outranked by the environment is said so; the profile itself is not.
            BOOST_TEST(r->notes.size() == (std::string(s.id) == "atlaspub" ? 0u : 1u));
        }
    }
    // The Atlas CLI's organization goes with the Atlas CLI's key; the profile's with the profile.
    w.vars["MONGODB_ATLAS_PUBLIC_API_KEY"] = "p2";
    w.vars["MONGODB_ATLAS_PRIVATE_API_KEY"] = secret;
    diagnostics d;
    auto atlas = resolve_credentials(keys, nullptr, w.env(), w.reader(), d);
    BOOST_TEST(atlas->org_id == "6b0000000000000000000001");
    BOOST_TEST(atlas->org_source == "MONGODB_ATLAS_ORG_ID");
    w.vars.erase("MONGODB_ATLAS_PUBLIC_API_KEY");
    w.vars.erase("MONGODB_ATLAS_PRIVATE_API_KEY");
    auto prof = resolve_credentials(keys, &profile, w.env(), w.reader(), d);
    BOOST_TEST(prof->org_id == "5e2211c17a3e5a48f5497de3");
    BOOST_TEST(prof->org_source == "profile 'default' (/x/atlascli/config.toml:4)");
    // 7. the config file, last.
    auto file = resolve_credentials(keys, nullptr, w.env(), w.reader(), d);
    BOOST_TEST_REQUIRE(file.has_value(), to_string(d));
    BOOST_TEST(file->creds.public_key == "p7");
    BOOST_TEST(file->creds.private_key == secret);
    BOOST_TEST(file->source == "/c/config:2 public-key + /c/config:3 private-key-file /k/key");
}

BOOST_AUTO_TEST_CASE(a_half_set_pair_names_the_missing_half) {
    struct c {
        std::map<std::string, std::string> vars;
        const char* message;
    } cases[] = {
        {{{"CMBULK_PUBLIC_KEY", "p"}},
         "CMBULK_PUBLIC_KEY is set but CMBULK_PRIVATE_KEY is not (nor --private-key-file or "
         "CMBULK_PRIVATE_KEY_FILE)"},
        {{{"CMBULK_PRIVATE_KEY", secret}},
         "CMBULK_PRIVATE_KEY is set but CMBULK_PUBLIC_KEY is not (nor --public-key)"},
        {{{"MONGODB_ATLAS_PRIVATE_API_KEY", secret}},
         "MONGODB_ATLAS_PRIVATE_API_KEY is set but MONGODB_ATLAS_PUBLIC_API_KEY is not"},
        {{{"MCLI_PUBLIC_API_KEY", "p"}},
         "MCLI_PUBLIC_API_KEY is set but MCLI_PRIVATE_API_KEY is not"},
        {{{"CMBULK_CLIENT_SECRET", secret}},
         "CMBULK_CLIENT_SECRET is set but CMBULK_CLIENT_ID is not"},
        {{{"MONGODB_ATLAS_CLIENT_ID", "id"}},
         "MONGODB_ATLAS_CLIENT_ID is set but MONGODB_ATLAS_CLIENT_SECRET is not"},
        // A complete pair of a later source does not hide the half of an earlier one.
        {{{"MCLI_PUBLIC_API_KEY", "p"},
          {"CMBULK_CLIENT_ID", "c"},
          {"CMBULK_CLIENT_SECRET", secret}},
         "MCLI_PUBLIC_API_KEY is set but MCLI_PRIVATE_API_KEY is not"},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.message) {
            fake_world w;
            w.vars = k.vars;
            diagnostics d;
            auto r = resolve_credentials({}, nullptr, w.env(), w.reader(), d);
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST((r.error() == config_errc::incomplete_credential));
            BOOST_TEST(to_string(d) == k.message);
        }
    }
    // The config file's half: named by its file:line.
    fake_world w;
    key_options keys;
    keys.public_key = opt("public-key", "p", "/c/config:4", setting_origin::config_file);
    diagnostics d;
    auto r = resolve_credentials(keys, nullptr, w.env(), w.reader(), d);
    BOOST_TEST(to_string(d) == "/c/config:4 public-key is set but no private-key-file is");
}

BOOST_AUTO_TEST_CASE(flags_and_key_files) {
    fake_world w;
    w.files["/k/ok"] = {secret + "\r\n", 0400};
    w.files["/k/open"] = {secret, 0640};
    w.files["/k/empty"] = {"\n", 0600};
    key_options keys;
    keys.public_key = opt("public-key", "flagpub", "--public-key", setting_origin::flag);
    keys.private_key_file =
        opt("private-key-file", "/k/ok", "--private-key-file", setting_origin::flag);
    w.vars["CMBULK_PUBLIC_KEY"] = "envpub";
    w.vars["CMBULK_PRIVATE_KEY"] = "other";
    diagnostics d;
    auto r = resolve_credentials(keys, nullptr, w.env(), w.reader(), d);
    BOOST_TEST_REQUIRE(r.has_value(), to_string(d));
    BOOST_TEST(r->creds.public_key == "flagpub");
    BOOST_TEST(r->creds.private_key == secret);  // newline stripped
    BOOST_TEST(r->source == "--public-key + --private-key-file /k/ok");

    // A key file flag with the public key from the environment (and vice versa, the file from
    // CMBULK_PRIVATE_KEY_FILE).
    keys.public_key.reset();
    w.vars.erase("CMBULK_PRIVATE_KEY");
    r = resolve_credentials(keys, nullptr, w.env(), w.reader(), d);
    BOOST_TEST(r->source == "CMBULK_PUBLIC_KEY + --private-key-file /k/ok");
    keys.private_key_file =
        opt("private-key-file", "/k/ok", "CMBULK_PRIVATE_KEY_FILE", setting_origin::environment);
    r = resolve_credentials(keys, nullptr, w.env(), w.reader(), d);
    BOOST_TEST(r->source == "CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY_FILE /k/ok");

    keys.private_key_file->value = "/k/open";
    r = resolve_credentials(keys, nullptr, w.env(), w.reader(), d);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == config_errc::insecure_file));
    BOOST_TEST(to_string(d) ==
               "/k/open: CMBULK_PRIVATE_KEY_FILE: readable by other users; chmod "
               "600 it (or --allow-insecure-key-file)");
    keys.allow_insecure_key_file = true;
    BOOST_TEST(resolve_credentials(keys, nullptr, w.env(), w.reader(), d).has_value());
    keys.private_key_file->value = "/k/empty";
    BOOST_TEST(!resolve_credentials(keys, nullptr, w.env(), w.reader(), d).has_value());
    BOOST_TEST(d.message == "empty");
    keys.private_key_file->value = "/k/missing";
    BOOST_TEST(!resolve_credentials(keys, nullptr, w.env(), w.reader(), d).has_value());
    BOOST_TEST(to_string(d).find("/k/missing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_credentials_lists_the_profiles_there_are) {
    auto w = with_profiles();
    diagnostics d;
    auto r = resolve_credentials({}, nullptr, w.env(), w.reader(), d);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == config_errc::no_credentials));
    BOOST_TEST(d.message.find("/x/atlascli/config.toml has the profiles default, keyring, login, "
                              "sa, work (use --profile NAME)") != std::string::npos,
               d.message);
    BOOST_TEST(d.message.find("/x/mongocli/config.toml has the profiles default, om") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(profiles_are_found_by_name_and_tool) {
    auto w = with_profiles();
    auto work = load(w, "WORK");  // the tools store names in lower case
    BOOST_TEST(work.name == "work");
    BOOST_TEST((work.tool == profile_tool::atlascli));
    BOOST_TEST(work.line == 9u);
    BOOST_TEST(work.find("public_api_key")->value == "workpub");
    BOOST_TEST(work.where("ops_manager_url") == "profile 'work' (/x/atlascli/config.toml:11)");
    auto om = load(w, "om");
    BOOST_TEST((om.tool == profile_tool::mongocli));
    BOOST_TEST(load(w, "mongocli:default").find("public_api_key")->value == "mclipub");
    BOOST_TEST(load(w, "atlascli:default").find("public_api_key")->value == "atlaspub");

    diagnostics d;
    auto req = parse_profile_request("default", "CMBULK_PROFILE", d);
    auto both = load_profile(*req, w.env(), w.reader(), d);
    BOOST_TEST_REQUIRE(!both.has_value());
    BOOST_TEST((both.error() == config_errc::ambiguous_profile));
    BOOST_TEST(d.message.find("atlascli:default or mongocli:default") != std::string::npos);

    req = parse_profile_request("nosuch", "--profile", d);
    auto none = load_profile(*req, w.env(), w.reader(), d);
    BOOST_TEST((none.error() == config_errc::unknown_profile));
    BOOST_TEST(
        to_string(d) ==
        "--profile: profile: no profile 'nosuch' in /x/atlascli/config.toml (profiles "
        "default, keyring, login, sa, work), /x/mongocli/config.toml (profiles default, om)");

    // HOME/.config when XDG_CONFIG_HOME is unset.
    fake_world h;
    h.vars["HOME"] = "/home/me";
    h.files["/home/me/.config/mongocli/config.toml"] = {mongocli_toml, 0600};
    BOOST_TEST(load(h, "om").file == "/home/me/.config/mongocli/config.toml");

    for (const char* bad : {"", "a.b", "vim:x", "atlascli:"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!parse_profile_request(bad, "--profile", d).has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(toml_errors_name_their_line) {
    diagnostics d;
    auto p = parse_profile("[a]\nx = \"1\"\ny = = 2\n", "/f.toml", "a", profile_tool::atlascli, d);
    BOOST_TEST_REQUIRE(!p.has_value());
    BOOST_TEST((p.error() == config_errc::syntax));
    BOOST_TEST(d.file == "/f.toml");
    BOOST_TEST(d.line == 3u);
    BOOST_TEST(profile_names("[a]\nx=").empty());
    BOOST_TEST(profile_names("g = 1\n[b]\n[A]\n") == (std::vector<std::string>{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(a_profiles_credential_or_why_not) {
    auto w = with_profiles();
    diagnostics d;
    auto sa = profile_credentials(load(w, "sa"), false, d);
    BOOST_TEST_REQUIRE(sa.has_value(), to_string(d));
    BOOST_TEST(sa->creds.client_id == "mdb_sa_id_1");
    BOOST_TEST(sa->creds.client_secret == secret);

    auto half = profile_credentials(load(w, "keyring"), false, d);
    BOOST_TEST((half.error() == config_errc::incomplete_credential));
    BOOST_TEST(d.message.find("profile 'keyring' (/x/atlascli/config.toml:15) has "
                              "public_api_key but no private_api_key") != std::string::npos,
               d.message);
    BOOST_TEST(d.message.find("keyring") != std::string::npos);

    auto login = profile_credentials(load(w, "login"), false, d);
    BOOST_TEST((login.error() == config_errc::no_credentials));
    BOOST_TEST(d.message.find("user login") != std::string::npos);
    no_secret(to_string(d));

    w.files["/x/atlascli/config.toml"].mode = 0644;
    auto open = profile_credentials(load(w, "atlascli:default"), false, d);
    BOOST_TEST((open.error() == config_errc::insecure_file));
    BOOST_TEST(d.file == "/x/atlascli/config.toml");
    BOOST_TEST(d.message.find("chmod 600") != std::string::npos);
    BOOST_TEST(profile_credentials(load(w, "atlascli:default"), true, d).has_value());
}

BOOST_AUTO_TEST_CASE(the_tools_settings_give_base_url_and_flavor) {
    auto w = with_profiles();
    auto value = [](const std::vector<config_entry>& v, std::string_view key) {
        for (auto& e : v)
            if (e.key == key) return e.value + " <- " + e.source;
        return std::string("<absent>");
    };
    diagnostics d;
    auto p = load(w, "atlascli:default");
    auto s = tool_settings(&p, w.env(), d);
    BOOST_TEST_REQUIRE(s.has_value(), to_string(d));
    BOOST_TEST(value(*s, "flavor") ==
               "atlas <- service cloud: profile 'default' (/x/atlascli/config.toml:7)");
    BOOST_TEST(value(*s, "base-url") == "<absent>");

    p = load(w, "work");
    s = tool_settings(&p, w.env(), d);
    BOOST_TEST(value(*s, "flavor").starts_with("ops-manager <- "));
    BOOST_TEST(value(*s, "base-url") ==
               "https://om.corp:8443/ <- profile 'work' (/x/atlascli/config.toml:11)");

    p = load(w, "om");  // mongocli's base_url alias
    s = tool_settings(&p, w.env(), d);
    BOOST_TEST(value(*s, "base-url").starts_with("http://om.local:8080 <- "));

    p = load(w, "sa");  // cloudgov
    s = tool_settings(&p, w.env(), d);
    BOOST_TEST(value(*s, "base-url").starts_with("https://cloud.mongodbgov.com <- "));
    BOOST_TEST(value(*s, "flavor").starts_with("atlas <- "));

    // The tools' variables over the profile; on their own without one.
    w.vars["MCLI_OPS_MANAGER_URL"] = "https://other:8443";
    w.vars["MCLI_SERVICE"] = "cloud-manager";
    p = load(w, "work");
    s = tool_settings(&p, w.env(), d);
    BOOST_TEST(value(*s, "base-url") == "https://other:8443 <- MCLI_OPS_MANAGER_URL");
    BOOST_TEST(value(*s, "flavor") == "cloud-manager <- service cloud-manager: MCLI_SERVICE");
    s = tool_settings(nullptr, w.env(), d);
    BOOST_TEST(s->size() == 2u);
    w.vars.clear();
    s = tool_settings(nullptr, w.env(), d);
    BOOST_TEST(s->empty());

    w.vars["MONGODB_ATLAS_SERVICE"] = "ops-manager";
    BOOST_TEST(!tool_settings(nullptr, w.env(), d).has_value());
    BOOST_TEST(d.message.find("ops_manager_url") != std::string::npos);
    w.vars["MONGODB_ATLAS_SERVICE"] = "cloudy";
    auto bad = tool_settings(nullptr, w.env(), d);
    BOOST_TEST((bad.error() == config_errc::bad_value));
    BOOST_TEST(
        to_string(d).starts_with("MONGODB_ATLAS_SERVICE: service: unknown service 'cloudy'"));
}

BOOST_AUTO_TEST_SUITE_END()
