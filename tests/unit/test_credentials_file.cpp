// Unit tests of a fleet's credentials file, over a fake environment and file reader: API keys,
// service accounts and profiles per organization with where each came from; literal secrets and
// key files others can read refused; unknown keys, bad org ids, half pairs, unset variables and
// organizations served twice named by file:line and field; the shipped sample parses; no
// message or description holds a secret.
#include <boost/test/unit_test.hpp>
#include <map>

#include "cmbulk/credentials_file.hpp"
#include "common/test_support.hpp"
#include "fake_world.hpp"

using namespace cmbulk;

namespace {

const std::string secret = "FLEET-SECRET-77aa55bb";

struct fleet_world : cmbulk::test::fake_world {
    boost::system::result<std::vector<org_credential>> load(const std::string& text, diagnostics& d,
                                                            bool allow_insecure = false) {
        files["/fleet/creds.toml"] = {text, 0600};
        return load_credentials_file("/fleet/creds.toml", env(), reader(), allow_insecure, d);
    }
};

const char* fleet = R"(# three orgs
profiles = ["ops"]

[orgs.5e2211c17a3e5a48f5497de3]
name = "payments"
public-key = "paypub"
private-key = "${env:PAY_KEY}"

[orgs.5f3a9b0c1d2e3f4a5b6c7d80]
client_id = "mdb_sa_id_search"
client_secret = "${file:keys/search.secret}"
)";

const char* atlas_profiles = R"([ops]
org_id = "6b0000000000000000000001"
public_api_key = "opspub"
private_api_key = "FLEET-SECRET-77aa55bb"

[noorg]
public_api_key = "x"
private_api_key = "FLEET-SECRET-77aa55bb"
)";

fleet_world world() {
    fleet_world w;
    w.vars = {{"PAY_KEY", secret}, {"XDG_CONFIG_HOME", "/x"}};
    w.files["/fleet/keys/search.secret"] = {secret + "\n", 0600};
    w.files["/x/atlascli/config.toml"] = {atlas_profiles, 0600};
    return w;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_file_suite)

