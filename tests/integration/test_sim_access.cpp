// Integration tests of cmbulk-sim's access rules with Debian's curl --digest against the real
// binary (../shared/api-facts.md, "Authentication"): the 401 of a wrong key and of a right key on
// another org's project, a read-only key's USER_UNAUTHORIZED, a key revoked mid-run, the API
// access list's 403, --service ops-manager (global keys, no Atlas base, no token endpoint), and
// the bind error that names the address and the way out.
#include <boost/test/unit_test.hpp>

#include "integration/test_sim_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string checkout = "5e2211c17a3e5a48f5497de4";       // org 1, SLACK + PAGER_DUTY
const std::string warehouse_dev = "5f3a9b0c1d2e3f4a5b6c7d82";  // org 2
const std::string v1 = "/api/public/v1.0";
const std::string atlas = "/api/atlas/v2";
const std::string atlas_accept = "Accept: application/vnd.atlas.2023-01-01+json";
const std::string unauthorized_401 =
    R"({"error":401,"reason":"Unauthorized","detail":"You are not authorized for this )"
    R"(resource.","errorCode":"UNEXPECTED_ERROR"})";

std::string str(const json::value& v, std::string_view key) {
    auto* p = v.is_object() ? v.get_object().if_contains(key) : nullptr;
    return p && p->is_string() ? std::string(p->get_string()) : std::string("<absent>");
}

// Checks the API error body shape and returns it.
json::object expect_error(const curl_result& r, int status, const std::string& code) {
    BOOST_TEST_INFO("body: " << r.body);
    BOOST_TEST(r.status == status);
    auto v = r.json();
    BOOST_REQUIRE(v.is_object());
    auto& o = v.get_object();
    BOOST_TEST(o.at("error").as_int64() == status);
    BOOST_TEST(o.at("errorCode").as_string() == code);
    BOOST_TEST(o.at("detail").is_string());
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_access)

BOOST_AUTO_TEST_CASE(authentication_and_org_access) {
    temp_dir dir;
    // A second key limited to org 2.
    auto seed = json::parse(read_file(sample_seed()));
    seed.at("apiKeys").as_array().push_back(
        json::object{{"publicKey", "globex"},
                     {"privateKey", "globex-secret-1"},
                     {"orgIds", json::array{"5f3a9b0c1d2e3f4a5b6c7d80"}}});
    write_file(dir / "seed.json", json::serialize(seed));
    sim_process sim({"--seed", (dir / "seed.json").string()});

    curl_client wrong(sim.port(), demo_public, "not-the-key");
    auto r = wrong.call("GET", v1 + "/groups");
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.body == unauthorized_401);
    auto challenge = r.header("www-authenticate");
    BOOST_TEST(challenge.find("Digest realm=\"MMS Public API\"") == 0u, challenge);
    BOOST_TEST(challenge.find("qop=\"auth\"") != std::string::npos);
    BOOST_TEST(challenge.find("stale=false") != std::string::npos);

    curl_client anonymous(sim.port(), "", "");
    BOOST_TEST(anonymous.call("GET", v1 + "/groups").status == 401);

    // api-facts.md: a right key on another org's project or org gets the wrong key's 401, with a
    // fresh challenge (the simulator answered 403 FORBIDDEN before).
    curl_client globex(sim.port(), "globex", "globex-secret-1");
    auto groups = globex.call("GET", v1 + "/groups").json();
    BOOST_TEST(groups.at("totalCount").as_int64() == 2);
    for (auto target : {v1 + "/groups/" + checkout + "/integrations",
                        v1 + "/orgs/5e2211c17a3e5a48f5497de3/groups"}) {
        auto denied = globex.call("GET", target);
        BOOST_TEST(denied.status == 401, target);
        BOOST_TEST(denied.body == unauthorized_401, target);
        BOOST_TEST(denied.header("www-authenticate").find("stale=false") != std::string::npos);
    }
    BOOST_TEST(globex.call("GET", v1 + "/groups/" + warehouse_dev + "/integrations").status == 200);

    // A read-only key reads, and its writes get 401 USER_UNAUTHORIZED.
    curl_client reader(sim.port(), "globex-readonly", "globex-private-0123456789abcdef");
    BOOST_TEST(reader.call("GET", v1 + "/groups/" + warehouse_dev + "/integrations").status == 200);
    auto write = reader.call("DELETE", v1 + "/groups/" + warehouse_dev + "/integrations/SLACK");
    auto err = expect_error(write, 401, "USER_UNAUTHORIZED");
    BOOST_TEST(err.at("detail").as_string() ==
               "Current user is not authorized to perform this action.");

    // Revoked mid-run: from then on the key is a wrong key.
    BOOST_TEST(http_request(sim.port(), "POST", "/__sim/keys/globex/revoke").status == 200);
    auto revoked = globex.call("GET", v1 + "/groups/" + warehouse_dev + "/integrations");
    BOOST_TEST(revoked.status == 401);
    BOOST_TEST(revoked.body == unauthorized_401);

    // SHA-256 when offered.
    sim_process sha({"--seed", sample_seed(), "--digest-algorithms", "SHA-256"});
    curl_client sha_client(sha.port(), demo_public, demo_private);
    auto sr = sha_client.call("GET", v1 + "/groups");
    BOOST_TEST(sr.status == 200);
}

