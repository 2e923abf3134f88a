// Integration test of pacing per scope (issue 16): cmbulk apply against a cmbulk-sim whose
// integrations set is a small bucket per project. One project needs more requests than its
// bucket holds; the simulator's request log is replayed to check that its 429 deferred only that
// project: the other projects' requests went on meanwhile, none of them was refused, and all of
// them were sent before that project's last request (which had to wait for two refills). And a
// credential-scoped 429 on one endpoint set (listings) does not pace its other sets.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

json::array sim_requests(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/requests").body).as_array();
}

json::value sim_state(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
}

/// The project id of an API path ("/api/public/v1.0/groups/ID/..."), else "".
std::string project_of(std::string_view path) {
    auto at = path.find("/groups/");
    if (at == std::string_view::npos) return {};
    auto id = path.substr(at + 8);
    return std::string(id.substr(0, id.find('/')));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scope_pacing)

BOOST_AUTO_TEST_CASE(a_projects_429_never_delays_another_project) {
    // Capacity 2, one token back every 10 s: the busy project's 4 creates take 20 s at least.
    sim_process sim({"--generate", "1:11", "--limit", "integrations=project:2:1/10"});
    std::vector<std::string> ids;
    const auto seeded = sim_state(sim);
    for (auto& p : seeded.at("orgs").at(0).at("projects").as_array())
        ids.emplace_back(p.at("id").as_string());
    BOOST_TEST_REQUIRE(ids.size() == 11u);
    const std::string busy = ids[0];
    temp_dir dir;
    // Four rows, four creates (one POST each) on the busy project.
    std::string lines;
    for (auto* fields :
         {R"("type":"SLACK","apiToken":"xoxb-SCOPE-1","teamName":"t","channelName":"#a")",
          R"("type":"PAGER_DUTY","serviceKey":"0123456789abcdef0123456789abcdef","region":"US")",
          R"("type":"OPS_GENIE","apiKey":"01234567-89ab-cdef-0123-456789abcdef","region":"US")",
          R"("type":"VICTOR_OPS","apiKey":"01234567-89ab-cdef-0123-456789abcdef",)"
          R"("routingKey":"vo-route")"})
        lines += R"({"projectId":")" + busy + "\"," + fields + "}\n";
    for (std::size_t i = 1; i < ids.size(); ++i)
        lines += R"({"projectId":")" + ids[i] + R"(","type":"SLACK","apiToken":"xoxb-SCOPE-)" +
                 std::to_string(i + 1) +
                 R"(","teamName":"t","channelName":"#a"})"
                 "\n";
    auto manifest = dir / "m.jsonl";
    write_file(manifest, lines);
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
    o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
    o.timeout = std::chrono::seconds(180);
    // Two workers: were a deferred project to hold one, the other projects would feel it.
    auto r = run_process({cmbulk_bin(), "apply", manifest.string(), "--base-url", sim.base_url(),
                          "--concurrency", "2", "--no-checkpoint", "--quiet"},
                         o);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);

    auto log = sim_requests(sim);
    std::int64_t first_429 = -1, busy_last = -1, others_last = -1;
    int others_after_429 = 0, others_refused = 0, busy_refused = 0;
    for (auto& v : log) {
        auto& e = v.as_object();
        auto p = project_of(e.at("path").as_string());
        if (p.empty()) continue;
        auto t = e.at("tUs").as_int64();
        bool refused = e.at("status").as_int64() == 429;
        if (p == busy) {
            busy_last = t;
            if (refused) {
                ++busy_refused;
                BOOST_TEST(e.at("limitScope").as_string() == "project");
                BOOST_TEST(e.at("limitKey").as_string() == busy);
                if (first_429 < 0) first_429 = t;
            }
            continue;
        }
        others_last = std::max(others_last, t);
        if (refused) ++others_refused;
        if (first_429 >= 0 && t > first_429) ++others_after_429;
    }
    // The busy project was refused (at most once per wait: it paces by its bucket afterwards),
    // the others never.
    BOOST_TEST(busy_refused >= 1);
    BOOST_TEST(busy_refused <= 2);
    BOOST_TEST(others_refused == 0);
    // Its 429 did not stop the others: they were sent after it, and were all sent before its
    // last request, which waited for the bucket (two refills, 20 s).
    BOOST_TEST(others_after_429 > 0);
    BOOST_TEST(others_last < busy_last);
    BOOST_TEST(busy_last - first_429 >= 9'000'000);
    // Every row reached the server.
    auto state = sim_state(sim);
    std::size_t configured = 0;
    for (auto& p : state.at("orgs").at(0).at("projects").as_array())
        if (auto* x = p.as_object().if_contains("integrations")) configured += x->as_array().size();
    BOOST_TEST(configured == ids.size() + 3);
}

// Issue 16: a credential's pace is kept per endpoint set. An audit lists the projects in pages
// (the `projects` set, a tight user bucket here: 2, one back every 2 s), and its third page is
// refused; then it reads every project's integrations (the generous `integrations` set). Before
// the fix the listings' 429 paced every request of the key at the listings' refill, one every
// 2 s; now the integration reads leave at once.
BOOST_AUTO_TEST_CASE(a_listings_429_never_paces_the_integrations) {
    sim_process sim({"--generate", "1:20", "--with", "SLACK", "--limit", "projects=user:2:1/2"});
    temp_dir dir;
    run_options o;
    o.cwd = dir.path();
    o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
    o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
    o.timeout = std::chrono::seconds(180);
    auto r =
        run_process({cmbulk_bin(), "audit", "--all", "--base-url", sim.base_url(), "--page-size",
                     "4", "--concurrency", "1", "--report", "audit.jsonl", "--quiet"},
                    o);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    int listings_refused = 0, reads_refused = 0;
    std::vector<std::int64_t> reads;  // when each integrations read was sent
    for (auto& v : sim_requests(sim)) {
        auto& e = v.as_object();
        std::string_view path = e.at("path").as_string();
        bool refused = e.at("status").as_int64() == 429;
        if (path.find("/integrations") != std::string_view::npos) {
            if (e.at("status").as_int64() == 200) reads.push_back(e.at("tUs").as_int64());
            if (refused) ++reads_refused;
        } else if (refused) {
            BOOST_TEST(e.at("limit").as_string() == "projects");
            ++listings_refused;
        }
    }
    BOOST_TEST(listings_refused >= 1);
    BOOST_TEST(reads_refused == 0);
    BOOST_TEST_REQUIRE(reads.size() == 20u);
    // At the listings' pace (one every 2 s, burst 1) at most two reads fit in 2 s; unpaced,
    // the 20 reads go one after another.
    std::sort(reads.begin(), reads.end());
    auto in_two_seconds = std::count_if(reads.begin(), reads.end(),
                                        [&](std::int64_t t) { return t - reads[0] < 2'000'000; });
    BOOST_TEST(in_two_seconds >= 5);
}

BOOST_AUTO_TEST_SUITE_END()
