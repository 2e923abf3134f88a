// Unit tests for the limits a run learns for an emitted seed (learned_limits.hpp): the sets of
// a rateLimits answer (api-facts.md "Rate limits": capacity, refillRate, refillDurationSeconds,
// scope), else those of token-bucket 429 bodies, as cmbulk-sim --limit specs; and the round
// trip through the simulator (its rateLimits answer learned back, a seed's cmbulkLimits.sets).
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <stdexcept>

#include "cmbulk/learned_limits.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/sim/limit_buckets.hpp"
#include "cmbulk/sim/world.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {
std::vector<std::string> specs_of(const limit_learning& l) {
    std::vector<std::string> out;
    for (auto& x : l.limits()) out.push_back(x.spec());
    return out;
}
json::value table_entry(std::string_view scope, double cap, double refill, double period,
                        json::array endpoints) {
    return json::object{{"endpointSetName", "set"},
                        {"scope", scope},
                        {"capacity", cap},
                        {"refillRate", refill},
                        {"refillDurationSeconds", period},
                        {"endpoints", std::move(endpoints)}};
}
server_rate_hint hint_of(std::string_view body) {
    auto h = parse_rate_hint(json::parse(body));
    BOOST_TEST_REQUIRE(h.has_value());
    return *h;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(learned_limits)

BOOST_AUTO_TEST_CASE(families_and_429_set_paths_map_to_the_simulator_sets) {
    BOOST_TEST(simulator_set_of("groups/{groupId}/integrations") == "integrations");
    BOOST_TEST(simulator_set_of("groups/{groupId}/alertConfigs") == "integrations");
    BOOST_TEST(simulator_set_of("groups/{groupId}") == "integrations");
    BOOST_TEST(simulator_set_of("api/atlas/v2/groups/{groupId}/integrations") == "integrations");
    BOOST_TEST(simulator_set_of("/api/atlas/v2/groups/{groupId}/alertConfigs/{id}") ==
               "integrations");
    BOOST_TEST(simulator_set_of("api/atlas/v2/orgs") == "projects");
    BOOST_TEST(simulator_set_of("orgs/{orgId}/groups") == "projects");
    BOOST_TEST(simulator_set_of("groups") == "projects");
    BOOST_TEST(simulator_set_of("api/atlas/v2") == "all");
    BOOST_TEST(simulator_set_of("*") == "all");
    // A project resource the simulator does not serve has no set of its.
    BOOST_TEST(simulator_set_of("groups/{groupId}/clusters") == "");
    BOOST_TEST(simulator_set_of("api/atlas/v2/federationSettings") == "");
}

BOOST_AUTO_TEST_CASE(a_rate_limits_answer_gives_its_sets_and_scopes) {
    json::array results;
    // The integrations set: ~34 families, one of them ours (api-facts.md).
    results.push_back(table_entry("PROJECT", 1200, 1200, 60,
                                  {"groups/{groupId}/clusters", "groups/{groupId}/integrations",
                                   "groups/{groupId}/alertConfigs"}));
    results.push_back(table_entry("ORGANIZATION", 10, 5, 60, {"orgs", "orgs/{orgId}/groups"}));
    results.push_back(table_entry("USER", 100, 10, 1, {"*"}));
    // Unusable: a set the simulator lacks, an unknown scope, no refill.
    results.push_back(table_entry("PROJECT", 50, 50, 60, {"groups/{groupId}/clusters"}));
    results.push_back(table_entry("GALAXY", 5, 5, 60, {"orgs"}));
    results.push_back(table_entry("IP", 5, 0, 60, {"orgs"}));
    limit_learning l;
    BOOST_TEST(l.learn_table(json::object{{"results", results}, {"totalCount", 6}}));
    BOOST_TEST(to_string(l.source()) == "rateLimits");
    BOOST_TEST(
        specs_of(l) == (std::vector<std::string>{"integrations=project:1200:1200/60",
                                                 "projects=org:10:5/60", "all=user:100:10/1"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(of_two_entries_for_one_set_and_scope_the_tighter_is_kept) {
    json::array results;
    results.push_back(table_entry("ORGANIZATION", 100, 100, 60, {"orgs"}));
    results.push_back(table_entry("ORGANIZATION", 10, 5, 60, {"orgs/{orgId}/groups"}));
    results.push_back(table_entry("ORGANIZATION", 10, 50, 60, {"groups"}));
    limit_learning l;
    BOOST_TEST(l.learn_table(json::object{{"results", results}}));
    BOOST_TEST(specs_of(l) == std::vector<std::string>{"projects=org:10:5/60"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_fractional_period_becomes_whole_seconds_at_the_same_rate) {
    json::array results;
    results.push_back(table_entry("USER", 4, 2, 0.5, {"*"}));
    limit_learning l;
    BOOST_TEST(l.learn_table(json::object{{"results", results}}));
    BOOST_TEST(specs_of(l) == std::vector<std::string>{"all=user:4:4/1"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_answer_without_usable_sets_teaches_nothing) {
    limit_learning l;
    BOOST_TEST(!l.learn_table(json::parse(R"({"results":[{"scope":"PROJECT"}]})")));
    BOOST_TEST(!l.learn_table(json::parse(R"({"detail":"not here"})")));
    BOOST_TEST(!l.learn_table(json::parse(R"([1,2])")));
    BOOST_TEST(to_string(l.source()) == "none");
    BOOST_TEST(l.limits().empty());
}

BOOST_AUTO_TEST_CASE(token_bucket_429s_teach_their_set_a_project_or_the_credential) {
    limit_learning l;
    // api-facts.md's own example: the orgs listing, 10 capacity, 5 per 60 seconds.
    l.learn_refusal("api/atlas/v2/orgs",
                    hint_of(R"({"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET",)"
                            R"("parameters":["api/atlas/v2/orgs",55,10,5,60]})"));
    l.learn_refusal("api/atlas/v2/groups/{groupId}/integrations",
                    hint_of(R"({"parameters":["api/atlas/v2/groups/{groupId}/integrations",)"
                            R"(9,2,1,10]})"));
    // The same set again (every refusal of a bucket says the same): kept once, the latest.
    l.learn_refusal("api/atlas/v2/orgs",
                    hint_of(R"({"parameters":["api/atlas/v2/orgs",30,10,5,60]})"));
    // A set the simulator lacks is not invented.
    l.learn_refusal("api/atlas/v2/groups/{groupId}/clusters",
                    hint_of(R"({"parameters":["x",1,5,5,60]})"));
    BOOST_TEST(to_string(l.source()) == "429s");
    BOOST_TEST(specs_of(l) == (std::vector<std::string>{"projects=user:10:5/60",
                                                        "integrations=project:2:1/10"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_table_wins_over_429s_in_either_order) {
    json::array results;
    results.push_back(table_entry("PROJECT", 1200, 1200, 60, {"groups/{groupId}/integrations"}));
    json::value table = json::object{{"results", results}};
    auto refusal = hint_of(R"({"parameters":["api/atlas/v2/orgs",55,10,5,60]})");
    limit_learning before, after;
    before.learn_refusal("api/atlas/v2/orgs", refusal);
    BOOST_TEST(before.learn_table(table));
    BOOST_TEST(after.learn_table(table));
    after.learn_refusal("api/atlas/v2/orgs", refusal);
    for (auto* l : {&before, &after}) {
        BOOST_TEST(to_string(l->source()) == to_string(limits_source::rate_limits));
        BOOST_TEST(specs_of(*l) == std::vector<std::string>{"integrations=project:1200:1200/60"},
                   boost::test_tools::per_element());
    }
}

// The simulator's own rateLimits answer, learned back, gives the specs it was started with:
// what `audit --emit-sim-seed` writes of a simulated fleet starts a second simulator alike.
BOOST_AUTO_TEST_CASE(the_simulators_rate_limits_answer_learns_back_to_its_specs) {
    std::vector<std::string> given{"integrations=project:2:1/10", "projects=org:20:20/1",
                                   "all=ip:1000:500/60", "all=user:10:10/1"};
    std::vector<sim::limit_set> sets;
    for (auto& g : given) {
        std::string err;
        auto s = sim::limit_set::parse(g, err);
        BOOST_TEST_REQUIRE(s.has_value(), err);
        sets.push_back(*s);
    }
    sim::limit_buckets buckets(sets);
    limit_learning l;
    BOOST_TEST(l.learn_table(buckets.describe({}, std::chrono::steady_clock::now())));
    BOOST_TEST(specs_of(l) == given, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_seeds_limit_sets_are_read_and_a_bad_one_is_named) {
    auto seed = [](std::string sets) {
        return json::parse(R"({"orgs":[],"cmbulkLimits":{"source":"rateLimits","sets":)" + sets +
                           "}}");
    };
    auto w =
        sim::world::from_json(seed(R"(["integrations=project:2:1/10","projects=org:5:5/60"])"));
    BOOST_TEST_REQUIRE(w.limits.has_value());
    BOOST_TEST_REQUIRE(w.limits->size() == 2u);
    BOOST_TEST((*w.limits)[1].spec() == "projects=org:5:5/60");
    // No sets (nothing was learned): the simulator keeps its defaults.
    BOOST_TEST(!sim::world::from_json(json::parse(R"({"orgs":[],"cmbulkLimits":{}})")).limits);
    BOOST_TEST(!sim::world::from_json(json::parse(R"({"orgs":[]})")).limits);
    auto refused = [&](std::string sets, std::string_view says) {
        try {
            sim::world::from_json(seed(sets));
            BOOST_ERROR("accepted " << sets);
        } catch (const std::runtime_error& e) {
            BOOST_TEST(std::string(e.what()).find(says) != std::string::npos, e.what());
        }
    };
    refused(R"(["integrations=project:2:1/10","clusters=project:1:1/1"])",
            "cmbulkLimits.sets[1] \"clusters=project:1:1/1\": unknown endpoint set");
    refused(R"([12])", "cmbulkLimits.sets[0] must be a string");
    refused(R"("integrations=project:2:1/10")", "\"sets\" must be an array");
}

BOOST_AUTO_TEST_SUITE_END()