BOOST_AUTO_TEST_CASE(access_list_and_ops_manager_service) {
    // Every request from an address outside the list: 403 IP_ADDRESS_NOT_ON_ACCESS_LIST.
    sim_process listed({"--seed", sample_seed(), "--access-list", "10.0.0.0/8,192.168.0.0/16"});
    curl_client c(listed.port(), demo_public, demo_private);
    for (auto target : {v1 + "/groups", v1 + "/groups/" + checkout + "/integrations/SLACK"}) {
        auto err = expect_error(c.call("GET", target), 403, "IP_ADDRESS_NOT_ON_ACCESS_LIST");
        BOOST_TEST(err.at("detail").as_string() ==
                   "IP address 127.0.0.1 is not allowed to access this resource.");
    }
    sim_process open({"--seed", sample_seed(), "--access-list", "127.0.0.0/8"});
    curl_client ok(open.port(), demo_public, demo_private);
    BOOST_TEST(ok.call("GET", v1 + "/groups").status == 200);
    BOOST_TEST(run_process({sim_bin(), "--access-list", "10.0.0.0/99"}).exit_code == 2);

    // An Ops Manager: /api/public/v1.0 only, its generated global key spans the orgs.
    temp_dir dir;
    sim_process om({"--service", "ops-manager", "--generate", "2:3", "--with", "DATADOG",
                    "--key-file", (dir / "key.json").string()});
    auto key = json::parse(read_file(dir / "key.json"));
    BOOST_TEST(!key.as_object().contains("clientId"));  // no service accounts on Ops Manager
    curl_client g(om.port(), str(key, "publicKey"), str(key, "privateKey"));
    BOOST_TEST(g.call("GET", v1 + "/groups").json().at("totalCount").as_int64() == 6);
    BOOST_TEST(g.call("GET", atlas + "/groups", {}, {atlas_accept}).status == 404);
    BOOST_TEST(http_request(om.port(), "POST", "/api/oauth/token", "grant_type=client_credentials")
                   .status == 404);
    // A seed's Atlas org cannot be on an Ops Manager.
    BOOST_TEST(
        run_process({sim_bin(), "--service", "ops-manager", "--seed", sample_seed()}).exit_code ==
        2);
}

BOOST_AUTO_TEST_CASE(port_in_use_names_the_address_and_the_way_out) {
    sim_process first({"--generate", "1:1"});
    auto where = "127.0.0.1:" + std::to_string(first.port());
    run_options quick;
    quick.timeout = std::chrono::seconds(20);
    auto second = run_process({sim_bin(), "--listen", where, "--generate", "1:1"}, quick);
    BOOST_TEST(second.exit_code == 1);
    BOOST_TEST(second.err.find("cmbulk-sim: cannot listen on " + where +
                               ": Address already in use (another cmbulk-sim? choose a port with "
                               "--listen 127.0.0.1:PORT, or 127.0.0.1:0 for a free one)") !=
                   std::string::npos,
               second.err);
}

BOOST_AUTO_TEST_SUITE_END()
