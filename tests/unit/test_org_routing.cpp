// Unit tests for org_routing.hpp: rows go to their orgId column's credential, else to what the
// lookups learned; an org without a credential and a project no lookup saw are named, not
// guessed; a credential failure stops the run only when there is one credential.
#include <boost/test/unit_test.hpp>

#include "cmbulk/org_routing.hpp"

using namespace cmbulk;

namespace {
const std::string oa = "5e0000000000000000000001", ob = "5e0000000000000000000002",
                  oc = "5e0000000000000000000003";
const std::string p1 = "6f0000010000000000000001", p2 = "6f0000010000000000000002";
}  // namespace

BOOST_AUTO_TEST_SUITE(org_routing)

BOOST_AUTO_TEST_CASE(org_id_column_routes_without_lookup) {
    org_router r({oa, ob});
    auto x = r.route(p1, ob);
    BOOST_TEST(x.kind == org_route::credential);
    BOOST_TEST(x.key == ob);
    auto y = r.route(p1, oc);
    BOOST_TEST(y.kind == org_route::unknown_org);
    BOOST_TEST(y.key == oc);
    BOOST_TEST(r.lookup_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(rows_without_org_id_use_what_lookups_learned) {
    org_router r({oa, ob});
    BOOST_TEST(r.route(p1, "").kind == org_route::needs_lookup);
    r.learn(oa, p1, "");  // an answer without orgId: the credential's own org
    r.learn(ob, p2, ob);
    r.count_lookup_request();
    r.count_lookup_request();
    r.lookups_done();
    BOOST_TEST(r.route(p1, "").key == oa);
    BOOST_TEST(r.route(p2, "").key == ob);
    BOOST_TEST(r.route("6f0000010000000000000009", "").kind == org_route::not_found);
    BOOST_TEST(r.lookup_requests() == 2u);
    BOOST_TEST(r.projects_learned() == 2u);
    // The column wins over what was learned.
    BOOST_TEST(r.route(p2, oa).key == oa);
}

BOOST_AUTO_TEST_CASE(a_learned_org_without_credential_is_unknown) {
    org_router r({oa});
    r.learn(oa, p1, oc);  // a global key listing another org's project
    r.lookups_done();
    auto x = r.route(p1, "");
    BOOST_TEST(x.kind == org_route::unknown_org);
    BOOST_TEST(x.key == oc);
}

BOOST_AUTO_TEST_CASE(first_learned_org_wins) {
    org_router r({oa, ob});
    r.learn(oa, p1, oa);
    r.learn(ob, p1, ob);
    BOOST_TEST(r.route(p1, "").key == oa);
}

BOOST_AUTO_TEST_CASE(failure_stops_the_run_only_with_one_credential) {
    BOOST_TEST(credential_failure_stops_run(1));
    BOOST_TEST(!credential_failure_stops_run(2));
    BOOST_TEST(!credential_failure_stops_run(20));
}

BOOST_AUTO_TEST_CASE(refused_detail_names_the_org_and_label) {
    auto d = credential_refused_detail(oa, "payments");
    BOOST_TEST(d.find(oa) != std::string::npos);
    BOOST_TEST(d.find("(payments)") != std::string::npos);
    BOOST_TEST(credential_refused_detail(oa, "").find("()") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
