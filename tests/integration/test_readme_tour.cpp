// The README's five-minute tour, run as a reader runs it: its commands are extracted from
// README.md at test time (the document's own text, not a copy) and run in order in a fresh
// directory that has `build/` and `samples/` as a checkout has them, with nothing of the caller's
// environment that could lend a setting or a key. The simulators it starts "in another terminal"
// run in the background; the only rewrite is their listen port: 127.0.0.1:8080 and :8081 become
// free ports (and so does every later mention of them). The command marked "press Ctrl-C" is
// interrupted after three seconds and must exit 130; every other must exit 0. Then what the tour
// promises is checked: its files exist, and the resumed run sent no change twice.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>

#include "doc_runner.hpp"

using namespace cmbulk::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(readme_tour)

BOOST_AUTO_TEST_CASE(the_tour_runs_as_written) {
    auto readme = read_file(source_dir() / "README.md");
    auto commands = markdown_commands(readme, "README.md", "## A five-minute tour");
    BOOST_TEST_REQUIRE(commands.size() >= 6u, "the tour has " << commands.size() << " commands");

    temp_dir dir;
    fs::create_directories(dir / "build");
    fs::create_symlink(cmbulk_bin(), dir / "build" / "cmbulk");
    fs::create_symlink(sim_bin(), dir / "build" / "cmbulk-sim");
    fs::create_directory_symlink(source_dir() / "samples", dir / "samples");
    fs::create_directories(dir / "home");
    doc_session tour(dir.path(), {{"HOME", (dir / "home").string()},
                                  {"XDG_CONFIG_HOME", (dir / "home" / ".config").string()},
                                  {"TERM", "dumb"}});
    tour.unset(foreign_variables());

    int interrupted = 0;
    for (auto& c : commands) {
        bool ctrl_c = c.comment.find("Ctrl-C") != std::string::npos;
        auto r = tour.run(c, 300s);
        BOOST_TEST_REQUIRE(!r.timed_out, c.origin << ": `" << c.text << "` did not finish");
        BOOST_TEST_REQUIRE(r.exit_code == (ctrl_c ? 130 : 0),
                           c.origin << ": `" << c.text << "` exited " << r.exit_code
                                    << "\nstdout: " << r.out << "\nstderr: " << r.err);
        interrupted += ctrl_c;
    }
    BOOST_TEST(interrupted == 1);
    BOOST_TEST(tour.ports().size() == 2u);  // the tour's simulator and the resume recipe's

    // The files the tour names.
    for (auto f : {"audit.csv", "slack-update.csv", "run.html", "run.csv", "big-update.csv",
                   "big-run.html", "big-run.csv"})
        BOOST_TEST(fs::exists(dir / f), f << " is missing");
    auto run_csv = read_file(dir / "run.csv");
    BOOST_TEST(run_csv.find("verified") != std::string::npos, run_csv);

    // "Rows that finished are not sent again ... no change is ever sent twice": over the
    // interrupted run and its resumption, one PUT per project, for every project. (A PUT the
    // server answered with its Digest challenge, unauthenticated, carried no change: not counted.)
    auto port = tour.ports().at("8081");
    auto log = boost::json::parse(http_request(port, "GET", "/__sim/requests").body);
    std::map<std::string, int> puts;
    for (auto& e : log.as_array())
        if (e.at("method").as_string() == "PUT" && !e.at("key").as_string().empty())
            ++puts[std::string(e.at("path").as_string())];
    BOOST_TEST(puts.size() == 1000u);
    int twice = 0;
    for (auto& [path, n] : puts) twice += n != 1;
    BOOST_TEST(twice == 0, twice << " projects got more than one PUT");
}

BOOST_AUTO_TEST_SUITE_END()
