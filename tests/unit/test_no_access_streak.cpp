// The revoked-key rule (no_access_streak.hpp), stepped by hand: N no-access items in a row on N
// distinct projects stop the run once; any item that reached its project starts the count again.
#include <boost/test/unit_test.hpp>

#include "cmbulk/no_access_streak.hpp"

using namespace cmbulk;

BOOST_AUTO_TEST_SUITE(no_access_streak_rule)

BOOST_AUTO_TEST_CASE(n_distinct_projects_in_a_row_stop_once) {
    no_access_streak s;
    for (int i = 1; i < 3; ++i) BOOST_TEST(!s.on_item("p" + std::to_string(i), false, true, 3));
    BOOST_TEST(s.projects() == 2u);
    BOOST_TEST(s.on_item("p3", false, true, 3));
    // Once: the items still in flight do not stop it again.
    BOOST_TEST(!s.on_item("p4", false, true, 3));
}

BOOST_AUTO_TEST_CASE(the_same_project_counts_once) {
    no_access_streak s;
    for (int i = 0; i < 20; ++i) BOOST_TEST(!s.on_item("p1", false, true, 3));
    BOOST_TEST(!s.on_item("p2", false, true, 3));
    BOOST_TEST(s.on_item("p3", false, true, 3));
}

BOOST_AUTO_TEST_CASE(a_row_that_reached_its_project_resets) {
    no_access_streak s;
    BOOST_TEST(!s.on_item("p1", false, true, 3));
    BOOST_TEST(!s.on_item("p2", false, true, 3));
    BOOST_TEST(!s.on_item("p9", true, false, 3));
    BOOST_TEST(s.projects() == 0u);
    BOOST_TEST(!s.on_item("p1", false, true, 3));
    BOOST_TEST(!s.on_item("p2", false, true, 3));
    BOOST_TEST(s.on_item("p3", false, true, 3));
}

BOOST_AUTO_TEST_CASE(unanswered_items_neither_count_nor_reset_and_zero_is_off) {
    no_access_streak s;
    BOOST_TEST(!s.on_item("p1", false, true, 2));
    BOOST_TEST(!s.on_item("p2", false, false, 2));  // no answer at all
    BOOST_TEST(s.projects() == 1u);
    BOOST_TEST(s.on_item("p3", false, true, 2));
    no_access_streak off;
    for (int i = 0; i < 50; ++i) BOOST_TEST(!off.on_item(std::to_string(i), false, true, 0));
}

BOOST_AUTO_TEST_CASE(the_message_names_the_source_never_a_secret) {
    auto m = revoked_key_message(10, "CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY");
    BOOST_TEST(m.find("likely been revoked") != std::string::npos, m);
    BOOST_TEST(m.find("10 rows in a row") != std::string::npos, m);
    BOOST_TEST(
        m.find("CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY from the environment") != std::string::npos,
        m);
    BOOST_TEST(m.find("--max-no-access") != std::string::npos, m);
    BOOST_TEST(credential_phrase("profile 'work' (/h/config.toml:3)") ==
               "profile 'work' (/h/config.toml:3)");
    BOOST_TEST(credential_phrase("--public-key + --private-key-file k.txt") ==
               "--public-key + --private-key-file k.txt");
}

BOOST_AUTO_TEST_SUITE_END()
