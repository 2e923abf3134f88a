// The examples of every `cmbulk <command> --help` and of the man pages run as written: each text's
// examples in order, in a fresh directory with `samples/`, `cmbulk` and `cmbulk-sim` on PATH and
// a cmbulk-sim seeded with samples/sim-seed.json (its URL and key in CMBULK_BASE_URL,
// CMBULK_PUBLIC_KEY, CMBULK_PRIVATE_KEY, as the reader's environment would have them). What is
// rewritten, and only that: `NAME=...` in an export (the reader's own value) keeps the
// simulator's; 127.0.0.1:8080 and a simulator's listen port become free ports;
// /usr/share/doc/cmbulk/ (where the package installs samples) is the source tree. An example
// whose comment starts with "needs" (say, a profile of your own) is not run, and the test says
// which. Every other example must exit 0. Also: the man pages' version and date come from the
// build (CMake's project version and release date, the changelog's heading), not from the page.
#include <boost/test/unit_test.hpp>
#include <regex>
#include <set>

#include "cmbulk/sim/core.hpp"
#include "doc_runner.hpp"
#include "test_sim_support.hpp"

using namespace cmbulk::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// The commands `cmbulk --help` lists.
std::vector<std::string> listed_commands() {
    auto r = run_process({cmbulk_bin(), "--help"});
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    bool in_commands = false;
    while (std::getline(in, line)) {
        if (line.rfind("Commands:", 0) == 0) {
            in_commands = true;
            continue;
        }
        if (in_commands && line.empty()) break;
        if (in_commands) out.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
    return out;
}

/// Runs one text's examples in a fresh directory against a fresh simulator; returns how many
/// ran.
int run_examples(const std::vector<doc_command>& examples, const std::string& what) {
    temp_dir dir;
    fs::create_directories(dir / "bin");
    fs::create_symlink(cmbulk_bin(), dir / "bin" / "cmbulk");
    fs::create_symlink(sim_bin(), dir / "bin" / "cmbulk-sim");
    fs::create_directory_symlink(source_dir() / "samples", dir / "samples");
    sim_process sim({"--seed", sample_seed()});
    doc_session s(dir.path(),
                  {{"PATH", (dir / "bin").string() + ":" + std::string(std::getenv("PATH"))},
                   {"HOME", dir.path().string()},
                   {"XDG_CONFIG_HOME", (dir / ".config").string()},
                   {"TERM", "dumb"},
                   {"CMBULK_BASE_URL", sim.base_url()},
                   {"CMBULK_PUBLIC_KEY", demo_public},
                   {"CMBULK_PRIVATE_KEY", demo_private}});
    auto unset = foreign_variables();
    std::erase_if(unset, [](auto& v) { return v.starts_with("CMBULK_"); });
    s.unset(unset);
    s.adopt("8080", sim.port());
    s.rewrites.emplace_back("/usr/share/doc/cmbulk/", (source_dir() / "").string());
    int ran = 0;
    for (auto c : examples) {
        BOOST_TEST_CONTEXT(what << ", " << c.origin << ": " << c.text) {
            if (c.comment.rfind("needs", 0) == 0) {
                BOOST_TEST_MESSAGE(c.origin << ": not run (" << c.comment << "): " << c.text);
                continue;
            }
            // `export NAME=...`: the reader's own value; the simulator's stands in for it.
            static const std::regex placeholder(R"(([A-Z_][A-Z0-9_]*)=\.\.\.(\s|$))");
            if (c.text.rfind("export ", 0) == 0) {
                for (std::sregex_iterator it(c.text.begin(), c.text.end(), placeholder), end;
                     it != end; ++it)
                    BOOST_TEST_REQUIRE(s.env().count((*it)[1].str()) == 1u,
                                       "no simulator value for " << (*it)[1].str());
                c.text = std::regex_replace(c.text, placeholder, "$1=\"$$$1\"$2");
            }
            auto r = s.run(c, 120s);
            BOOST_TEST(!r.timed_out);
            BOOST_TEST(r.exit_code == 0,
                       "exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
            ++ran;
        }
    }
    return ran;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(help_examples_suite)

BOOST_AUTO_TEST_CASE(every_commands_help_examples_run) {
    auto commands = listed_commands();
    BOOST_TEST_REQUIRE(commands.size() >= 5u);
    for (auto& cmd : commands) {
        BOOST_TEST_CONTEXT(cmd) {
            auto help = run_process({cmbulk_bin(), cmd, "--help"});
            BOOST_TEST_REQUIRE(help.exit_code == 0);
            auto examples = help_examples(help.out, "cmbulk " + cmd + " --help");
            BOOST_TEST_REQUIRE(!examples.empty(), "no examples in cmbulk " << cmd << " --help");
            BOOST_TEST(run_examples(examples, cmd) >= 1);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_man_pages_examples_run) {
    for (auto page : {"cmbulk.1", "cmbulk-sim.1"}) {
        BOOST_TEST_CONTEXT(page) {
            auto roff = read_file(source_dir() / "man" / page);
            auto examples = man_examples(roff, std::string("man/") + page);
            BOOST_TEST_REQUIRE(examples.size() >= 2u);
            BOOST_TEST(run_examples(examples, page) >= 2);
        }
    }
}

BOOST_AUTO_TEST_CASE(man_pages_take_version_and_date_from_the_release) {
    auto version = run_process({cmbulk_bin(), "--version"}).out;  // "cmbulk 0.1.0\n"
    BOOST_TEST_REQUIRE(version.rfind("cmbulk ", 0) == 0u);
    version = version.substr(7, version.find('\n') - 7);
    // The changelog's heading for this version: "## 0.1.0 (DATE)".
    auto changelog = read_file(source_dir() / "docs" / "changelog.md");
    std::smatch m;
    BOOST_TEST_REQUIRE(
        std::regex_search(changelog, m,
                          std::regex("## " + std::regex_replace(version, std::regex("\\."), "\\.") +
                                     " \\(([^)]*)\\)")),
        "docs/changelog.md has no heading for " << version);
    auto date = m[1].str();
    auto build = fs::path(cmbulk_bin()).parent_path();
    for (auto page : {"cmbulk.1", "cmbulk-sim.1"}) {
        BOOST_TEST_CONTEXT(page) {
            auto source = read_file(source_dir() / "man" / page);
            BOOST_TEST(source.find(".TH ") != std::string::npos);
            BOOST_TEST(source.find("@CMBULK_RELEASE_DATE@") != std::string::npos,
                       "the page's date is written by hand");
            BOOST_TEST(source.find("@CMBULK_VERSION@") != std::string::npos);
            auto built = read_file(build / "man" / page);
            auto th = built.substr(built.find("\n.TH ") + 1);
            th = th.substr(0, th.find('\n'));
            BOOST_TEST(th.find("\"" + date + "\"") != std::string::npos, th);
            BOOST_TEST(th.find("\"cmbulk " + version + "\"") != std::string::npos, th);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