BOOST_AUTO_TEST_CASE(one_credential_per_organization_with_its_sources) {
    auto w = world();
    diagnostics d;
    auto r = w.load(fleet, d);
    BOOST_TEST_REQUIRE(r.has_value(), to_string(d));
    BOOST_TEST_REQUIRE(r->size() == 3u);
    std::map<std::string, org_credential> by_org;
    for (auto& c : *r) by_org[c.org_id] = c;

    auto& pay = by_org["5e2211c17a3e5a48f5497de3"];
    BOOST_TEST((pay.kind == credential_kind::api_key));
    BOOST_TEST(pay.creds.public_key == "paypub");
    BOOST_TEST(pay.creds.private_key == secret);
    BOOST_TEST(pay.source == "/fleet/creds.toml:4");
    BOOST_TEST(pay.secret_source == "${env:PAY_KEY}");
    BOOST_TEST(describe(pay) ==
               "5e2211c17a3e5a48f5497de3 (payments): API key paypub, private key from "
               "${env:PAY_KEY} (/fleet/creds.toml:4)");

    auto& search = by_org["5f3a9b0c1d2e3f4a5b6c7d80"];
    BOOST_TEST((search.kind == credential_kind::service_account));
    BOOST_TEST(search.creds.client_id == "mdb_sa_id_search");
    BOOST_TEST(search.creds.client_secret == secret);  // relative to the file, newline stripped

    auto& ops = by_org["6b0000000000000000000001"];  // the profile's org_id
    BOOST_TEST(ops.creds.public_key == "opspub");
    BOOST_TEST(ops.name == "ops");
    BOOST_TEST(ops.secret_source == "profile 'ops' (/x/atlascli/config.toml:1)");
    for (auto& c : *r) BOOST_TEST(describe(c).find(secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_field_and_never_the_secret) {
    struct c {
        std::string text;
        config_errc code;
        std::string shown;
    } cases[] = {
        {"[orgs.5e2211c17a3e5a48f5497de3]\npublic-key = \"p\"\nprivate-key = \"" + secret + "\"\n",
         config_errc::secret_in_file,
         "/fleet/creds.toml:3: orgs.5e2211c17a3e5a48f5497de3.private-key: a literal secret is "
         "refused: write \"${env:NAME}\" or \"${file:PATH}\" (a file only you can read, mode "
         "600)"},
        {"[orgs.5e2211c17a3e5a48f5497de3]\nclient-id = \"i\"\nclient-secret = \"$SECRET\"\n",
         config_errc::secret_in_file, ""},
        {"[orgs.5e2211c17a3e5a48f5497de3]\npublic-key = \"p\"\nprivate_kee = \"${env:X}\"\n",
         config_errc::unknown_key,
         "/fleet/creds.toml:3: orgs.5e2211c17a3e5a48f5497de3.private-kee: unknown key (did you "
         "mean private-key?)"},
        {"[orgs.5E2211C17A3E5A48F5497DE3]\nprofile = \"ops\"\n", config_errc::bad_value,
         "/fleet/creds.toml:1: orgs.5E2211C17A3E5A48F5497DE3: not an organization id (24 "
         "lowercase hexadecimal digits)"},
        {"[orgs.5e2211c17a3e5a48f5497de3]\npublic-key = \"p\"\n",
         config_errc::incomplete_credential,
         "/fleet/creds.toml:2: orgs.5e2211c17a3e5a48f5497de3: public-key without private-key"},
        {"[orgs.5e2211c17a3e5a48f5497de3]\nname = \"n\"\n", config_errc::incomplete_credential,
         "/fleet/creds.toml:1: orgs.5e2211c17a3e5a48f5497de3: no credential: give public-key + "
         "private-key, client-id + client-secret, or profile"},
        {"[orgs.5e2211c17a3e5a48f5497de3]\nprofile = \"ops\"\npublic-key = \"p\"\n"
         "private-key = \"${env:PAY_KEY}\"\n",
         config_errc::incomplete_credential, ""},
        {"[orgz.5e2211c17a3e5a48f5497de3]\n", config_errc::unknown_key,
         "/fleet/creds.toml:1: orgz: unknown key (did you mean orgs?)"},
        {"[orgs.5e2211c17a3e5a48f5497de3]\npublic-key = 3\n", config_errc::bad_value,
         "/fleet/creds.toml:2: orgs.5e2211c17a3e5a48f5497de3.public-key: must be a string"},
        {"[orgs.5e2211c17a3e5a48f5497de3]\npublic-key = \"p\"\nprivate-key = \"${env:UNSET}\"\n",
         config_errc::bad_value,
         "/fleet/creds.toml:3: orgs.5e2211c17a3e5a48f5497de3.private-key: ${env:UNSET}: the "
         "variable is not set"},
        {"[orgs.5e2211c17a3e5a48f5497de3]\npublic-key = \"p\"\nprivate-key = \"${file:open}\"\n",
         config_errc::insecure_file,
         "/fleet/creds.toml:3: orgs.5e2211c17a3e5a48f5497de3.private-key: ${file:open} "
         "(/fleet/open): readable by other users; chmod 600 it (or --allow-insecure-key-file)"},
        {"profiles = [\"noorg\"]\n", config_errc::bad_value,
         "/fleet/creds.toml:1: profiles: profile 'noorg' (/x/atlascli/config.toml:6) has no "
         "org_id: write [orgs.<ORG-ID>] profile = \"noorg\""},
        {"profiles = [\"nosuch\"]\n", config_errc::unknown_profile, ""},
        {"profiles = [\"ops\"]\n[orgs.6b0000000000000000000001]\npublic-key = \"p\"\n"
         "private-key = \"${env:PAY_KEY}\"\n",
         config_errc::duplicate_key, ""},
        {"[orgs.5e2211c17a3e5a48f5497de3]\nprofile = \"ops\"\n", config_errc::conflict,
         "/fleet/creds.toml:1: orgs.5e2211c17a3e5a48f5497de3.profile: profile 'ops' "
         "(/x/atlascli/config.toml:2) serves organization 6b0000000000000000000001, not "
         "5e2211c17a3e5a48f5497de3"},
        {"[orgs.5e2211c17a3e5a48f5497de3\n", config_errc::syntax, ""},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.text) {
            auto w = world();
            w.files["/fleet/open"] = {secret, 0644};
            diagnostics d;
            auto r = w.load(k.text, d);
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST((r.error() == k.code), r.error().message());
            BOOST_TEST(d.file == "/fleet/creds.toml");
            BOOST_TEST(d.line > 0u);
            if (!k.shown.empty()) BOOST_TEST(to_string(d) == k.shown);
            BOOST_TEST(to_string(d).find(secret) == std::string::npos);
        }
    }
    // A duplicate names the entry that came first.
    auto w = world();
    diagnostics d;
    w.load("profiles = [\"ops\"]\n[orgs.6b0000000000000000000001]\nprofile = \"ops\"\n", d);
    BOOST_TEST(d.message.find("already has a credential (/fleet/creds.toml:") != std::string::npos,
               d.message);
}

BOOST_AUTO_TEST_CASE(insecure_key_files_pass_only_when_allowed) {
    auto w = world();
    w.files["/fleet/keys/search.secret"].mode = 0604;
    diagnostics d;
    BOOST_TEST(!w.load(fleet, d).has_value());
    BOOST_TEST(w.load(fleet, d, true).has_value());
}

BOOST_AUTO_TEST_CASE(the_shipped_sample_parses) {
    auto text =
        cmbulk::test::read_file(cmbulk::test::source_dir() / "samples" / "credentials.toml");
    diagnostics d;
    auto entries = parse_credentials_file(text, "credentials.toml", d);
    BOOST_TEST_REQUIRE(entries.has_value(), to_string(d));
    BOOST_TEST(entries->size() == 2u);
    cmbulk::test::fake_world w;
    w.vars = {{"PAYMENTS_PRIVATE_KEY", "k"}, {"SEARCH_SA_SECRET", "s"}};
    auto r = resolve_credentials_file(*entries, "/s", w.env(), w.reader(), false, d);
    BOOST_TEST_REQUIRE(r.has_value(), to_string(d));
    BOOST_TEST((r->at(1).kind == credential_kind::service_account));
}

BOOST_AUTO_TEST_SUITE_END()
